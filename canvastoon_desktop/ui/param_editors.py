"""One editor widget per parameter kind, generated from a ``ParamSpec``.

ENUM → combo (numeric enums too) · INT/FLOAT with a range → spin box, plus a slider where the
range is small · BOOL → check box · TEXT → multi-line editor · STRING → line edit · FILE /
FOLDER → path with a picker · SEED → spin box with a "random" check.

An editor reports edits through ``commit(value, session)``; keystrokes of one focus (one
"session") are merged into a single undo step by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.params import ParamKind, ParamSpec

from .commands import new_edit_session

Commit = Callable[[Any, "int | None"], None]

SLIDER_MAX_STEPS = 200
SEED_MAX = 2**32 - 1


class ParamEditor(QtCore.QObject):
    """Base: owns the widget, knows how to show a value and how to report an edit."""

    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__()
        self.spec = spec
        self._commit = commit
        self.session: int | None = None
        self.widget: QtWidgets.QWidget = QtWidgets.QWidget()

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def commit(self, value: Any, merge: bool = False) -> None:
        if merge and self.session is None:
            self.session = new_edit_session()
        self._commit(value, self.session if merge else None)

    def new_session(self) -> None:
        self.session = new_edit_session()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.FocusIn:
            self.new_session()
        elif event.type() == QtCore.QEvent.Type.FocusOut:
            self.session = None
        return False

    def _watch_focus(self, widget: QtWidgets.QWidget) -> None:
        widget.installEventFilter(self)


class EnumEditor(ParamEditor):
    def __init__(
        self, spec: ParamSpec, commit: Commit, labels: dict[Any, str] | None = None
    ) -> None:
        super().__init__(spec, commit)
        combo = QtWidgets.QComboBox()
        combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        combo.setMinimumContentsLength(10)
        names = labels or {}
        for choice in spec.choices:
            combo.addItem(names.get(choice) or spec.choice_label(choice), choice)
        combo.activated.connect(lambda index: self.commit(combo.itemData(index)))
        self.combo = combo
        self.widget = combo

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0:
            for i in range(self.combo.count()):
                if self.combo.itemData(i) == value:
                    index = i
                    break
        self.combo.setCurrentIndex(index)

    def value(self) -> Any:
        return self.combo.currentData()


class NumberEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__(spec, commit)
        is_int = spec.kind is ParamKind.INT
        lo = spec.minimum if spec.minimum is not None else (-(2**31) if is_int else -1e9)
        hi = spec.maximum if spec.maximum is not None else (2**31 - 1 if is_int else 1e9)
        if is_int:
            spin: QtWidgets.QAbstractSpinBox = QtWidgets.QSpinBox()
            spin.setRange(int(lo), int(hi))
            spin.setSingleStep(int(spec.step or 1))
        else:
            spin = QtWidgets.QDoubleSpinBox()
            step = spec.step or _nice_step(lo, hi)
            decimals = max(1, min(4, -math.floor(math.log10(step)) if step < 1 else 1))
            spin.setDecimals(decimals)
            spin.setRange(float(lo), float(hi))
            spin.setSingleStep(step)
        spin.setKeyboardTracking(False)
        self.spin = spin
        self.slider: QtWidgets.QSlider | None = None
        self._lo, self._hi = float(lo), float(hi)
        self._steps = 0
        box = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        if spec.minimum is not None and spec.maximum is not None:
            span = self._hi - self._lo
            step = float(spec.step or (1 if is_int else _nice_step(self._lo, self._hi)))
            steps = round(span / step) if step > 0 else 0
            if 0 < steps <= SLIDER_MAX_STEPS:
                self._steps = steps
                self._step = step
                slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
                slider.setRange(0, steps)
                slider.sliderPressed.connect(self.new_session)
                slider.valueChanged.connect(self._slid)
                self.slider = slider
                row.addWidget(slider, 1)
        spin.setMinimumWidth(72)
        row.addWidget(spin, 0 if self.slider else 1)
        spin.valueChanged.connect(self._spun)
        self._watch_focus(spin)
        self.widget = box

    def _typed(self, value: float) -> Any:
        return round(value) if self.spec.kind is ParamKind.INT else float(value)

    def _spun(self, value: float) -> None:
        self._sync_slider(value)
        self.commit(self._typed(value), merge=True)

    def _slid(self, position: int) -> None:
        value = self._lo + position * self._step
        value = min(self._hi, max(self._lo, value))
        with QtCore.QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self.commit(self._typed(value), merge=True)

    def _sync_slider(self, value: float) -> None:
        if self.slider is not None:
            with QtCore.QSignalBlocker(self.slider):
                self.slider.setValue(round((value - self._lo) / self._step))

    def set_value(self, value: Any) -> None:
        if value is None:
            return
        with QtCore.QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self._sync_slider(float(value))

    def value(self) -> Any:
        return self._typed(self.spin.value())


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__(spec, commit)
        check = QtWidgets.QCheckBox()
        check.toggled.connect(lambda on: self.commit(bool(on)))
        self.check = check
        self.widget = check

    def set_value(self, value: Any) -> None:
        with QtCore.QSignalBlocker(self.check):
            self.check.setChecked(bool(value))

    def value(self) -> Any:
        return self.check.isChecked()


class TextEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__(spec, commit)
        edit = QtWidgets.QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(90)
        edit.setMaximumHeight(220)
        edit.setPlaceholderText(spec.help or "")
        edit.textChanged.connect(lambda: self.commit(edit.toPlainText(), merge=True))
        self._watch_focus(edit)
        self.edit = edit
        self.widget = edit

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if text == self.edit.toPlainText():
            return
        with QtCore.QSignalBlocker(self.edit):
            position = self.edit.textCursor().position()
            self.edit.setPlainText(text)
            cursor = self.edit.textCursor()
            cursor.setPosition(min(position, len(text)))
            self.edit.setTextCursor(cursor)

    def value(self) -> Any:
        return self.edit.toPlainText()


class _LineEditor(ParamEditor):
    """An editor whose value is the text of ``self.line``."""

    line: QtWidgets.QLineEdit

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if text != self.line.text():
            self.line.setText(text)

    def value(self) -> Any:
        return self.line.text()


class StringEditor(_LineEditor):
    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__(spec, commit)
        line = QtWidgets.QLineEdit()
        if spec.max_length:
            line.setMaxLength(spec.max_length)
        line.setPlaceholderText(spec.help or "")
        line.textEdited.connect(lambda text: self.commit(text, merge=True))
        self._watch_focus(line)
        self.line = line
        self.widget = line


class PathEditor(_LineEditor):
    """FILE and FOLDER: a path field and a picker; relative to the graph's folder if inside."""

    def __init__(
        self, spec: ParamSpec, commit: Commit, base_dir: Callable[[], Path | None]
    ) -> None:
        super().__init__(spec, commit)
        self.base_dir = base_dir
        box = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        line = QtWidgets.QLineEdit()
        line.setPlaceholderText(
            "choose a folder…" if spec.kind is ParamKind.FOLDER else "choose a file…"
        )
        line.editingFinished.connect(self._typed)
        button = QtWidgets.QToolButton()
        button.setText("…")
        button.setToolTip("Choose")
        button.clicked.connect(self.pick)
        row.addWidget(line, 1)
        row.addWidget(button)
        self.line = line
        self.button = button
        self.widget = box

    def _typed(self) -> None:
        self.commit(self.line.text().strip())

    def pick(self) -> None:
        start = str(self.base_dir() or Path.home())
        if self.spec.kind is ParamKind.FOLDER:
            chosen = QtWidgets.QFileDialog.getExistingDirectory(
                self.widget, self.spec.display, start
            )
        else:
            chosen, _ = QtWidgets.QFileDialog.getOpenFileName(
                self.widget,
                self.spec.display,
                start,
                "Images (*.png *.jpg *.jpeg *.webp *.gif);;All files (*)",
            )
        if chosen:
            self.choose(chosen)

    def choose(self, chosen: str) -> None:
        path = Path(chosen)
        base = self.base_dir()
        value = str(path)
        if base is not None:
            try:
                value = str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                value = str(path.resolve())
        self.line.setText(value)
        self.commit(value)


class SeedEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, commit: Commit) -> None:
        super().__init__(spec, commit)
        box = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        spin = QtWidgets.QDoubleSpinBox()
        spin.setDecimals(0)
        spin.setRange(0, SEED_MAX)
        spin.setKeyboardTracking(False)
        random = QtWidgets.QCheckBox("random")
        random.setToolTip("A new seed every run (such results are still cached per run)")
        row.addWidget(spin, 1)
        row.addWidget(random)
        spin.valueChanged.connect(lambda v: self.commit(int(v), merge=True))
        random.toggled.connect(self._random_toggled)
        self._watch_focus(spin)
        self.spin = spin
        self.random = random
        self.widget = box

    def _random_toggled(self, on: bool) -> None:
        self.spin.setEnabled(not on)
        self.commit(None if on else int(self.spin.value()))

    def set_value(self, value: Any) -> None:
        with QtCore.QSignalBlocker(self.random), QtCore.QSignalBlocker(self.spin):
            self.random.setChecked(value is None)
            self.spin.setEnabled(value is not None)
            if value is not None:
                self.spin.setValue(int(value))

    def value(self) -> Any:
        return None if self.random.isChecked() else int(self.spin.value())


def make_editor(
    spec: ParamSpec,
    commit: Commit,
    *,
    base_dir: Callable[[], Path | None] = lambda: None,
    labels: dict[Any, str] | None = None,
) -> ParamEditor:
    kind = spec.kind
    if kind is ParamKind.ENUM:
        return EnumEditor(spec, commit, labels)
    if kind in (ParamKind.INT, ParamKind.FLOAT):
        return NumberEditor(spec, commit)
    if kind is ParamKind.BOOL:
        return BoolEditor(spec, commit)
    if kind is ParamKind.TEXT:
        return TextEditor(spec, commit)
    if kind in (ParamKind.FILE, ParamKind.FOLDER):
        return PathEditor(spec, commit, base_dir)
    if kind is ParamKind.SEED:
        return SeedEditor(spec, commit)
    return StringEditor(spec, commit)


def _nice_step(lo: float, hi: float) -> float:
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return 0.1
    return 10 ** math.floor(math.log10(span / 100)) if span > 0 else 0.1
