"""The runs panel: this graph's runs — of this session and from the library's history —
and per-node progress of the selected run (state, elapsed time and ETA, cost, failure
reason); "All graphs" lists the runs of every graph. Runs of earlier sessions show how each
node ended, read from the library off the GUI thread. Updates are batched a few times a
second, so a busy run does not churn widgets."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.library import RunNode
from canvastoon_desktop.core.pricing import format_seconds, format_usd
from canvastoon_desktop.core.status import DisplayState

from . import theme
from .node_item import state_text
from .node_state import NodeStates
from .run_controller import RecordStatus, RunRecord
from .workers import in_thread

RECORD_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
NODE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
#: a run's status in the colour of the node state it resembles
RUN_COLORS: dict[RecordStatus, str] = {
    RecordStatus.RUNNING: theme.state_color(DisplayState.RUNNING),
    RecordStatus.CANCELLING: theme.state_color(DisplayState.RUNNING),
    RecordStatus.DONE: theme.state_color(DisplayState.DONE),
    RecordStatus.FAILED: theme.state_color(DisplayState.FAILED),
    RecordStatus.CANCELLED: theme.state_color(DisplayState.CANCELLED),
    RecordStatus.REFUSED: theme.ATTENTION_COLOR,
    RecordStatus.ERROR: theme.state_color(DisplayState.FAILED),
}


class RunsPanel(QtWidgets.QWidget):
    #: a node row was clicked: (node id)
    node_clicked = QtCore.Signal(str)

    def __init__(
        self,
        states: NodeStates,
        graph_source: Callable[[], Graph],
        load_run_nodes: Callable[[str], list[RunNode]] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.states = states
        self.graph_source = graph_source
        #: reads how the nodes of an earlier session's run ended (called in a worker thread)
        self.load_run_nodes = load_run_nodes
        self.history_nodes: dict[str, list[RunNode]] = {}  # run id -> its nodes, once read
        self._reading: set[str] = set()
        self.records: list[RunRecord] = []
        self.history: list[dict[str, Any]] = []
        self.run_nodes: dict[str, tuple[str, ...]] = {}  # run id -> node ids in order
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.runs = QtWidgets.QTreeWidget()
        self.runs.setHeaderLabels(["Run", "Status", "Cost", "Time"])
        self.runs.setRootIsDecorated(False)
        self.runs.setAlternatingRowColors(True)
        self.runs.setUniformRowHeights(True)
        self.runs.header().setStretchLastSection(False)
        self.runs.header().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.nodes = QtWidgets.QTreeWidget()
        self.nodes.setHeaderLabels(["Node", "State", "Cost", "Details"])
        self.nodes.setRootIsDecorated(False)
        self.nodes.setAlternatingRowColors(True)
        self.nodes.setUniformRowHeights(True)
        self.nodes.header().setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.nodes.setColumnWidth(0, 190)  # node titles such as "Storyboard card" in full
        splitter.addWidget(self.runs)
        splitter.addWidget(self.nodes)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.all_graphs = QtWidgets.QCheckBox("All graphs")
        self.all_graphs.setToolTip("List the runs of every graph, not only of the one open")
        self.all_graphs.toggled.connect(lambda _on: self.refresh())
        self.scope = theme.muted_label("Runs of this graph")
        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(2, 0, 2, 0)
        top.addWidget(self.scope)
        top.addStretch(1)
        top.addWidget(self.all_graphs)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(splitter)
        self.runs.currentItemChanged.connect(lambda *_: self._fill_nodes())
        self.nodes.itemClicked.connect(self._node_clicked)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)

    # -- feeding -----------------------------------------------------------------------------
    def set_history(self, rows: list[dict[str, Any]]) -> None:
        self.history = rows
        self.schedule_refresh()

    def add_record(self, record: RunRecord) -> None:
        self.records.insert(0, record)
        self.refresh()
        self.runs.setCurrentItem(self.runs.topLevelItem(0))

    def note_event(self, record: RunRecord, event: Any) -> None:
        node_ids = getattr(event, "node_ids", None)
        if node_ids is not None:
            self.run_nodes[event.run_id] = tuple(node_ids)
        self.schedule_refresh()

    def schedule_refresh(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    # -- drawing -----------------------------------------------------------------------------
    def _shown(self, graph_id: str | None) -> bool:
        """Is a run of this graph listed? (this graph's only, unless "All graphs")"""
        if self.all_graphs.isChecked():
            return True
        graph = self.graph_source()
        return bool(graph_id) and graph_id == graph.meta.get("graph_id")

    def refresh(self) -> None:
        current = self.runs.currentItem()
        current_key = current.data(0, RECORD_ROLE) if current is not None else None
        self.runs.setUpdatesEnabled(False)
        self.runs.clear()
        seen = set()
        self.scope.setText(
            "Runs of every graph" if self.all_graphs.isChecked() else ("Runs of this graph")
        )
        for record in self.records:
            run_id = record.run.run_id
            seen.add(run_id)
            if not self._shown(record.run.graph.meta.get("graph_id")):
                continue
            item = QtWidgets.QTreeWidgetItem(
                [
                    f"{_clock(record.started)}  {record.label}",
                    record.status,
                    _cost(record.cost_usd, record.simulated),
                    format_seconds(record.wall_s)
                    if record.wall_s
                    else (
                        format_seconds(time.time() - record.started)
                        if record.status in (RecordStatus.RUNNING, RecordStatus.CANCELLING)
                        else "—"
                    ),
                ]
            )
            item.setData(0, RECORD_ROLE, run_id)
            _color(item, 1, record.status)
            if record.simulated:
                _simulated(item)
            self.runs.addTopLevelItem(item)
            if run_id == current_key:
                self.runs.setCurrentItem(item)
        for row in self.history:
            if row.get("id") in seen or not self._shown(row.get("graph_id")):
                continue
            started = float(row.get("started_at") or 0)
            finished = float(row.get("finished_at") or 0)
            status = str(row.get("status") or "")
            name = str(row.get("graph_name") or "untitled")
            simulated = name.endswith("· simulated")
            item = QtWidgets.QTreeWidgetItem(
                [
                    f"{_clock(started, day=True)}  {name}",
                    status,
                    _cost(float(row.get("cost_usd") or 0), simulated),
                    format_seconds(finished - started) if finished else "—",
                ]
            )
            item.setData(0, RECORD_ROLE, row.get("id"))
            item.setForeground(0, theme.qcolor(theme.MUTED))
            _color(item, 1, status)
            if simulated:
                _simulated(item)
            self.runs.addTopLevelItem(item)
            if row.get("id") == current_key:
                self.runs.setCurrentItem(item)
        self.runs.setUpdatesEnabled(True)
        self._fill_nodes()

    def _record(self, run_id: str | None) -> RunRecord | None:
        return next((r for r in self.records if r.run.run_id == run_id), None)

    def _fill_nodes(self) -> None:
        current = self.runs.currentItem()
        run_id = current.data(0, RECORD_ROLE) if current is not None else None
        record = self._record(run_id)
        self.nodes.setUpdatesEnabled(False)
        self.nodes.clear()
        if record is None and run_id:
            self._fill_history_nodes(run_id)
        if record is not None:
            graph = self.graph_source()
            run_id = record.run.run_id
            live = self.states.active_run == run_id
            order = self.run_nodes.get(run_id) or tuple(
                record.summary.nodes if record.summary else ()
            )
            for node_id in order:
                name = graph.display_name(node_id)
                if live or record.summary is None:
                    st = self.states.get(node_id)
                    state, detail = st.state, st.message or st.status_text or st.note or ""
                    label = state_text(st)
                    cost = st.cost or 0.0
                else:
                    outcome = record.summary.nodes.get(node_id)
                    if outcome is None:
                        continue
                    state = label = outcome.status
                    detail = outcome.error or outcome.note or ""
                    cost = outcome.cost_usd
                item = QtWidgets.QTreeWidgetItem(
                    [name, label, format_usd(cost) if cost else "", detail]
                )
                item.setData(0, NODE_ROLE, node_id)
                item.setToolTip(3, detail)
                _color(item, 1, state)
                self.nodes.addTopLevelItem(item)
            for problem in record.problems:
                item = QtWidgets.QTreeWidgetItem(
                    [problem.node_name or "run", RecordStatus.REFUSED, "", problem.message]
                )
                item.setData(0, NODE_ROLE, problem.node_id or "")
                item.setForeground(1, theme.qcolor(theme.ATTENTION_COLOR))
                self.nodes.addTopLevelItem(item)
        self.nodes.setUpdatesEnabled(True)

    def _fill_history_nodes(self, run_id: str) -> None:
        nodes = self.history_nodes.get(run_id)
        if nodes is None:
            self._read_history_nodes(run_id)
            return
        graph = self.graph_source()
        for node in nodes:
            here = node.node_id in graph.nodes  # the open graph still has this node
            item = QtWidgets.QTreeWidgetItem(
                [
                    graph.display_name(node.node_id) if here else node.title,
                    node.status,
                    format_usd(node.cost_usd) if node.cost_usd else "",
                    node.detail,
                ]
            )
            if here:
                item.setData(0, NODE_ROLE, node.node_id)
            else:
                item.setForeground(0, theme.qcolor(theme.MUTED))
            item.setToolTip(3, node.detail)
            _color(item, 1, node.status)
            self.nodes.addTopLevelItem(item)

    def _read_history_nodes(self, run_id: str) -> None:
        load = self.load_run_nodes
        if load is None or run_id in self._reading:
            return
        self._reading.add(run_id)

        def read() -> tuple[str, list[RunNode]]:
            try:
                return run_id, load(run_id)
            except Exception as exc:  # e.g. the library is unreadable: say so in the panel
                return run_id, [
                    RunNode(
                        "",
                        "library",
                        RecordStatus.ERROR,
                        0.0,
                        f"could not read this run's nodes: {exc}",
                    )
                ]

        in_thread(read, self._history_nodes_read)

    def _history_nodes_read(
        self, result: tuple[str, list[RunNode]] | None, _error: BaseException | None
    ) -> None:
        if result is None:
            return
        run_id, nodes = result
        self._reading.discard(run_id)
        self.history_nodes[run_id] = nodes
        current = self.runs.currentItem()
        if current is not None and current.data(0, RECORD_ROLE) == run_id:
            self._fill_nodes()

    def _node_clicked(self, item: QtWidgets.QTreeWidgetItem, _column: int) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.node_clicked.emit(node_id)


def _cost(usd: float, simulated: bool) -> str:
    """A run's cost; a simulated run's is what it would have cost, never charged."""
    if not usd:
        return "—"
    return f"{format_usd(usd)} sim" if simulated else format_usd(usd)


def _simulated(item: QtWidgets.QTreeWidgetItem) -> None:
    item.setForeground(2, theme.qcolor(theme.SIMULATED))
    item.setToolTip(0, "A simulated run: the provider simulator answered; nothing was spent")


def _clock(epoch: float, *, day: bool = False) -> str:
    if not epoch:
        return ""
    when = dt.datetime.fromtimestamp(epoch)
    return when.strftime("%b %d %H:%M" if day else "%H:%M:%S")


def _color(item: QtWidgets.QTreeWidgetItem, column: int, status: str) -> None:
    """``status``: a run's (of this session or the library's) or a node's."""
    colour = RUN_COLORS.get(status)
    item.setForeground(column, theme.qcolor(colour or theme.state_color(status)))
