"""Cancel ends a run whatever moment it comes at — even the very moment it starts (the
window guards a core bug there: see RunController._force_cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.uihelpers import copy_example, wait_plan, wait_run


def any_node(window: Any, *states: str) -> bool:
    return any(window.states.get(n).state in states for n in window.document.graph.nodes)


MOMENTS = {
    "as_it_starts": lambda window: True,
    "while_a_node_runs": lambda window: any_node(window, "running"),
    "after_a_node_finished": lambda window: any_node(window, "done", "cached"),
}


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_cancel_ends_the_run(qtbot: Any, window: Any, tmp_path: Path, moment: str) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.runner.start(None, "Run")
    reached = MOMENTS[moment]
    qtbot.waitUntil(lambda: reached(window) or not window.runner.running, timeout=20_000)
    window.actions_by_name["cancel"].trigger()
    record = wait_run(qtbot, window, timeout=20_000)
    assert record.status in ("cancelled", "done")  # a late cancel may find it finished
    assert window.actions_by_name["run_all"].isEnabled()
    for node_id in window.document.graph.nodes:
        assert window.states.get(node_id).state not in ("queued", "running")
