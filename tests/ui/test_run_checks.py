"""Before anything is spent: missing keys and budgets refuse a run with every problem
listed per node; a costly run asks first; jobs of an earlier session are offered back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from canvastoon_desktop.core.pricing import Budget
from canvastoon_desktop.ui.dialogs import ConfirmRunDialog, ProblemsDialog
from tests.support.library_factory import add_reported_charge
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import copy_example, wait_plan


@pytest.mark.slow
def test_refusal_lists_missing_keys_per_node(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = copy_example("kpop_short.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.run_all()
    dialog = shown_dialog(qtbot, ProblemsDialog)
    assert dialog.isVisible()
    assert window.runner.records == []  # nothing started, nothing spent
    codes = {p.code for p in dialog.problems}
    assert "missing_key" in codes
    graph = window.document.graph
    hosted = {p.node_id for p in dialog.problems if p.code == "missing_key"}
    assert {"scenario", "main_cut", "cinematic"} <= hosted
    assert set(dialog.node_ids()) >= hosted  # grouped: one entry per node
    messages = [p.message for p in dialog.problems if p.node_id == "cinematic"]
    assert any("Replicate" in m for m in messages)
    dialog.click_node("cinematic")  # a click finds the node on the canvas
    assert window.bridge.selected_ids() == ["cinematic"]
    assert graph.nodes["cinematic"].type == "video"
    dialog.close()
    # the same problems show on the nodes before anyone presses Run
    assert any("key" in p for p in window.states.get("cinematic").problems)


@pytest.mark.slow
def test_budget_refusal_and_confirmation(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from canvastoon_desktop.ui.commands import SetParamCommand

    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    executor = window.workspace.executor
    # make the run cost money: swap the card for a hosted model whose key is "present"
    executor.key_problem = lambda provider: None
    graph = window.document.graph
    window.bridge.push(SetParamCommand(graph, "card", "model", "google/nano-banana-pro"))
    wait_plan(qtbot, window)
    executor.budget = Budget(per_run=0.01, per_day=None, confirm_over=None)
    window.run_all()
    refused = shown_dialog(qtbot, ProblemsDialog)
    assert any(p.code == "budget" for p in refused.problems)
    refused.close()
    executor.budget = Budget(per_run=None, per_day=None, confirm_over=0.01)
    window.run_all()
    confirm = shown_dialog(qtbot, ConfirmRunDialog)
    assert "$" in confirm.text()
    confirm.reject()  # not confirmed: nothing runs (a confirmed run starts as it is answered)
    assert window.runner.records == [] and not window.runner.running


@pytest.mark.slow
def test_jobs_left_by_an_earlier_session_are_offered(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    from canvastoon_desktop.core.fileformat import load_graph

    path = copy_example("kpop_short.ctoon", tmp_path / "graphs")
    library = window.workspace.library
    executor = window.workspace.executor
    graph = load_graph(path, window.registry)
    plan = executor.plan(graph, graph_path=path)
    key = plan.nodes["scenario"].items[0].key
    row = library.journal_creating(key, "aiml", "gpt-4o", node_id="scenario")
    library.journal_update(row, state="submitted", job_id="chatcmpl-earlier")
    assert window.open_file(path)
    offer = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "Resume" in offer.windowTitle() and "Scenario" in offer.informativeText()
    assert window.states.get("scenario").resumable
    assert ("RESUME", "#4aa8ff") in window.bridge.card("scenario").badges
    offer.close()


@pytest.mark.slow
def test_the_quote_warns_when_a_models_reported_charges_exceeded_its_quotes(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    """A model whose provider billed more than it was quoted (the user's ledger) is flagged
    where the quote is shown: the price table may be out of date."""
    path = copy_example("kpop_short.ctoon", tmp_path / "graphs")
    add_reported_charge(window.workspace.executor.library, "google/veo-3.1-fast", 1.60, (1.2, 1.2))
    assert window.open_file(path)
    wait_plan(qtbot, window)
    qtbot.waitUntil(lambda: window.quote_label.text().startswith("⚠"), timeout=10_000)
    tip = window.quote_label.toolTip()
    assert "Veo 3.1 Fast: 1 of 1 reported charges were above their quote" in tip
    assert "canvastoon prices" in tip
