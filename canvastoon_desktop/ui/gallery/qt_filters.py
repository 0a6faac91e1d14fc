"""The filter panel, built from the one declaration of the filter set
(``core.library.query.FILTERS``): one editor per filter, chosen by the filter's kind, so a
filter added there shows up here (and in the CLI) with nothing else to change."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library.query import AssetQuery, FilterKind, FilterSpec
from canvastoon_desktop.ui import theme

KIND_LABELS = {
    "image": "Images",
    "video": "Videos",
    "audio": "Sounds",
    "text": "Texts",
    "json": "Data",
}
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
            button.setSizePolicy(
                QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
            )
            button.setStyleSheet(
                "QToolButton { border: 1px solid #343844; }"
                f" QToolButton:checked {{ background: {theme.ACCENT_DARK};"
                " color: white; }"
            )
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


class CheckableCombo(QtWidgets.QComboBox):
    """A combo box whose rows (after the first, "Any …") are check boxes. Clicking a row
    toggles it and keeps the list open, so several values can be picked; the first row
    clears them. Choosing a row with the keyboard picks that value alone. The closed box
    reads "Any model", the one value picked, or "3 models"."""

    toggled = QtCore.Signal()

    def __init__(self, noun: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.noun = noun
        self._model = QtGui.QStandardItemModel(self)
        self.setModel(self._model)
        # the default (menu-like) delegate draws a mark only when checked: show the boxes
        self.setItemDelegate(QtWidgets.QStyledItemDelegate(self))
        self.view().viewport().installEventFilter(self)
        self.add_row(f"Any {noun}", None)
        self.currentIndexChanged.connect(self._picked)

    def add_row(self, label: str, value: str | None, tooltip: str = "") -> None:
        self.add_rows([(label, value, tooltip)])

    def add_rows(self, rows: list[tuple[str, str | None, str]]) -> None:
        """(label, value, tooltip) rows, inserted at once (a menu of a big library's runs
        has hundreds: one insertion is what the combo reacts to)."""
        self._model.invisibleRootItem().appendRows([self._item(*row) for row in rows])

    def _item(self, label: str, value: str | None, tooltip: str) -> QtGui.QStandardItem:
        item = QtGui.QStandardItem(label)
        item.setData(value, QtCore.Qt.ItemDataRole.UserRole)
        if tooltip:
            item.setToolTip(tooltip)
        if value is not None:
            item.setFlags(
                QtCore.Qt.ItemFlag.ItemIsEnabled
                | QtCore.Qt.ItemFlag.ItemIsSelectable
                | QtCore.Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(QtCore.Qt.CheckState.Unchecked)
        return item

    def _checked_rows(self) -> list[int]:
        return [
            row
            for row in range(1, self.count())
            if self._model.item(row).checkState() == QtCore.Qt.CheckState.Checked
        ]

    def checked(self) -> tuple[str, ...]:
        return tuple(self.itemData(row) for row in self._checked_rows())

    def set_checked(self, values: tuple[str, ...] | list[str]) -> None:
        wanted = set(values)
        for row in range(1, self.count()):
            item = self._model.item(row)
            item.setCheckState(
                QtCore.Qt.CheckState.Checked
                if item.data(QtCore.Qt.ItemDataRole.UserRole) in wanted
                else QtCore.Qt.CheckState.Unchecked
            )
        self.update()

    def summary(self) -> str:
        picked = self._checked_rows()
        if not picked:
            return self.itemText(0)
        if len(picked) == 1:
            return self.itemText(picked[0])
        return f"{len(picked)} {self.noun}s"

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            watched is self.view().viewport()
            and event.type() == QtCore.QEvent.Type.MouseButtonRelease
        ):
            index = self.view().indexAt(event.position().toPoint())  # type: ignore[attr-defined]
            if index.isValid() and index.row() > 0:
                item = self._model.item(index.row())
                item.setCheckState(
                    QtCore.Qt.CheckState.Unchecked
                    if item.checkState() == QtCore.Qt.CheckState.Checked
                    else QtCore.Qt.CheckState.Checked
                )
                self.update()
                self.toggled.emit()
                return True  # the list stays open for the next pick
            if index.isValid():
                self.set_checked(())
                self.hidePopup()
                self.toggled.emit()
                return True
        return super().eventFilter(watched, event)

    def _picked(self, row: int) -> None:
        self.set_checked(() if row <= 0 else (self.itemData(row),))
        self.toggled.emit()

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        painter = QtWidgets.QStylePainter(self)
        option = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.summary()
        option.currentIcon = QtGui.QIcon()
        painter.drawComplexControl(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QtWidgets.QStyle.ControlElement.CE_ComboBoxLabel, option)


class FacetChoiceEditor(FilterEditor):
    """Values from the library (models, nodes, graphs, runs, episodes, shots), with counts;
    several may be picked, and any of them matches."""

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = CheckableCombo(spec.label.lower(), self)
        self.combo.setObjectName(f"filter_{spec.key}")
        self.combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(8)
        self.combo.toggled.connect(self._emit)
        self.layout().addWidget(self.combo, 1)

    def value(self) -> tuple[str, ...]:
        return self.combo.checked()

    def set_value(self, value: Any) -> None:
        self._quiet = True
        wanted = tuple(value or ())
        known = {self.combo.itemData(row) for row in range(1, self.combo.count())}
        for missing in (v for v in wanted if v not in known):
            self.combo.add_row(missing, missing)
        self.combo.set_checked(wanted)
        self._quiet = False

    def set_facets(self, values: list[tuple[str, int]], labels: dict[str, str]) -> None:
        current = self.combo.checked()
        self._quiet = True
        blocker = QtCore.QSignalBlocker(self.combo)
        self.combo.clear()
        self.combo.add_row(f"Any {self.spec.label.lower()}", None)
        listed = set()
        rows = []
        for value, count in values:
            label = labels.get(value) or value
            if self.spec.key == "graph":
                label = lq.graph_label(value)
            rows.append((f"{label}  ({count})", value, value))
            listed.add(value)
        for value in current:  # still picked, though nothing matches it now
            if value not in listed:
                rows.append((f"{labels.get(value) or value}  (0)", value, ""))
        self.combo.add_rows(rows)
        self.combo.set_checked(current)
        del blocker
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
    PRESETS = (
        ("Any time", None),
        ("Today", 0),
        ("Last 7 days", 7),
        ("Last 30 days", 30),
        ("Custom…", -1),
    )

    def __init__(self, spec: FilterSpec, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(spec, parent)
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(4)
        self.preset = QtWidgets.QComboBox(self)
        self.preset.setObjectName(f"filter_{spec.key}")
        self.preset.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
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
    def __init__(
        self,
        spec: FilterSpec,
        items: list[tuple[str, Any]],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(spec, parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName(f"filter_{spec.key}")
        self.combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
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

    def __init__(
        self,
        library: Library,
        parent: QtWidgets.QWidget | None = None,
        *,
        inline: tuple[str, ...] = ("text",),
    ) -> None:
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
                labels = (
                    runs
                    if key == "run"
                    else lq.facet_labels(self.library, key, [v for v, _n in values])
                )
                editor.set_facets(values, labels)
