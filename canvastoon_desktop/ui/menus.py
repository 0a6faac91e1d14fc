"""Context menus: each right-click builds its own menu, which goes once it has closed."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def pop_up(menu: QtWidgets.QMenu, at: QtCore.QPoint) -> None:
    """Show ``menu`` at the global point ``at`` without waiting for it, and delete it once
    it hides (an action chosen or the menu dismissed). Menus are parented to their window,
    which would otherwise keep every one it ever showed. (The deletion is deferred to the
    event loop, so the chosen action's slots run first.)"""
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(at)
