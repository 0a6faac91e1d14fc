"""Simulate mode: with no keys at all, the toolbar toggle runs the hosted pipeline against
the built-in provider simulator; hosted nodes, the run and the assets are marked simulated,
nothing counts towards "Spent today", budgets do not refuse it, and turning it off brings
back the real providers (and their missing keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge
from canvastoon_desktop.ui.commands import ConnectCommand
from canvastoon_desktop.ui.dialogs import ProblemsDialog
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import copy_example, wait_plan, wait_run

pytest.importorskip("canvastoon_desktop.providers.replicate")


@pytest.mark.slow
def test_simulate_runs_the_hosted_short_with_no_keys_and_spends_nothing(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    assert window.open_file(copy_example("kpop_short.ctoon", tmp_path / "graphs"))
    wait_plan(qtbot, window)
    assert any(p.code == "missing_key" for p in window.runner.problems)  # no keys here
    window.actions_by_name["simulate"].trigger()  # the toolbar toggle
    assert window.simulate.active and window.actions_by_name["simulate"].isChecked()
    assert window.simulate_label.isVisible() and "(Simulate)" in window.windowTitle()
    wait_plan(qtbot, window)
    assert window.runner.problems == []  # no key needed, no budget in the way
    assert window.quote_label.text().startswith("Simulated")
    window.run_all()
    record = wait_run(qtbot, window)
    assert record.status == "done" and record.simulated
    assert "simulated" in record.label
    graph = window.document.graph
    hosted = {"scenario", "main_cut", "cinematic"}
    for node_id in hosted:
        st = window.states.get(node_id)
        assert st.simulated and ("SIM", "#4dd0e1") in window.bridge.card(node_id).badges
        assert st.cost_text().endswith(" sim")  # what it would cost: not charged
    offline = [n for n in graph.nodes if window.states.get(n).state in ("done", "ready")]
    assert any(not window.states.get(n).simulated for n in offline)  # sources stay unmarked
    library = window.workspace.library
    assert library.spent_today() == 0.0  # never counted as money spent
    assert "$0" in window.spend_label.text()
    history = library.runs(limit=5)
    assert history[0]["graph_name"].endswith("· simulated")
    window.runs_panel.refresh()
    assert window.runs_panel.runs.topLevelItem(0).text(2).endswith(" sim")
    assert "nothing charged" in window.statusBar().currentMessage()

    window.set_simulate(False)
    assert not window.simulate.active and not window.simulate_label.isVisible()
    assert window.runner.executor is window.workspace.executor
    # real providers again: a hosted node that has to run needs its key, and is refused
    idea = window.bridge.add_node("text", (0.0, 900.0), {"text": "a new cut"})
    cut = window.bridge.add_node("image_gen", (320.0, 900.0), {"model": "google/nano-banana-pro"})
    window.bridge.push(ConnectCommand(graph, Edge(idea, "text", cut, "prompt")))
    wait_plan(qtbot, window)
    assert not window.quote_label.text().startswith("Simulated")
    window.request_run([cut], "Run the new cut")
    dialog = shown_dialog(qtbot, ProblemsDialog)
    assert any(g.code == "missing_key" for g in dialog.groups)
    dialog.close()


@pytest.mark.slow
def test_simulate_does_not_switch_during_a_run(qtbot: Any, window: Any, tmp_path: Path) -> None:
    assert window.open_file(copy_example("kpop_short.ctoon", tmp_path / "graphs"))
    assert window.set_simulate(True)
    wait_plan(qtbot, window)
    window.run_all()
    qtbot.waitUntil(lambda: window.runner.active is not None, timeout=10_000)
    assert not window.set_simulate(False)  # the run belongs to the simulator
    assert window.simulate.active and window.actions_by_name["simulate"].isChecked()
    window.cancel_run()
    qtbot.waitUntil(lambda: window.runner.active is None, timeout=30_000)
    assert window.set_simulate(False)
