"""Every run and node status the terminal prints has a colour (or is plain by choice), so a
status added to the core cannot print without one."""

from __future__ import annotations

import pytest

from canvastoon_desktop.cli.output import STATUS_STYLES, styled_status
from canvastoon_desktop.cli.progress import SETTLED_STYLES
from canvastoon_desktop.core.status import NodeStatus, RunStatus


@pytest.mark.parametrize("status", [*RunStatus, *NodeStatus])
def test_every_run_and_node_status_has_a_style(status: str) -> None:
    assert status in STATUS_STYLES


@pytest.mark.parametrize("status", list(NodeStatus))
def test_every_way_a_node_ends_has_a_progress_colour(status: NodeStatus) -> None:
    assert SETTLED_STYLES[status]


def test_trouble_is_in_colour_and_success_is_plain() -> None:
    assert styled_status(RunStatus.FAILED) == "[red]failed[/]"
    assert styled_status(NodeStatus.SKIPPED) == "[yellow]skipped[/]"
    assert styled_status("refused") == "[red]refused[/]"
    assert styled_status(RunStatus.DONE) == "done"
