"""The main window: canvas in the middle, node palette on the left, properties on the right,
runs below; the quote in the toolbar and today's spend in the status bar.

It wires the parts together and owns the user's commands (file, edit, run, view); the
graph edits themselves are undo commands pushed through the bridge or the panels.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.errors import LibraryError
from canvastoon_desktop.core.fileformat import SUFFIX
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.pricing import format_usd
from canvastoon_desktop.core.resources import examples_dir

from .canvas import CanvasGraph
from .canvas_bridge import CanvasBridge
from .dialogs import show_error
from .document import GraphDocument
from .examples import example_title
from .minimap import Minimap
from .node_state import NodeStates
from .palette import NodePalette
from .properties import PropertiesPanel
from .run_controller import RunController
from .runs_panel import RunsPanel
from .settings_dialog import SettingsDialog
from .simulate_mode import SimulateMode
from .thumbnails import ThumbnailLoader
from .undo_actions import menu_text, undo_redo_actions
from .window_arrange import ArrangeCommands
from .window_edit import EditCommands
from .window_files import FileCommands
from .window_nodes import NodeCommands
from .window_run import RunCommands
from .workers import in_thread

log = logging.getLogger(__name__)

APP_TITLE = "CanvasToon"
#: how soon after an edit it is autosaved (a crash loses at most this much)
AUTOSAVE_AFTER_EDIT_MS = 1500


class MainWindow(
    FileCommands,
    EditCommands,
    NodeCommands,
    RunCommands,
    ArrangeCommands,
    QtWidgets.QMainWindow,
):
    def __init__(self, workspace: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = workspace.settings
        self.registry = workspace.registry
        self.document = GraphDocument(self.registry, self)
        self.states = NodeStates()
        self.loader = ThumbnailLoader(workspace.library, parent=self)
        self.canvas = CanvasGraph(self)
        self.viewer = self.canvas.canvas_viewer
        self.bridge = CanvasBridge(self.canvas, self.document.stack, self.states, self.loader, self)
        self.runner = RunController(workspace, self.states, self._graph_and_path, self)
        self.simulate = SimulateMode(workspace)
        self.palette = NodePalette(self.registry)
        self.properties = PropertiesPanel(workspace.prices)
        self.properties.state_of = self.states.get
        self.runs_panel = RunsPanel(
            self.states,
            lambda: self.document.graph,
            lambda run_id: self.workspace.library.run_nodes(run_id),
        )
        #: answers "save changes?" without a dialog when set: "save" | "discard" | "cancel"
        self._graph_subscriptions: list[tuple[Any, Any]] = []
        self._pending_label = "Run"
        self._viewers: list[QtWidgets.QWidget] = []
        self._siblings: list[MainWindow] = []  # windows it opened (recovered documents)
        self._closing = False
        self._cancel_before_close = False
        #: where a node found by a Tab search goes (the cursor on the canvas at Tab)
        self._drop_at: tuple[float, float] | None = None

        self.setCentralWidget(self.viewer)
        self.minimap = Minimap(self.viewer, self.bridge.overview)
        self._docks()
        self.actions_by_name: dict[str, QtGui.QAction] = {}
        self._make_actions()
        self._menus()
        self._toolbar()
        self._statusbar()
        self._wire()
        self._timers()
        self.resize(1560, 940)
        self.show_graph(Graph(self.registry), None)
        self.refresh_history()

    # -- layout ------------------------------------------------------------------------------
    def _docks(self) -> None:
        self.palette_dock = QtWidgets.QDockWidget("Nodes", self)
        self.palette_dock.setObjectName("paletteDock")
        self.palette_dock.setWidget(self.palette)
        self.palette_dock.setMinimumWidth(200)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        self.properties_dock = QtWidgets.QDockWidget("Properties", self)
        self.properties_dock.setObjectName("propertiesDock")
        self.properties_dock.setWidget(self.properties)
        self.properties_dock.setMinimumWidth(320)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.properties_dock)
        self.runs_dock = QtWidgets.QDockWidget("Runs", self)
        self.runs_dock.setObjectName("runsDock")
        self.runs_dock.setWidget(self.runs_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.runs_dock)
        self.resizeDocks(
            [self.palette_dock, self.properties_dock], [210, 340], QtCore.Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.runs_dock], [170], QtCore.Qt.Orientation.Vertical)

    def _action(
        self,
        name: str,
        text: str,
        slot: Any,
        shortcuts: Any = (),
        *,
        tip: str = "",
        canvas_only: bool = False,
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        keys = [
            QtGui.QKeySequence(s)
            for s in (
                [shortcuts]
                if isinstance(shortcuts, str | QtGui.QKeySequence.StandardKey)
                else shortcuts
            )
        ]
        if keys:
            action.setShortcuts(keys)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        if canvas_only:
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.viewer.addAction(action)
        else:
            self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _make_actions(self) -> None:
        key = QtGui.QKeySequence.StandardKey
        a = self._action
        a("new", "&New", self.new_file, key.New)
        a("open", "&Open…", self.open_dialog, key.Open)
        a("save", "&Save", self.save, key.Save)
        a("save_as", "Save &As…", self.save_as, "Ctrl+Shift+S")
        a("quit", "&Quit", self.close, key.Quit)
        undo, redo = undo_redo_actions(
            self.document.stack,
            self,
            [QtGui.QKeySequence(key.Undo)],
            [QtGui.QKeySequence("Ctrl+Y"), QtGui.QKeySequence("Ctrl+Shift+Z")],
        )
        self.addAction(undo)
        self.addAction(redo)
        self.actions_by_name["undo"], self.actions_by_name["redo"] = undo, redo
        a("cut", "Cu&t", self.cut, key.Cut, canvas_only=True)
        a("copy", "&Copy", self.copy, key.Copy, canvas_only=True)
        a("paste", "&Paste", self.paste, key.Paste, canvas_only=True)
        a("duplicate", "&Duplicate", self.duplicate, "Ctrl+D", canvas_only=True)
        a("delete", "De&lete", self.delete_selection, ["Del", "Backspace"], canvas_only=True)
        a("select_all", "Select &All", self.select_all, key.SelectAll, canvas_only=True)
        a("rename", "&Rename…", self.rename, "F2")
        a(
            "fit",
            "&Fit View",
            self.bridge.fit,
            "F",
            canvas_only=True,
            tip="Frame the graph, as far as its text stays readable (F)",
        )
        a(
            "show_all",
            "Show &All Nodes",
            self.bridge.show_all,
            "Shift+F",
            canvas_only=True,
            tip="Zoom out until every node shows; cards show less detail (Shift+F)",
        )
        a(
            "search",
            "Find &Node…",
            self.focus_palette,
            ["Tab", "Space"],
            canvas_only=True,
            tip="Search the node palette (Tab)",
        )
        a(
            "run_all",
            "▶  Run",
            self.run_all,
            "F5",
            tip="Run the whole graph (F5): cached results are reused, nothing is paid twice",
        )
        a(
            "run_selected",
            "Run Selected",
            self.run_selected,
            ["Shift+F5", "Ctrl+F5"],
            tip="Run the selected nodes and what they need (Shift+F5)",
        )
        a(
            "reroll",
            "Re-roll",
            self.reroll_selected,
            "Ctrl+R",
            tip="Ask the selected nodes for a fresh result and run them (Ctrl+R)",
        )
        a(
            "pin",
            "Pin / Unpin Result",
            self.toggle_pin_selected,
            "Ctrl+P",
            tip="Keep the selected nodes' results: later runs reuse them (Ctrl+P)",
        )
        a(
            "cancel",
            "■  Cancel",
            self.cancel_run,
            "Esc",
            tip="Cancel the run; provider jobs are cancelled too (Esc)",
        )
        simulate = a(
            "simulate",
            "Simulate",
            lambda: self.set_simulate(self.actions_by_name["simulate"].isChecked()),
            "Ctrl+Shift+M",
            tip="Simulate mode: hosted models answer from a built-in simulator — no keys "
            "needed, nothing is spent, results are marked simulated (Ctrl+Shift+M)",
        )
        simulate.setCheckable(True)
        a("open_result", "Open Result", self.open_selected_result, "Return", canvas_only=True)
        a(
            "library",
            "&Library…",
            self.open_library,
            "Ctrl+L",
            tip="Browse everything generated (Ctrl+L)",
        )
        a("settings", "&Settings…", self.open_settings, "Ctrl+,")
        a("shortcuts", "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.actions_by_name["cancel"].setEnabled(False)
        self._make_arrange_actions()

    def _menus(self) -> None:
        bar = self.menuBar()
        names = self.actions_by_name
        file_menu = bar.addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(names[name])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.examples_menu = file_menu.addMenu("Open E&xample")
        for example in sorted(examples_dir().glob(f"*{SUFFIX}")):
            action = self.examples_menu.addAction(menu_text(example_title(example)))
            action.setToolTip(f"A copy of {example.name} to try and change")
            action.triggered.connect(lambda _c=False, e=example: self.open_example(e))
        self.examples_menu.setEnabled(bool(self.examples_menu.actions()))
        file_menu.addSeparator()
        for name in ("save", "save_as"):
            file_menu.addAction(names[name])
        file_menu.addSeparator()
        file_menu.addAction(names["quit"])
        edit = bar.addMenu("&Edit")
        for name in (
            "undo",
            "redo",
            None,
            "cut",
            "copy",
            "paste",
            "duplicate",
            "delete",
            None,
            "select_all",
            "rename",
        ):
            edit.addSeparator() if name is None else edit.addAction(names[name])
        view = bar.addMenu("&View")
        view.addAction(names["fit"])
        view.addAction(names["show_all"])
        view.addAction(names["search"])
        view.addSeparator()
        view.addAction(names["minimap"])
        for dock in (self.palette_dock, self.properties_dock, self.runs_dock):
            view.addAction(dock.toggleViewAction())
        self._arrange_menu(bar)
        run = bar.addMenu("&Run")
        for name in (
            "run_all",
            "run_selected",
            "reroll",
            "pin",
            None,
            "cancel",
            "open_result",
            None,
            "simulate",
        ):
            run.addSeparator() if name is None else run.addAction(names[name])
        tools = bar.addMenu("&Tools")
        tools.addAction(names["library"])
        tools.addAction(names["settings"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(names["shortcuts"])
        self._fill_recent()

    def _toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        names = self.actions_by_name
        for name in ("new", "open", "save"):
            bar.addAction(names[name])
        bar.addSeparator()
        bar.addAction(names["undo"])
        bar.addAction(names["redo"])
        bar.addSeparator()
        bar.addAction(names["run_all"])
        run_button = bar.widgetForAction(names["run_all"])
        run_button.setObjectName("runButton")
        bar.addAction(names["run_selected"])
        bar.addAction(names["reroll"])
        bar.addAction(names["cancel"])
        bar.widgetForAction(names["cancel"]).setObjectName("cancelButton")
        bar.addSeparator()
        bar.addAction(names["simulate"])
        bar.widgetForAction(names["simulate"]).setObjectName("simulateButton")
        self.quote_label = QtWidgets.QLabel("≈ $0 · ~0 s")
        self.quote_label.setObjectName("quoteLabel")
        # room for a long quote from the start, so the toolbar does not jump as it changes
        self.quote_label.setMinimumWidth(
            self.quote_label.fontMetrics().horizontalAdvance("≈ $000.00–$000.00 · ~00 min · 00")
        )
        self.quote_label.setToolTip("What running the whole graph would cost and take")
        bar.addWidget(self.quote_label)
        spacer = QtWidgets.QWidget()
        spacer.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        bar.addWidget(spacer)
        bar.addAction(names["library"])
        bar.addAction(names["settings"])
        self.toolbar = bar

    def _statusbar(self) -> None:
        status = self.statusBar()
        self.simulate_label = QtWidgets.QLabel(
            "SIMULATE — hosted models answer from the built-in simulator; nothing is spent"
        )
        self.simulate_label.setObjectName("simulateLabel")
        self.simulate_label.hide()
        status.addPermanentWidget(self.simulate_label)
        self.spend_label = QtWidgets.QLabel()
        status.addPermanentWidget(self.spend_label)
        self._show_spend(0.0)
        status.showMessage("Drag nodes from the palette, connect ports, press F5 to run.", 8000)

    def _wire(self) -> None:
        self.document.modified_changed.connect(lambda _m: self._update_title())
        self.bridge.selection_changed.connect(self._selection_changed)
        self.bridge.node_activated.connect(self.open_result)
        self.bridge.connection_refused.connect(self._connection_refused)
        self.bridge.context_menu_requested.connect(self._context_menu)
        self.bridge.files_dropped.connect(self._files_dropped)
        self.bridge.backdrop_menu_requested.connect(self._backdrop_menu)
        self.bridge.backdrops.rename_requested.connect(self.rename_backdrop)
        self.viewer.connection_hint.connect(self._connection_hint)
        self.palette.add_requested.connect(self._add_from_palette)
        QtWidgets.QApplication.instance().focusChanged.connect(self._focus_changed)
        self.properties.run_requested.connect(lambda n: self.request_run([n], self._run_label([n])))
        self.properties.reroll_requested.connect(lambda n: self.reroll([n]))
        self.properties.run_many_requested.connect(
            lambda ids: self.request_run(ids, self._run_label(ids))
        )
        self.properties.reroll_many_requested.connect(self.reroll)
        self.properties.pin_requested.connect(lambda n: self.toggle_pin([n]))
        self.properties.open_requested.connect(self.open_result)
        self.properties.mask_requested.connect(self.edit_mask)
        self.runs_panel.node_clicked.connect(lambda n: self.bridge.select([n], center=True))
        self.runner.states_changed.connect(self._states_changed)
        self.runner.quote_changed.connect(self._quote_changed)
        self.runner.spent_changed.connect(self._show_spend)
        self.runner.preflight_ready.connect(self._preflight_ready)
        self.runner.run_started.connect(self._run_started)
        self.runner.run_event.connect(self.runs_panel.note_event)
        self.runner.run_finished.connect(self._run_finished)
        self.runner.resumable_found.connect(self._offer_resume)

    def _timers(self) -> None:
        self.tick = QtCore.QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        # autosave shortly after each edit; during a long burst of edits, at least every
        # "autosave every" seconds of the settings
        self.autosave_soon = QtCore.QTimer(self)
        self.autosave_soon.setSingleShot(True)
        self.autosave_soon.setInterval(AUTOSAVE_AFTER_EDIT_MS)
        self.autosave_soon.timeout.connect(self._autosave_now)
        self.autosave_timer = QtCore.QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(max(5, int(self.settings.autosave_seconds)) * 1000)
        self.autosave_timer.timeout.connect(self._autosave_now)

    def _edited(self, *_args: Any) -> None:
        self.document.edits += 1
        self.autosave_soon.start()
        if not self.autosave_timer.isActive():
            self.autosave_timer.start()

    def _autosave_now(self) -> None:
        self.autosave_soon.stop()
        self.autosave_timer.stop()
        self.document.autosave()

    # -- the document -----------------------------------------------------------------------------
    def _graph_and_path(self) -> tuple[Graph, Path | None]:
        return self.document.graph, self.document.path

    def show_graph(
        self, graph: Graph, path: Path | None, *, modified: bool = False, **document: Any
    ) -> None:
        """Show ``graph`` (of the file ``path``); ``document``: how an untitled one is
        named, saved and autosaved (``GraphDocument.replace``)."""
        if self.runner.active is not None:  # the run belongs to the graph going away
            self.runner.cancel()
        for signal, handler in self._graph_subscriptions:
            signal.disconnect(handler)
        self._graph_subscriptions.clear()
        self.states.clear()
        self.document.replace(graph, path, modified=modified, **document)
        self.bridge.set_graph(graph, self.document.graph_dir)
        self.properties.set_document(graph, self.document.stack, lambda: self.document.graph_dir)
        for signal in (
            graph.node_added,
            graph.node_removed,
            graph.edge_added,
            graph.edge_removed,
            graph.param_changed,
            graph.node_state_changed,
        ):
            handler = self._graph_changed
            signal.connect(handler)
            self._graph_subscriptions.append((signal, handler))
        for signal in (
            graph.node_added,
            graph.node_removed,
            graph.node_moved,
            graph.backdrop_added,
            graph.backdrop_removed,
            graph.backdrop_changed,
        ):
            signal.connect(self.minimap.layout_changed)
            self._graph_subscriptions.append((signal, self.minimap.layout_changed))
        for signal in (  # every edit, undo and redo of the graph: autosave soon
            graph.node_added,
            graph.node_removed,
            graph.edge_added,
            graph.edge_removed,
            graph.param_changed,
            graph.node_moved,
            graph.title_changed,
            graph.node_state_changed,
            graph.backdrop_added,
            graph.backdrop_removed,
            graph.backdrop_changed,
        ):
            signal.connect(self._edited)
            self._graph_subscriptions.append((signal, self._edited))
        self.minimap.layout_changed()
        self._update_title()
        self.runner.graph_opened()
        self.runs_panel.schedule_refresh()  # this graph's runs
        QtCore.QTimer.singleShot(0, self.bridge.fit)

    def open_in_new_window(self, then: Any = None) -> MainWindow:
        """Another editor window on the same workspace (``then(window)`` fills it)."""
        window = MainWindow(self.workspace)
        window.resize(self.size())
        window.show()
        self._siblings = [w for w in self._siblings if shiboken6.isValid(w)] + [window]
        if then is not None:
            then(window)
        return window

    def _graph_changed(self, *_args: Any) -> None:
        self.runner.graph_changed()

    def _update_title(self) -> None:
        mode = " (Simulate)" if self.simulate.active else ""
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_TITLE}{mode}")
        self.setWindowModified(self.document.is_modified())

    # -- editing --------------------------------------------------------------------------
    def _add_from_palette(self, type_id: str) -> None:
        at, self._drop_at = self._drop_at, None
        self.bridge.add_node(type_id, None if at is None else (at[0] - 24.0, at[1] - 14.0))
        self.viewer.setFocus()

    def focus_palette(self) -> None:
        """Tab on the canvas: search the palette; the node found lands under the cursor."""
        self._drop_at = self._cursor_on_canvas()
        self.palette_dock.show()
        self.palette_dock.raise_()
        self.palette.focus_search()

    def _cursor_on_canvas(self) -> tuple[float, float] | None:
        port = self.viewer.viewport()
        local = port.mapFromGlobal(QtGui.QCursor.pos())
        if not port.rect().contains(local):
            return None
        scene = self.viewer.mapToScene(local)
        return scene.x(), scene.y()

    def _focus_changed(self, _old: QtWidgets.QWidget | None, new: QtWidgets.QWidget | None) -> None:
        # the cursor spot belongs to one Tab search: leaving the palette forgets it
        if self._drop_at is not None and (new is None or not self.palette.isAncestorOf(new)):
            self._drop_at = None

    def _selection_changed(self) -> None:
        self.properties.show_nodes(self.bridge.selected_ids())

    def _connection_refused(self, reason: str) -> None:
        self.statusBar().showMessage(f"Not connected: {reason}", 6000)

    def _connection_hint(self, reason: str) -> None:
        if reason:
            self.statusBar().showMessage(f"Can't connect: {reason}", 3000)

    def _files_dropped(self, paths: list[str]) -> None:
        graphs = [p for p in paths if p.endswith(SUFFIX)]
        if graphs:
            self.open_file(graphs[0])
        else:
            self.statusBar().showMessage(
                "Only images (PNG, JPEG, WebP, GIF) and .ctoon graphs can be dropped here", 5000
            )

    # -- running ------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.bridge.refresh_running()
        self.runs_panel.schedule_refresh()
        if self.properties.node_id is not None:
            self.properties.refresh_state()

    def _states_changed(self, node_ids: set[str]) -> None:
        self.bridge.refresh(node_ids)
        if self.properties.node_id in node_ids:
            self.properties.refresh_state()
        self.runs_panel.schedule_refresh()

    def _quote_changed(self, text: str, tip: str, over: bool) -> None:
        self.quote_label.setText(text)
        self.quote_label.setToolTip(tip)
        self.quote_label.setStyleSheet("color: #ffb74d;" if over else "")

    def _show_spend(self, spent: float) -> None:
        per_day = self.workspace.executor.budget.per_day
        if per_day is None:
            self.spend_label.setText(f"Spent today {format_usd(spent)}")
        else:
            self.spend_label.setText(f"Spent today {format_usd(spent)} of {format_usd(per_day)}")

    def refresh_history(self) -> None:
        in_thread(lambda: self.workspace.library.runs(limit=50), self._history_loaded)

    def _history_loaded(self, rows: list[dict[str, Any]] | None, error: Any) -> None:
        if rows is not None:
            self.runs_panel.set_history(rows)

    # -- node actions ---------------------------------------------------------------------------

    def open_settings(self) -> None:
        locked = (
            "The library folder can be changed once the current run ends."
            if self.runner.active is not None
            else None
        )
        dialog = SettingsDialog(
            self.settings, self.workspace.setup.keys, self, library_locked=locked
        )

        def finished(result: int) -> None:
            if result:
                self.apply_settings(dialog)

        dialog.finished.connect(finished)
        dialog.open()

    def apply_settings(self, dialog: SettingsDialog) -> None:
        changed = dialog.apply_to(self.settings)
        self._save_settings()
        executor = self.workspace.executor
        executor.budget = self.settings.budget
        for provider, limit in self.settings.concurrency.items():
            executor.set_limit(provider, limit)
            self.simulate.set_limit(provider, limit)
        setup = self.workspace.setup
        if {"aiml_base_url", "replicate_base_url"} & set(changed):
            from canvastoon_desktop.providers.hub import ProviderSetup, build_adapters

            fresh = ProviderSetup.from_settings(
                self.settings.aiml_base_url, self.settings.replicate_base_url, setup.keys
            )
            setup.aiml_base_url, setup.replicate_base_url = (
                fresh.aiml_base_url,
                fresh.replicate_base_url,
            )
            executor.adapters.update(build_adapters(setup, self.workspace.prices))
        self.autosave_timer.setInterval(max(5, int(self.settings.autosave_seconds)) * 1000)
        if "library_dir" in changed:
            self.switch_library(previous=dialog.library_before)
        self.runner.schedule_plan()
        self.statusBar().showMessage("Settings saved", 3000)

    def switch_library(self, *, previous: str | None) -> None:
        """Use the library folder the settings name now. On failure (or while a run is
        going on) the current library stays, and so does the setting."""
        library = self.workspace.library
        target = self.settings.library_path()
        if target.expanduser().resolve() == library.root.resolve():
            return
        problem = None
        if self.runner.active is not None:
            problem = "a run is going on; change it once the run ends"
        else:
            try:
                self.workspace.use_library(target)
            except LibraryError as exc:
                problem = str(exc)
        if problem is not None:
            self.settings.library_dir = previous
            self._save_settings()
            show_error(
                self,
                "Library folder not changed",
                f"The library stays at {library.root}: {problem}",
            )
            return
        for viewer in self._viewers:  # they show assets of the library just left
            if shiboken6.isValid(viewer):
                viewer.close()
        self._viewers = []
        self.loader.use_library(self.workspace.library)
        self.simulate.use_library(self.workspace.library)
        self.runs_panel.history_nodes.clear()
        self.refresh_history()  # the spend of the day follows with the next plan
        log.info("library switched to %s", self.workspace.library.root)

    def show_shortcuts(self) -> None:
        rows = [
            (a.text().replace("&", ""), ", ".join(s.toString() for s in a.shortcuts()))
            for a in self.actions_by_name.values()
            if a.shortcuts()
        ]
        html = (
            "<table cellspacing=6>"
            + "".join(f"<tr><td><b>{_esc(k)}</b></td><td>{_esc(t)}</td></tr>" for t, k in rows)
            + "</table><p>Drag from a port to connect · drag a wire end off to disconnect · "
            "Alt+Shift+drag cuts wires · middle-drag or Alt+drag pans · wheel zooms, "
            "Shift+wheel scrolls sideways · click the minimap to go there · drag a backdrop "
            "by its title to move it with its nodes, by its corner to resize it</p>"
        )
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(html)
        box.open()

    # -- context menu ---------------------------------------------------------------------------

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self._closing and not self.maybe_save():
            event.ignore()
            return
        self._closing = True
        if self.runner.active is not None and not self._cancel_before_close:
            # cancel first, so the providers' jobs are cancelled too, then close
            self._cancel_before_close = True
            self.runner.run_finished.connect(lambda _record: self.close())
            QtCore.QTimer.singleShot(15_000, self.close)  # do not hang on a stuck provider
            self.runner.cancel()
            self.statusBar().showMessage("Cancelling the run before closing…")
            event.ignore()
            return
        self.runner.close()
        self.simulate.stop()
        if not self.document.is_modified():
            self.document.discard_autosave()
        self.autosave_timer.stop()
        self.autosave_soon.stop()
        self.tick.stop()
        self.loader.close()
        self.document.close()
        for window in self._viewers:
            if shiboken6.isValid(window):
                window.close()
        event.accept()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
