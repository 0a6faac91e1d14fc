"""Words an artist reads: choices in words, not identifiers ("Zoom in", model names), "an
Image", and no stray "CTRL: Deselect Nodes" on the canvas at every Ctrl+Z."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from canvastoon_desktop.core.ports import PortType, connection_refusal


def _combo_texts(window: Any, node_id: str, param: str) -> list[str]:
    window.bridge.select([node_id])
    window._selection_changed()
    combo = window.properties.editors[param].widget
    return [combo.itemText(i) for i in range(combo.count())]


@pytest.mark.slow
def test_choices_read_as_words_not_identifiers(qtbot: Any, window: Any) -> None:
    clip = window.bridge.add_node("video", (0.0, 0.0), {"model": "local/pan-zoom"})
    motions = _combo_texts(window, clip, "motion")
    assert "Zoom in" in motions and "Pan left" in motions
    assert not any("_" in m for m in motions)
    route = window.bridge.add_node("route_video", (300.0, 0.0))
    roles = _combo_texts(window, route, "action_model")
    assert roles and all("/" not in t.split("  ·  ")[0] for t in roles)  # names, not ids
    assert any(t.startswith("Hailuo") for t in roles)


def test_articles_fit_their_words() -> None:
    assert connection_refusal(PortType.TEXT, PortType.IMAGE) == (
        "a Text output cannot feed an Image input"
    )


@pytest.mark.slow
def test_no_modifier_overlay_on_the_canvas(qtbot: Any, window: Any) -> None:
    viewer = window.viewer
    viewer.setFocus()
    qtbot.waitUntil(viewer.hasFocus, timeout=10_000)
    for modifier in (QtCore.Qt.Key.Key_Control, QtCore.Qt.Key.Key_Shift):
        QTest.keyPress(viewer, modifier)
        shown = [
            item.toPlainText()
            for item in viewer.scene().items()
            if isinstance(item, QtWidgets.QGraphicsTextItem) and item.isVisible()
        ]
        assert not any("Deselect" in t or "Toggle" in t for t in shown)
        QTest.keyRelease(viewer, modifier)
