"""The filter panel, built from the one declaration of the filter set
(``core.library_query.FILTERS``): one editor per filter, chosen by the filter's kind, so a
filter added there shows up here (and in the CLI) with nothing else to change."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core import library_query as lq
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library_query import AssetQuery, FilterKind, FilterSpec
from canvastoon_desktop.ui import theme

KIND_LABELS = {"image": "Images", "video": "Videos", "text": "Texts", "json": "Data"}
REJECTED_LABELS = {"show": "Show rejected", "hide": "Hide rejected", "only": "Only rejected"}


class FilterEditor(QtWidgets.QWidget):
    """One filter's editor: ``value()`` in ``AssetQuery`` terms, ``changed`` when edited."""

    changed = QtCore.Signal()

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setToolTip(spec.help)
        self._quiet = False
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_facets(self, values: list[tuple[str, int]], labels: dict[str, str]) -> None:
        """For choice filters fed by the library: the values it can take, with counts."""

    def _emit(self, *_args: object) -> None:
        if not self._quiet:
            self.changed.emit()


class ToggleChoiceEditor(FilterEditor):
    """A fixed set of values as toggle buttons (all off = no filter)."""

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        grid = QtWidgets.QGridLayout()
        grid.setSpacing(4)
        for n, choice in enumerate(spec.choices):
            button = QtWidgets.QToolButton(self)
            button.setText(KIND_LABELS.get(choice, choice))
            button.setCheckable(True)
            button.setObjectName(f"filter_{spec.key}_{choice}")
            button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                 QtWidgets.QSizePolicy.Policy.Fixed)
            button.setStyleSheet("QToolButton { border: 1px solid #343844; }"
                                 f" QToolButton:checked {{ background: {theme.ACCENT_DARK};"
                                 " color: white; }")
            button.toggled.connect(self._emit)
            grid.addWidget(button, n // 2, n % 2)
            self.buttons[choice] = button
        self.layout().addLayout(grid, 1)

    def value(self) -> tuple[str, ...]:
        return tuple(c for c, b in self.buttons.items() if b.isChecked())

    def set_value(self, value: Any) -> None:
        self._quiet = True
        for choice, button in self.buttons.items():
            button.setChecked(choice in (value or ()))
        self._quiet = False


class FacetChoiceEditor(FilterEditor):
    """A value from the library (models, nodes, graphs, runs) in a combo box, with counts."""

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName(f"filter_{spec.key}")
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.addItem(f"Any {spec.label.lower()}", None)
        self.combo.currentIndexChanged.connect(self._emit)
        self.layout().addWidget(self.combo, 1)

    def value(self) -> tuple[str, ...]:
        data = self.combo.currentData()
        return (data,) if data else ()

    def set_value(self, value: Any) -> None:
        self._quiet = True
        wanted = value[0] if value else None
        i = self.combo.findData(wanted) if wanted else 0
        if wanted and i < 0:
            self.combo.addItem(wanted, wanted)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(max(0, i))
        self._quiet = False

    def set_facets(self, values: list[tuple[str, int]], labels: dict[str, str]) -> None:
        current = self.combo.currentData()
        self._quiet = True
        self.combo.clear()
        self.combo.addItem(f"Any {self.spec.label.lower()}", None)
        for value, count in values:
            label = labels.get(value) or value
            if self.spec.key == "graph":
                label = lq.graph_label(value)
            self.combo.addItem(f"{label}  ({count})", value)
            self.combo.setItemData(self.combo.count() - 1, value, QtCore.Qt.ItemDataRole.ToolTipRole)
        i = self.combo.findData(current) if current else 0
        if current and i < 0:
            self.combo.addItem(f"{labels.get(current) or current}  (0)", current)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(max(0, i))
        self._quiet = False


class TextEditor(FilterEditor):
    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QtWidgets.QLineEdit(self)
        self.line.setObjectName(f"filter_{spec.key}")
        self.line.setPlaceholderText("Search prompts, nodes and texts…")
        self.line.setClearButtonEnabled(True)
        self.line.textChanged.connect(self._emit)
        self.layout().addWidget(self.line, 1)

    def value(self) -> str | None:
        return self.line.text().strip() or None

    def set_value(self, value: Any) -> None:
        self._quiet = True
        self.line.setText(value or "")
        self._quiet = False


class DateRangeEditor(FilterEditor):
    PRESETS = (("Any time", None), ("Today", 0), ("Last 7 days", 7), ("Last 30 days", 30),
               ("Custom…", -1))

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(4)
        self.preset = QtWidgets.QComboBox(self)
        self.preset.setObjectName(f"filter_{spec.key}")
        self.preset.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(8)
        for label, days in self.PRESETS:
            self.preset.addItem(label, days)
        self.start = QtWidgets.QDateEdit(self)
        self.end = QtWidgets.QDateEdit(self)
        today = QtCore.QDate.currentDate()
        for edit, date in ((self.start, today.addDays(-7)), (self.end, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(date)
            edit.dateChanged.connect(self._emit)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.start)
        row.addWidget(QtWidgets.QLabel("–"))
        row.addWidget(self.end)
        self.custom = QtWidgets.QWidget(self)
        self.custom.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.custom.setVisible(False)
        box.addWidget(self.preset)
        box.addWidget(self.custom)
        self.layout().addLayout(box, 1)
        self.preset.currentIndexChanged.connect(self._preset_changed)

    def _preset_changed(self) -> None:
        self.custom.setVisible(self.preset.currentData() == -1)
        self._emit()

    def value(self) -> tuple[float | None, float | None]:
        days = self.preset.currentData()
        if days is None:
            return (None, None)
        if days == -1:
            start = datetime.combine(self.start.date().toPython(), time.min)
            end = datetime.combine(self.end.date().toPython(), time.max)
            return (start.timestamp(), end.timestamp())
        midnight = datetime.combine(datetime.now().date(), time.min)
        return ((midnight - timedelta(days=days)).timestamp(), None)

    def set_value(self, value: Any) -> None:
        self._quiet = True
        low, high = value or (None, None)
        if low is None and high is None:
            self.preset.setCurrentIndex(0)
        else:
            self.preset.setCurrentIndex(len(self.PRESETS) - 1)
            if low is not None:
                self.start.setDate(QtCore.QDate(datetime.fromtimestamp(low).date()))
            if high is not None:
                self.end.setDate(QtCore.QDate(datetime.fromtimestamp(high).date()))
        self.custom.setVisible(self.preset.currentData() == -1)
        self._quiet = False


class NumberRangeEditor(FilterEditor):
    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.low = QtWidgets.QLineEdit(self)
        self.high = QtWidgets.QLineEdit(self)
        for edit, text in ((self.low, "min $"), (self.high, "max $")):
            edit.setPlaceholderText(text)
            validator = QtGui.QDoubleValidator(0.0, 1e6, 4, edit)
            validator.setNotation(QtGui.QDoubleValidator.Notation.StandardNotation)
            edit.setValidator(validator)
            edit.textChanged.connect(self._emit)
            self.layout().addWidget(edit, 1)
        self.low.setObjectName(f"filter_{spec.key}_min")
        self.high.setObjectName(f"filter_{spec.key}_max")

    def value(self) -> tuple[float | None, float | None]:
        return (_float(self.low.text()), _float(self.high.text()))

    def set_value(self, value: Any) -> None:
        self._quiet = True
        low, high = value or (None, None)
        self.low.setText("" if low is None else f"{low:g}")
        self.high.setText("" if high is None else f"{high:g}")
        self._quiet = False


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


class ComboEditor(FilterEditor):
    def __init__(self, spec: FilterSpec, items: list[tuple[str, Any]],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName(f"filter_{spec.key}")
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        for label, data in items:
            self.combo.addItem(label, data)
        self.combo.currentIndexChanged.connect(self._emit)
        self.layout().addWidget(self.combo, 1)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self._quiet = True
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))
        self._quiet = False


def editor_for(spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> FilterEditor:
    if spec.kind is FilterKind.CHOICE:
        return ToggleChoiceEditor(spec, parent) if spec.choices else FacetChoiceEditor(spec, parent)
    if spec.kind is FilterKind.TEXT:
        return TextEditor(spec, parent)
    if spec.kind is FilterKind.DATE_RANGE:
        return DateRangeEditor(spec, parent)
    if spec.kind is FilterKind.NUMBER_RANGE:
        return NumberRangeEditor(spec, parent)
    if spec.kind is FilterKind.MIN_RATING:
        items: list[tuple[str, Any]] = [("Any rating", None)]
        items += [("★" * n + " and up" if n < 5 else "★★★★★", n) for n in range(1, 6)]
        return ComboEditor(spec, items, parent)
    if spec.kind is FilterKind.TRISTATE:
        return ComboEditor(spec, [(REJECTED_LABELS[m], m) for m in lq.REJECTED_MODES], parent)
    raise ValueError(f"no editor for {spec.kind}")  # pragma: no cover


class FilterPanel(QtWidgets.QWidget):
    """Every filter of ``FILTERS`` in a form; ``queryChanged`` on any edit. The text filter's
    editor is ``editors["text"]`` (the window shows it in its toolbar)."""

    queryChanged = QtCore.Signal()

    def __init__(self, library: Library, parent: QtWidgets.QWidget | None = None,
                 *, inline: tuple[str, ...] = ("text",)) -> None:
        super().__init__(parent)
        self.library = library
        self.editors: dict[str, FilterEditor] = {}
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(8)
        title = QtWidgets.QLabel("FILTERS")
        title.setObjectName("sectionTitle")
        outer.addWidget(title)
        form = QtWidgets.QFormLayout()
        form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignLeft)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(6)
        for spec in lq.FILTERS:
            editor = editor_for(spec, self)
            editor.changed.connect(self.queryChanged)
            self.editors[spec.key] = editor
            if spec.key in inline:
                continue
            label = QtWidgets.QLabel(spec.label)
            label.setProperty("muted", True)
            form.addRow(label, editor)
        outer.addLayout(form)
        self.clear_button = QtWidgets.QPushButton("Clear filters", self)
        self.clear_button.clicked.connect(self.clear)
        outer.addWidget(self.clear_button)
        outer.addStretch(1)

    def apply(self, base: AssetQuery) -> AssetQuery:
        query = base
        for key, editor in self.editors.items():
            query = query.set(key, editor.value())
        return query

    def set_query(self, query: AssetQuery) -> None:
        for key, editor in self.editors.items():
            editor.set_value(getattr(query, key))
        self.queryChanged.emit()

    def clear(self) -> None:
        self.set_query(AssetQuery())

    def reload_facets(self, query: AssetQuery | None = None) -> None:
        runs = lq.runs_summary(self.library)
        for key, editor in self.editors.items():
            spec = lq.filter_spec(key)
            if spec.facet:
                values = lq.facet_values(self.library, spec.facet, query)
                labels = runs if key == "run" else lq.facet_labels(
                    self.library, key, [v for v, _n in values])
                editor.set_facets(values, labels)
