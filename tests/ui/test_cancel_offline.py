"""Cancel ends a run whatever moment it comes at — even the very moment it starts (the
window guards a core bug there: see RunController._force_cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.uihelpers import copy_example, wait_plan, wait_run


@pytest.mark.parametrize("delay_ms", [0, 30, 300])
def test_cancel_ends_the_run(qtbot: Any, window: Any, tmp_path: Path, delay_ms: int) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.runner.start(None, "Run")
    if delay_ms:
        qtbot.wait(delay_ms)
    window.actions_by_name["cancel"].trigger()
    record = wait_run(qtbot, window, timeout=20_000)
    assert record.status in ("cancelled", "done")  # a late cancel may find it finished
    assert window.actions_by_name["run_all"].isEnabled()
    for node_id in window.document.graph.nodes:
        assert window.states.get(node_id).state not in ("queued", "running")
