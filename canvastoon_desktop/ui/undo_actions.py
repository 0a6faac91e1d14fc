"""Undo and Redo actions that keep their buttons still.

``QUndoStack.createUndoAction`` renames its action after every edit ("Undo connect Image Gen
→ Video"): a toolbar button showing that grows and shoves its neighbours along, and an "&"
in a node's name becomes a mnemonic and vanishes. Here buttons say just "Undo" / "Redo"; the
menu entry and the tooltip say what would be undone, with "&" kept.
"""

from __future__ import annotations

import shiboken6
from PySide6 import QtCore, QtGui


def menu_text(text: str) -> str:
    """``text`` for a menu or button label: "&" shown, not taken as a mnemonic."""
    return text.replace("&", "&&")


class _Follower(QtCore.QObject):
    """Renames one action as its stack's text changes; a child of the action, so the
    connection goes when the action does."""

    def __init__(self, action: QtGui.QAction, verb: str) -> None:
        super().__init__(action)
        self.action = action
        self.verb = verb

    def follow(self, text: str) -> None:
        # runs after the stack's own renaming (connected later), and replaces it
        if not shiboken6.isValid(self.action):  # a window being torn down at exit
            return
        verb = self.verb
        self.action.setText(f"&{verb} {menu_text(text)}" if text else f"&{verb}")
        keys = self.action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        what = f"{verb} {text}" if text else f"Nothing to {verb.lower()}"
        self.action.setToolTip(f"{what} ({keys})" if keys else what)


def undo_redo_actions(
    stack: QtGui.QUndoStack,
    parent: QtCore.QObject,
    undo_keys: list[QtGui.QKeySequence],
    redo_keys: list[QtGui.QKeySequence],
) -> tuple[QtGui.QAction, QtGui.QAction]:
    undo = stack.createUndoAction(parent, "&Undo")
    redo = stack.createRedoAction(parent, "&Redo")
    undo.setShortcuts(undo_keys)
    redo.setShortcuts(redo_keys)
    for action, verb, changed, current in (
        (undo, "Undo", stack.undoTextChanged, stack.undoText),
        (redo, "Redo", stack.redoTextChanged, stack.redoText),
    ):
        action.setIconText(verb)  # what a tool button shows: one width, whatever comes next
        follower = _Follower(action, verb)
        changed.connect(follower.follow)
        follower.follow(current())
    return undo, redo
