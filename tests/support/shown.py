"""Find the dialogs and menus the app shows the way a user sees them: on screen, the modal
one in front. The app keeps no references for tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from PySide6 import QtCore, QtWidgets
from pytestqt.exceptions import TimeoutError

W = TypeVar("W", bound=QtWidgets.QWidget)


def shown_dialog(
    qtbot: Any,
    kind: type[W] = QtWidgets.QDialog,  # type: ignore[assignment]
    *,
    of: QtWidgets.QWidget | None = None,
    unlike: Iterable[QtWidgets.QWidget] = (),
    timeout: int = 10_000,
) -> W:
    """Wait until a ``kind`` of dialog is on screen and return it: the modal one in front
    first. ``of``: only a dialog that window (or one of its dialogs) opened; ``unlike``:
    not these (e.g. the one just answered)."""
    return _wait(qtbot, lambda: _dialog(kind, of, list(unlike)), f"no {kind.__name__}", timeout)


def shown_menu(qtbot: Any, timeout: int = 10_000) -> QtWidgets.QMenu:
    """Wait until a context menu pops up and return it."""

    def menu() -> QtWidgets.QMenu | None:
        popup = QtWidgets.QApplication.activePopupWidget()
        if isinstance(popup, QtWidgets.QMenu):
            return popup
        return next((w for w in _on_screen() if isinstance(w, QtWidgets.QMenu)), None)

    return _wait(qtbot, menu, "no menu", timeout)


def answer_next_box(button: QtWidgets.QMessageBox.StandardButton, *, tries: int = 500) -> None:
    """Press ``button`` on the next message box the app shows, as a user would: the app waits
    in the box's ``exec()``, so the press is scheduled before the action that shows it (looked
    for every 10 ms, given up after ``tries``)."""

    def press(left: int) -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        if isinstance(box, QtWidgets.QMessageBox) and box.button(button) is not None:
            box.button(button).click()
        elif left:
            QtCore.QTimer.singleShot(10, lambda: press(left - 1))

    QtCore.QTimer.singleShot(0, lambda: press(tries))


def _dialog(
    kind: type[W], of: QtWidgets.QWidget | None, unlike: list[QtWidgets.QWidget]
) -> W | None:
    for widget in [QtWidgets.QApplication.activeModalWidget(), *_on_screen()]:
        if (
            isinstance(widget, kind)
            and widget.isVisible()
            and not any(widget is other for other in unlike)
            and (of is None or _opened_by(widget, of))
        ):
            return widget
    return None


def _on_screen() -> list[QtWidgets.QWidget]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()]


def _opened_by(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False


def _wait(qtbot: Any, find: Any, what: str, timeout: int) -> Any:
    found: list[Any] = []

    def seen() -> bool:
        widget = find()
        if widget is not None:
            found.append(widget)
        return widget is not None

    try:
        qtbot.waitUntil(seen, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"{what} on screen") from None
    return found[-1]
