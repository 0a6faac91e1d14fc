"""The window's Run commands: run all or the selection, the checks before a run (problems,
the confirm-before-spending question), the run's start and end, cancel, resuming an
earlier session's jobs, and Simulate mode. A mixin of ``MainWindow``; the runs themselves
are the ``RunController``'s."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.pricing import format_usd

from .dialogs import ConfirmRunDialog, ProblemsDialog, ask, ask_outside_paths, show_error
from .run_controller import Preflight, RecordStatus, RunRecord


class RunCommands:
    """Needs ``workspace``, ``document``, ``bridge``, ``viewer``, ``runner``, ``simulate``,
    ``runs_panel``, ``tick``, ``actions_by_name``, ``simulate_label``, ``_update_title``,
    ``refresh_history`` and ``statusBar`` from the window."""

    workspace: Any
    document: Any
    bridge: Any
    viewer: Any
    runner: Any
    simulate: Any
    runs_panel: Any
    _pending_label: str

    def set_simulate(self, on: bool) -> bool:
        """Simulate mode on or off (not during a run). True when it is as asked."""
        action = self.actions_by_name["simulate"]
        if on == self.simulate.active:
            action.setChecked(on)
            return True
        if self.runner.active is not None:
            action.setChecked(self.simulate.active)
            self.statusBar().showMessage("A run is going — cancel it (Esc) or wait", 4000)
            return False
        if on:
            try:
                executor = self.simulate.start()
            except (RuntimeError, OSError) as exc:
                action.setChecked(False)
                show_error(self, "Simulate mode cannot start", _esc(f"the simulator: {exc}"))
                return False
            self.runner.use_executor(executor)
        else:
            self.runner.use_executor(self.workspace.executor)
            self.simulate.stop()
        action.setChecked(on)
        self.simulate_label.setVisible(on)
        self._update_title()
        self.statusBar().showMessage(
            "Simulate mode: try the hosted models without keys — nothing is spent"
            if on
            else "Simulate mode off: hosted models are real again, and cost money",
            6000,
        )
        return True

    def _run_label(self, ids: list[str]) -> str:
        graph = self.document.graph
        if len(ids) == 1:
            return f"Run {graph.display_name(ids[0])}"
        return f"Run {len(ids)} nodes"

    def run_all(self) -> None:
        self.request_run(None, "Run all")

    def run_selected(self) -> None:
        ids = self.bridge.selected_ids()
        if not ids:
            self.statusBar().showMessage("Select the nodes to run first (F5 runs everything)", 4000)
            return
        self.request_run(ids, self._run_label(ids))

    def request_run(self, targets: list[str] | None, label: str = "Run") -> None:
        if self.runner.running:
            self.statusBar().showMessage("A run is going — cancel it (Esc) or wait", 4000)
            return
        self._pending_label = label + (" (simulated)" if self.simulate.active else "")
        self.statusBar().showMessage("Checking the run…", 2000)
        self.runner.preflight(targets)

    def _preflight_ready(self, preflight: Preflight) -> None:
        if preflight.error:
            show_error(self, "This run cannot start", _esc(preflight.error))
            return
        outside = [p for p in preflight.problems if p.code == "outside_path"]
        if outside:  # a shared graph's paths: the artist decides, then it is checked again

            def allowed(yes: bool) -> None:
                if yes:
                    self.allow_outside_paths()
                    self.runner.preflight(preflight.targets)

            ask_outside_paths(self, outside, allowed)
            return
        if preflight.problems or preflight.plan is None:
            self._show_problems(preflight.problems, preflight)
            return
        quote = preflight.plan.quote
        threshold = self.runner.executor.budget.confirm_over
        if threshold is not None and quote.cost.high > threshold + 1e-9:
            dialog = ConfirmRunDialog(quote, threshold, self)

            def answered(_result: int) -> None:
                if dialog.clickedButton() is dialog.run_button:
                    self._launch(preflight.targets)

            dialog.finished.connect(answered)
            dialog.open()
            return
        self._launch(preflight.targets)

    def _show_problems(
        self, problems: list[Any], preflight: Preflight | None = None
    ) -> ProblemsDialog:
        allow = None
        budget = self.runner.executor.budget
        if (
            preflight is not None
            and preflight.plan is not None
            and budget.per_run is not None
            and problems
            and all(p.code == "budget" and "per-run" in p.message for p in problems)
        ):  # only the per-run limit stands in the way: offer to lift it for this run
            allow = math.ceil(preflight.plan.quote.cost.high * 100 - 1e-6) / 100
        dialog = ProblemsDialog(problems, self.document.graph, self, allow_usd=allow)
        dialog.node_clicked.connect(lambda n: self._find_node_beside(n, dialog))
        dialog.settings_requested.connect(self.open_settings)
        if preflight is not None:
            targets = preflight.targets
            dialog.allow_requested.connect(
                lambda usd: self._launch(targets, replace(budget, per_run=usd))
            )
        dialog.show()
        # beside the canvas, over its right edge: the node a click finds stays in view
        area = self.viewer.mapToGlobal(self.viewer.rect().topRight())
        dialog.move(area.x() - dialog.frameGeometry().width() - 12, area.y() + 12)
        return dialog

    def _find_node_beside(self, node_id: str, dialog: QtWidgets.QWidget) -> None:
        """Select a node and bring it into the part of the canvas the dialog leaves free."""
        self.bridge.select([node_id], center=True)
        card = self.bridge.card(node_id)
        if card is None:
            return
        port = self.viewer.viewport()
        covered = QtCore.QRect(
            port.mapFromGlobal(dialog.frameGeometry().topLeft()), dialog.frameGeometry().size()
        ).intersected(port.rect())
        if covered.isEmpty():
            return
        free_left = covered.left()  # the dialog sits on the right: centre the node left of it
        shift = port.rect().center().x() - free_left / 2
        center = self.viewer.mapToScene(port.rect().center())
        self.viewer.center_on_rect(
            QtCore.QRectF(center.x() + shift / self.viewer.zoom(), center.y(), 0, 0)
        )

    def _launch(self, targets: list[str] | None, budget: Any = None) -> None:
        try:
            self.runner.start(targets, self._pending_label, budget)
        except (CoreError, RuntimeError) as exc:
            show_error(self, "This run cannot start", _esc(str(exc)))

    def _run_started(self, record: RunRecord) -> None:
        self.runs_panel.add_record(record)
        self.actions_by_name["cancel"].setEnabled(True)
        self.actions_by_name["run_all"].setEnabled(False)
        self.tick.start()
        self.statusBar().showMessage(f"{record.label}…")

    def _run_finished(self, record: RunRecord) -> None:
        self.actions_by_name["cancel"].setEnabled(False)
        self.actions_by_name["run_all"].setEnabled(True)
        self.tick.stop()
        self.runs_panel.schedule_refresh()
        if record.status == RecordStatus.REFUSED:
            self._show_problems(record.problems)
        summary = record.summary
        if summary is not None:
            counts = summary.counts()
            parts = [f"{n} {state}" for state, n in sorted(counts.items())]
            cost = format_usd(summary.cost_usd)
            if record.simulated:
                cost += " simulated, nothing charged"
            self.statusBar().showMessage(
                f"{record.label}: {summary.status} · {cost} · "
                f"{summary.wall_s:.1f} s · " + ", ".join(parts),
                10000,
            )
        self.refresh_history()

    def cancel_run(self) -> None:
        if self.runner.cancel():
            self.statusBar().showMessage("Cancelling — provider jobs are being cancelled too…")

    def _offer_resume(self, node_ids: list[str]) -> None:
        graph = self.document.graph
        names = ", ".join(graph.display_name(n) for n in node_ids[:4])
        more = f" and {len(node_ids) - 4} more" if len(node_ids) > 4 else ""
        ask(
            self,
            "Resume earlier jobs?",
            f"{len(node_ids)} node{'s have' if len(node_ids) != 1 else ' has'} provider jobs "
            "from an earlier session that were never collected.",
            f"{names}{more}. Resuming polls those jobs for their results — they are not "
            "paid again.",
            "Resume now",
            "Later",
            lambda yes: yes and self.request_run(list(node_ids), "Resume"),
        )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
