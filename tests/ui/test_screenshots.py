"""Screenshots of the main window for a reviewer: empty, and the offline example after a
run. Saved as PNG files under the test's temporary folder (the path is printed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui, QtWidgets

from tests.ui.uihelpers import run_offline_example


@pytest.mark.slow
def test_screenshots(qtbot: Any, window: Any, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    window.resize(1600, 960)
    QtWidgets.QApplication.processEvents()
    empty = shots / "01_empty_window.png"
    assert window.grab().save(str(empty))

    run_offline_example(qtbot, window, tmp_path)
    window.bridge.fit()
    for node_id in ("card", "cleanup", "clip", "mask"):
        body = window.bridge.card(node_id).body
        asset = body.state.preview()
        qtbot.waitUntil(lambda b=body, a=asset: b.pixmap_for(a) is not None, timeout=15_000)
    window.bridge.select(["clip"])
    window._selection_changed()
    QtWidgets.QApplication.processEvents()
    after = shots / "02_offline_example_after_run.png"
    assert window.grab().save(str(after))
    canvas = shots / "03_canvas_close_up.png"
    window.bridge.fit(["card", "cleanup", "clip"])
    QtWidgets.QApplication.processEvents()
    assert window.viewer.grab().save(str(canvas))
    for shot in (empty, after, canvas):
        image = QtGui.QImage(str(shot))
        assert image.width() > 400 and image.height() > 300
    print(f"\nscreenshots: {shots}")
