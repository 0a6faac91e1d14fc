"""Every state a node shows and every status a run has in the runs panel has a colour and
words, so a state added to the core cannot be drawn without one."""

from __future__ import annotations

import pytest

from canvastoon_desktop.core.status import DisplayState, NodeStatus, RunStatus
from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.run_controller import RecordStatus
from canvastoon_desktop.ui.runs_panel import RUN_COLORS


@pytest.mark.parametrize("state", list(DisplayState))
def test_every_node_state_has_a_colour_and_a_label(state: DisplayState) -> None:
    assert theme.STATE_COLORS[state].startswith("#")
    assert theme.STATE_LABELS[state]


@pytest.mark.parametrize("status", [*RecordStatus, *RunStatus])
def test_every_run_status_has_a_colour_in_the_runs_panel(status: str) -> None:
    assert RUN_COLORS[status].startswith("#")  # type: ignore[index]


@pytest.mark.parametrize("status", list(NodeStatus))
def test_how_a_node_ended_is_drawn_in_the_colour_of_that_state(status: NodeStatus) -> None:
    assert theme.state_color(status) == theme.STATE_COLORS[DisplayState(status)]


def test_an_unknown_state_is_drawn_as_not_run() -> None:
    assert theme.state_color("retired") == theme.STATE_COLORS[DisplayState.IDLE]
