"""A refused run's problems: each problem once with the nodes that have it, every line in
full, what to do about it (Open Settings; "Allow $X for this run" when only the per-run
budget stands in the way), and a click on a node brings it into view beside the dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.pricing import Budget
from canvastoon_desktop.ui.dialogs import ProblemsDialog
from canvastoon_desktop.ui.settings_dialog import SettingsDialog
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import copy_example, wait_plan


def _refused(qtbot: Any, window: Any, tmp_path: Path, name: str = "kpop_episode.ctoon") -> Any:
    window.resize(1600, 1000)
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):
        assert window.open_file(copy_example(name, tmp_path / "graphs"))
    wait_plan(qtbot, window)
    window.run_all()
    return shown_dialog(qtbot, ProblemsDialog)


@pytest.mark.slow
def test_a_missing_key_is_one_problem_listing_its_nodes(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    dialog = _refused(qtbot, window, tmp_path)
    keys = [g for g in dialog.groups if g.code == "missing_key"]
    assert len(keys) == 2  # AIML and Replicate, once each — not once per node
    aiml = next(g for g in keys if "AIML" in g.message)
    assert {"shots", "cuts"} <= set(aiml.node_ids)
    assert len(dialog.problems) > len(dialog.groups)
    messages = [m.text() for m in dialog.findChildren(QtWidgets.QLabel, "problemMessage")]
    assert any("AIML_API_KEY" in m for m in messages)
    for label in dialog.findChildren(QtWidgets.QLabel, "problemMessage"):
        assert label.wordWrap()  # shown whole, not cut off at the edge
        assert label.height() >= label.heightForWidth(label.width()) - 1
    assert dialog.settings_buttons  # a way to fix it
    with qtbot.waitSignal(dialog.settings_requested, timeout=5_000):
        dialog.settings_buttons[0].click()
    shown_dialog(qtbot, SettingsDialog).reject()  # the settings it opened


@pytest.mark.slow
def test_the_node_a_click_finds_is_not_under_the_dialog(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    dialog = _refused(qtbot, window, tmp_path)
    assert not dialog.isModal()  # the canvas stays usable while fixing things
    qtbot.waitExposed(dialog)
    listed = dialog.node_ids()
    assert len(listed) >= 3
    for node_id in (listed[0], listed[len(listed) // 2], listed[-1]):
        dialog.click_node(node_id)
        assert window.bridge.selected_ids() == [node_id]
        card = window.bridge.card(node_id).sceneBoundingRect()
        view = window.viewer
        top_left = view.viewport().mapToGlobal(view.mapFromScene(card.topLeft()))
        bottom_right = view.viewport().mapToGlobal(view.mapFromScene(card.bottomRight()))
        on_screen = QtCore.QRect(top_left, bottom_right)
        assert not on_screen.intersects(dialog.frameGeometry()), node_id
        assert view.viewport().rect().contains(view.mapFromScene(card.center())), (
            node_id
        )  # and it is in view
    dialog.close()


@pytest.mark.slow
def test_over_the_per_run_budget_offers_to_allow_this_run(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    executor = window.workspace.executor
    executor.key_problem = lambda provider: None  # keys "present": only money is in the way
    executor.budget = Budget(per_run=5.0, per_day=None, confirm_over=None)
    dialog = _refused(qtbot, window, tmp_path)  # the shipped episode: ≈ $3–$10, over $5
    (group,) = dialog.groups
    assert group.code == "budget" and "per-run" in group.message
    quote = window.runner.plan.quote
    assert dialog.allow_button is not None
    assert dialog.allow_usd >= quote.cost.high and dialog.allow_usd - quote.cost.high < 0.01
    assert "for this run" in dialog.allow_button.text()
    dialog.allow_button.click()
    qtbot.waitUntil(lambda: window.runner.active is not None, timeout=10_000)
    run = window.runner.active.run
    assert run.budget.per_run == dialog.allow_usd  # this run only
    assert executor.budget.per_run == 5.0  # the setting stays
    window.cancel_run()
    qtbot.waitUntil(lambda: window.runner.active is None, timeout=30_000)


@pytest.mark.slow
def test_over_the_day_budget_is_not_offered_away(qtbot: Any, window: Any, tmp_path: Path) -> None:
    executor = window.workspace.executor
    executor.key_problem = lambda provider: None
    executor.budget = Budget(per_run=None, per_day=1.0, confirm_over=None)
    dialog = _refused(qtbot, window, tmp_path)
    assert dialog.allow_button is None
    assert dialog.settings_buttons  # only the settings
    dialog.close()
