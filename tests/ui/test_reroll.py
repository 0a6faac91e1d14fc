"""Re-roll in the editor: an offline storyboard card comes back different each time (its
seed follows the re-roll counter); a model with no randomness (OpenCV inpaint) is not
re-rolled for nothing — the window says why, and the Re-roll button is off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from tests.ui.uihelpers import run_offline_example, wait_plan


def _rerolled(qtbot: Any, window: Any, node_id: str) -> str:
    count = len(window.runner.records)
    window.reroll([node_id])
    qtbot.waitUntil(
        lambda: len(window.runner.records) == count + 1 and window.runner.active is None,
        timeout=30_000,
    )
    assert window.runner.records[0].summary.nodes[node_id].status == "done"
    wait_plan(qtbot, window)
    return window.states.get(node_id).preview().sha256


@pytest.mark.slow
def test_each_reroll_of_a_storyboard_card_gives_a_new_card(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)
    first = window.states.get("card").preview().sha256
    second = _rerolled(qtbot, window, "card")
    third = _rerolled(qtbot, window, "card")
    assert len({first, second, third}) == 3


@pytest.mark.slow
def test_a_model_without_randomness_is_not_rerolled(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)
    graph = window.document.graph
    runs = len(window.runner.records)
    window.reroll(["cleanup"])  # OpenCV inpaint: the same inputs, the same picture
    assert graph.nodes["cleanup"].reroll_count() == 0
    assert len(window.runner.records) == runs
    assert "same result" in window.statusBar().currentMessage()
    window.bridge.select(["cleanup"])
    window._selection_changed()
    button = next(
        b for b in window.properties.findChildren(QtWidgets.QPushButton) if b.text() == "Re-roll"
    )
    assert not button.isEnabled()
