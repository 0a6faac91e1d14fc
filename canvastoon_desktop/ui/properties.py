"""The properties panel: the selected node's title, state and parameters.

The form is generated from ``NodeType.param_specs(catalog, model_id)``; changing the model
rebuilds it (a model brings its own parameters). The model chooser shows each model's role,
provider and price. Every edit is one undo command (keystrokes coalesce); undo and redo
update the form through the graph's ``param_changed`` signal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.catalog import ModelSpec
from canvastoon_desktop.core.errors import GraphError
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.params import ParamError, ParamSpec
from canvastoon_desktop.core.pricing import CostRange, PriceTable, UnpricedModel

from . import theme
from .commands import SetParamCommand, SetParamsCommand, SetTitleCommand, has_randomness, push
from .node_item import state_text
from .node_state import NodeState
from .param_editors import ParamEditor, make_editor


def model_price(model: ModelSpec, prices: PriceTable, params: dict[str, Any]) -> str:
    if model.free:
        return "free"
    try:
        cost: CostRange = prices.estimate(model, model.call_params(params))
    except UnpricedModel:
        return "no price"
    return f"≈ {cost}"


class PropertiesPanel(QtWidgets.QWidget):
    #: node actions: (node id)
    run_requested = QtCore.Signal(str)
    reroll_requested = QtCore.Signal(str)
    pin_requested = QtCore.Signal(str)
    open_requested = QtCore.Signal(str)
    mask_requested = QtCore.Signal(str)
    #: actions on a multi-selection: (node ids)
    run_many_requested = QtCore.Signal(list)
    reroll_many_requested = QtCore.Signal(list)

    def __init__(self, prices: PriceTable, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.prices = prices
        self.graph: Graph | None = None
        self.stack: QtGui.QUndoStack | None = None
        self.base_dir: Callable[[], Path | None] = lambda: None
        self.state_of: Callable[[str], NodeState] = lambda _id: NodeState()
        self.node_id: str | None = None
        #: a multi-selection shown (its shared parameters), else empty
        self.node_ids: list[str] = []
        self.editors: dict[str, ParamEditor] = {}
        self.errors: dict[str, QtWidgets.QLabel] = {}
        self._subscribed: Graph | None = None
        self._building = False

        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.empty = _empty_hint()
        self.scroll.setWidget(self.empty)
        self.title_edit: QtWidgets.QLineEdit | None = None
        self.state_label: QtWidgets.QLabel | None = None
        self.message_label: QtWidgets.QLabel | None = None
        self.pin_button: QtWidgets.QPushButton | None = None

    # -- binding ------------------------------------------------------------------------------
    def set_document(
        self, graph: Graph, stack: QtGui.QUndoStack, base_dir: Callable[[], Path | None]
    ) -> None:
        if self._subscribed is not None:
            self._subscribed.param_changed.disconnect(self._on_param_changed)
            self._subscribed.title_changed.disconnect(self._on_title_changed)
            self._subscribed.node_state_changed.disconnect(self._on_node_state_changed)
        self.graph, self.stack, self.base_dir = graph, stack, base_dir
        graph.param_changed.connect(self._on_param_changed)
        graph.title_changed.connect(self._on_title_changed)
        graph.node_state_changed.connect(self._on_node_state_changed)
        self._subscribed = graph
        self.show_node(None)

    def show_nodes(self, node_ids: list[str]) -> None:
        """The selection: one node's whole form, several nodes' shared parameters."""
        graph = self.graph
        present = [n for n in node_ids if graph is not None and n in graph.nodes]
        if len(present) < 2:
            self.show_node(present[0] if present else None)
            return
        self.node_id = None
        self.node_ids = present
        self.title_edit = self.state_label = self.message_label = None
        self.pin_button = None
        self._build_multi()

    def show_node(self, node_id: str | None) -> None:
        graph = self.graph
        self.node_ids = []
        if graph is None or node_id is None or node_id not in graph.nodes:
            self.node_id = None
            self.editors.clear()
            self.errors.clear()
            self.title_edit = self.state_label = self.message_label = None
            self.pin_button = None
            self.empty = _empty_hint()
            self.scroll.setWidget(self.empty)
            return
        self.node_id = node_id
        self._build()

    # -- the form -----------------------------------------------------------------------------
    def _build(self) -> None:
        graph, node_id = self.graph, self.node_id
        assert graph is not None and node_id is not None
        self._building = True
        self.pin_button = None
        node = graph.nodes[node_id]
        node_type = graph.registry[node.type]
        catalog = graph.registry.catalog
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)

        chip = QtWidgets.QLabel(f"  {node_type.title.upper()}  ")
        chip.setStyleSheet(
            f"background:{theme.category_color(node_type.category)}; color:white;"
            "border-radius:8px; font-size:8pt; font-weight:700; padding:2px 4px;"
        )
        chip_row = QtWidgets.QHBoxLayout()
        chip_row.addWidget(chip)
        chip_row.addStretch(1)
        layout.addLayout(chip_row)
        self.title_edit = QtWidgets.QLineEdit(node.title or "")
        self.title_edit.setObjectName("nodeTitle")
        self.title_edit.setPlaceholderText(node_type.title)
        self.title_edit.editingFinished.connect(self._title_edited)
        layout.addWidget(self.title_edit)
        if node_type.description:
            layout.addWidget(theme.muted_label(node_type.description, wrap=True))

        self.state_label = QtWidgets.QLabel()
        self.message_label = QtWidgets.QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout.addWidget(self.state_label)
        layout.addWidget(self.message_label)
        layout.addLayout(self._actions(node_type))

        model_id = node.params.get("model")
        specs = node_type.param_specs(catalog, model_id)
        params = node_type.effective_params(catalog, node.params)
        self._add_params(layout, specs, params)
        layout.addStretch(1)
        self.scroll.setWidget(page)
        self._building = False
        self.refresh_state()

    def _build_multi(self) -> None:
        """Several nodes: what they are, actions for all, and the parameters they share
        (same node type), each edit made on all of them as one undo step."""
        graph, ids = self.graph, self.node_ids
        assert graph is not None
        self._building = True
        catalog = graph.registry.catalog
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        types = [graph.registry[graph.nodes[n].type] for n in ids]
        title = QtWidgets.QLabel(f"{len(ids)} nodes selected")
        title.setObjectName("nodeTitle")
        layout.addWidget(title)
        counts: dict[str, int] = {}
        for node_type in types:
            counts[node_type.title] = counts.get(node_type.title, 0) + 1
        layout.addWidget(
            theme.muted_label(", ".join(f"{n} × {t}" for t, n in counts.items()), wrap=True)
        )
        names = ", ".join(graph.display_name(n) for n in ids[:8])
        more = f" and {len(ids) - 8} more" if len(ids) > 8 else ""
        layout.addWidget(theme.muted_label(names + more, wrap=True))
        buttons = QtWidgets.QHBoxLayout()
        run = QtWidgets.QPushButton("Run these")
        run.setToolTip("Run the selected nodes and what they need (Shift+F5)")
        run.clicked.connect(lambda: self.run_many_requested.emit(list(ids)))
        buttons.addWidget(run)
        if any(has_randomness(graph, n) for n in ids):
            reroll = QtWidgets.QPushButton("Re-roll")
            reroll.setToolTip("Ask each for a fresh result and run them (Ctrl+R)")
            reroll.clicked.connect(lambda: self.reroll_many_requested.emit(list(ids)))
            buttons.addWidget(reroll)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        if len(set(types)) == 1:
            node_type = types[0]
            all_params = [node_type.effective_params(catalog, graph.nodes[n].params) for n in ids]
            per_node = [
                {
                    p.name: p
                    for p in node_type.param_specs(catalog, graph.nodes[n].params.get("model"))
                }
                for n in ids
            ]
            shared = [
                spec
                for name, spec in per_node[0].items()
                if all(
                    other.get(name) is not None
                    and other[name].kind is spec.kind
                    and other[name].choices == spec.choices
                    for other in per_node[1:]
                )
            ]
            mixed = frozenset(
                spec.name
                for spec in shared
                if any(p.get(spec.name) != all_params[0].get(spec.name) for p in all_params[1:])
            )
            self._add_params(
                layout,
                shared,
                all_params[0],
                mixed,
                empty="These nodes have no parameters in common.",
            )
        else:
            layout.addWidget(
                theme.muted_label(
                    "Select nodes of one type to set the parameters they share.", wrap=True
                )
            )
        layout.addStretch(1)
        self.scroll.setWidget(page)
        self._building = False

    def _add_params(
        self,
        layout: QtWidgets.QVBoxLayout,
        specs: list[ParamSpec],
        params: dict[str, Any],
        mixed: frozenset[str] = frozenset(),
        empty: str = "This node has no parameters.",
    ) -> None:
        """The PARAMETERS section: an editor per spec (the advanced ones folded away);
        ``mixed``: the params the selected nodes hold different values of."""
        assert self.graph is not None
        catalog = self.graph.registry.catalog
        form = QtWidgets.QFormLayout()
        form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(8)
        advanced = QtWidgets.QFormLayout()
        advanced.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.editors.clear()
        self.errors.clear()
        for spec in specs:
            labels = None
            if spec.choices and all(isinstance(c, str) and catalog.get(c) for c in spec.choices):
                # a choice of models (the model, or a router's model per role): their
                # names, roles, providers and prices, not their ids
                labels = {}
                for choice in spec.choices:
                    model = catalog.get(choice)
                    if model is not None:
                        labels[choice] = (
                            f"{model.choice_label}  ·  {model_price(model, self.prices, params)}"
                        )
            editor = make_editor(spec, self._committer(spec), base_dir=self.base_dir, labels=labels)
            if labels:  # the list shows the whole "name — role · provider · price"
                view = editor.widget.view()
                width = max(
                    (view.fontMetrics().horizontalAdvance(t) for t in labels.values()), default=200
                )
                view.setMinimumWidth(width + 40)
            editor.set_value(params.get(spec.name, spec.default))
            editor.widget.setToolTip(spec.help or "")
            error = QtWidgets.QLabel()
            error.setObjectName("error")
            error.setWordWrap(True)
            error.hide()
            field = QtWidgets.QWidget()
            column = QtWidgets.QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(editor.widget)
            if spec.name in mixed:
                column.addWidget(
                    theme.muted_label("Differs between the nodes: a change sets it on all")
                )
            column.addWidget(error)
            label = QtWidgets.QLabel(spec.display)
            if spec.help:
                label.setToolTip(spec.help)
            (advanced if spec.advanced else form).addRow(label, field)
            self.editors[spec.name] = editor
            self.errors[spec.name] = error
        section = QtWidgets.QLabel("PARAMETERS")
        section.setObjectName("sectionTitle")
        layout.addWidget(section)
        if form.rowCount():
            layout.addLayout(form)
        elif not advanced.rowCount():
            layout.addWidget(theme.muted_label(empty, wrap=True))
        if advanced.rowCount():
            toggle = QtWidgets.QToolButton()
            toggle.setText("Advanced")
            toggle.setCheckable(True)
            toggle.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(QtCore.Qt.ArrowType.RightArrow)
            box = QtWidgets.QWidget()
            box.setLayout(advanced)
            box.setVisible(False)

            def flip(on: bool) -> None:
                box.setVisible(on)
                toggle.setArrowType(
                    QtCore.Qt.ArrowType.DownArrow if on else QtCore.Qt.ArrowType.RightArrow
                )

            toggle.toggled.connect(flip)
            layout.addWidget(toggle)
            layout.addWidget(box)

    def _actions(self, node_type: Any) -> QtWidgets.QLayout:
        node_id = self.node_id
        assert node_id is not None
        buttons: list[QtWidgets.QPushButton] = []

        def button(text: str, tip: str, signal: Any) -> QtWidgets.QPushButton:
            made = QtWidgets.QPushButton(text)
            made.setToolTip(tip)
            made.clicked.connect(lambda: signal.emit(node_id))
            buttons.append(made)
            return made

        button("Run this", "Run this node and what it needs (Shift+F5)", self.run_requested)
        if node_type.cacheable and not node_type.is_source:
            reroll = button(
                "Re-roll", "Ask for a fresh result and run it (Ctrl+R)", self.reroll_requested
            )
            if self.graph is not None and not has_randomness(self.graph, node_id):
                reroll.setEnabled(False)
                reroll.setToolTip(
                    "Its model has no randomness: the same inputs give the same result"
                )
            self.pin_button = button(
                "Pin", "Keep this result: later runs reuse it (Ctrl+P)", self.pin_requested
            )
        if node_type.input("mask") is not None:
            button(
                "Edit mask…",
                "Paint the area to fill over the image this node gets",
                self.mask_requested,
            )
        button("Open", "Open the result in a viewer (double-click the node)", self.open_requested)
        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        per_row = 3
        for index, made in enumerate(buttons):
            grid.addWidget(made, index // per_row, index % per_row)
        return grid

    def refresh_state(self) -> None:
        """Show the node's state and, when it failed, why."""
        if self.node_id is None or self.state_label is None or self.message_label is None:
            return
        st = self.state_of(self.node_id)
        color = theme.state_color(st.state)
        cost = st.cost_text()
        self.state_label.setText(
            f"<span style='color:{color}; font-weight:700'>● {state_text(st)}</span>"
            + (f"  <span style='color:{theme.MUTED}'>{cost}</span>" if cost else "")
        )
        lines = []
        if st.message:
            lines.append(f"<span style='color:#ff8a80'>{_esc(st.message)}</span>")
        for problem in st.problems:
            lines.append(f"<span style='color:#ffb74d'>⚠ {_esc(problem)}</span>")
        if st.note:
            lines.append(f"<span style='color:{theme.MUTED}'>{_esc(st.note)}</span>")
        self.message_label.setText("<br>".join(lines))
        self.message_label.setVisible(bool(lines))
        if self.pin_button is not None and self.graph is not None:
            pinned = bool(self.graph.nodes[self.node_id].pins)
            self.pin_button.setText("Unpin" if pinned else "Pin")
            self.pin_button.setEnabled(pinned or st.outputs is not None)

    # -- edits -------------------------------------------------------------------------------
    def _committer(self, spec: ParamSpec) -> Callable[[Any, int | None], None]:
        def commit(value: Any, session: int | None) -> None:
            self._commit(spec, value, session)

        return commit

    def _commit(self, spec: ParamSpec, value: Any, session: int | None) -> None:
        graph, stack = self.graph, self.stack
        if self._building or graph is None or stack is None:
            return
        if not self.node_ids and self.node_id is None:
            return
        error = self.errors.get(spec.name)
        try:
            value = spec.coerce(value)
        except ParamError as exc:
            _say(error, str(exc))
            return
        _say(error, None)
        command: SetParamCommand | SetParamsCommand
        if self.node_ids:  # a multi-selection: the same value on all of them
            command = SetParamsCommand(graph, self.node_ids, spec.name, value, session=session)
        else:
            assert self.node_id is not None
            node = graph.nodes[self.node_id]
            if node.params.get(spec.name, spec.default) == value and spec.name in node.params:
                return
            command = SetParamCommand(graph, self.node_id, spec.name, value, session=session)
        try:
            push(stack, command)
        except GraphError as exc:
            _say(error, str(exc))
            return
        if self.node_ids and spec.name == "model":  # the new model brings its own params
            QtCore.QTimer.singleShot(0, self._rebuild_keep_focus)

    def _title_edited(self) -> None:
        if (
            self.title_edit is None
            or self.graph is None
            or self.stack is None
            or self.node_id is None
        ):
            return
        title = self.title_edit.text().strip() or None
        if title != self.graph.nodes[self.node_id].title:
            push(self.stack, SetTitleCommand(self.graph, self.node_id, title))

    def focus_title(self) -> None:
        if self.title_edit is not None:
            self.title_edit.setFocus()
            self.title_edit.selectAll()

    # -- graph signals ----------------------------------------------------------------------
    def _on_param_changed(self, node_id: str, name: str, value: Any) -> None:
        if node_id in self.node_ids:  # an undo, or this panel's own edit of them all
            editor = self.editors.get(name)
            if name == "model" or editor is None:
                return
            if self._building or editor.value() == value:
                return
            self._building = True
            editor.set_value(value)
            self._building = False
            return
        if node_id != self.node_id:
            return
        if name == "model":
            QtCore.QTimer.singleShot(0, self._rebuild_keep_focus)
            return
        editor = self.editors.get(name)
        if editor is not None and editor.value() != value:
            self._building = True
            editor.set_value(value)
            self._building = False
        if name in ("num_images", "duration", "resolution", "max_tokens"):
            QtCore.QTimer.singleShot(0, self._refresh_model_prices)

    def _rebuild_keep_focus(self) -> None:
        if self.node_ids:
            self.show_nodes(self.node_ids)
        elif (
            self.node_id is not None and self.graph is not None and self.node_id in self.graph.nodes
        ):
            self._build()

    def _refresh_model_prices(self) -> None:
        editor = self.editors.get("model")
        if editor is None or self.graph is None or self.node_id is None:
            return
        node = self.graph.nodes.get(self.node_id)
        if node is None:
            return
        catalog = self.graph.registry.catalog
        node_type = self.graph.registry[node.type]
        params = node_type.effective_params(catalog, node.params)
        combo = editor.widget
        if isinstance(combo, QtWidgets.QComboBox):
            for i in range(combo.count()):
                model = catalog.get(combo.itemData(i))
                if model is not None:
                    combo.setItemText(
                        i, f"{model.choice_label}  ·  {model_price(model, self.prices, params)}"
                    )

    def _on_title_changed(self, node_id: str, title: str | None) -> None:
        if (
            node_id == self.node_id
            and self.title_edit is not None
            and self.title_edit.text() != (title or "")
        ):
            self.title_edit.setText(title or "")

    def _on_node_state_changed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.refresh_state()


def _say(error: QtWidgets.QLabel | None, message: str | None) -> None:
    """Show why a value was not taken under its editor (None hides it)."""
    if error is None:
        return
    if message is None:
        error.hide()
    else:
        error.setText(message)
        error.show()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _empty_hint() -> QtWidgets.QLabel:
    """What the panel says when no node is selected (a new label each time: the scroll area
    deletes the widget it shows when given another)."""
    label = theme.muted_label(
        "Select a node to see its parameters.\n\nTab searches the node "
        "palette;\ndrop images on the canvas to load them.",
        wrap=True,
    )
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    return label
