"""Right-click menus go once they close: a window that showed a hundred of them keeps none."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.ui.menus import pop_up
from tests.support.shown import shown_menu


def _menus(parent: QtCore.QObject) -> list[QtWidgets.QMenu]:
    return parent.findChildren(QtWidgets.QMenu)


def _flush_deletions(qapp: Any) -> None:
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    qapp.processEvents()


def test_a_dismissed_menu_is_deleted(qtbot: Any, qapp: Any) -> None:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    menu = QtWidgets.QMenu(parent)
    menu.addAction("Rename")
    pop_up(menu, QtCore.QPoint(10, 10))
    assert shown_menu(qtbot) is menu
    menu.close()
    _flush_deletions(qapp)
    assert _menus(parent) == []


def test_the_chosen_action_runs_before_its_menu_goes(qtbot: Any, qapp: Any) -> None:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    chosen: list[str] = []
    menu = QtWidgets.QMenu(parent)
    sub = menu.addMenu("Add node")
    sub.addAction("Image Gen", lambda: chosen.append("Image Gen"))
    pop_up(menu, QtCore.QPoint(10, 10))
    shown_menu(qtbot)
    menu.hide()  # what a chosen action does to its menus, before it triggers
    sub.actions()[0].trigger()
    _flush_deletions(qapp)
    assert chosen == ["Image Gen"]
    assert _menus(parent) == []


@pytest.mark.slow
def test_the_canvas_keeps_no_menu_of_earlier_right_clicks(
    qtbot: Any, qapp: Any, window: Any
) -> None:
    menu_bar = set(_menus(window))  # the window's own menus (File, Edit, ...) stay
    for _ in range(5):
        window._context_menu(QtCore.QPointF(0, 0), "")
        assert shown_menu(qtbot) not in menu_bar
        shown_menu(qtbot).close()
    _flush_deletions(qapp)
    assert set(_menus(window)) == menu_bar
