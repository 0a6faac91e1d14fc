"""The editor with files from strangers: a graph's paths outside its folder are listed and
asked about once per file content; FIFOs, devices and hostile values are clean errors;
a save that cannot be written says so."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from canvastoon_desktop.core.fileformat import save_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.settings import Settings
from tests.support.library_factory import png_bytes
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import wait_plan, wait_run

pytestmark = pytest.mark.timeout(120)


def outside_graph(tmp_path: Path, registry: Any) -> Path:
    """A shared graph whose Load Image reads a file outside its folder."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "face.png").write_bytes(png_bytes(4, 90, 160))
    graph = Graph(registry)
    load = graph.create_node("load_image", params={"path": "../private/face.png"}, title="Face")
    clean = graph.create_node("inpaint", params={"model": "local/opencv-inpaint"}, title="Clean")
    mask = graph.create_node("load_image", params={"path": "mask.png"}, title="Mask")
    graph.connect(Edge(load.id, "image", clean.id, "image"))
    graph.connect(Edge(mask.id, "image", clean.id, "mask"))
    project = tmp_path / "project"
    project.mkdir()
    from PIL import Image

    Image.new("L", (90, 160), 0).save(project / "mask.png")
    path = project / "shared.ctoon"
    save_graph(graph, path)
    return path


@pytest.mark.slow
def test_outside_paths_are_listed_and_asked_about_once_per_file(
    qtbot: Any, make_window: Any, tmp_path: Path
) -> None:
    settings = Settings()  # the artist's, across windows and sessions
    window = make_window(settings=settings)
    path = outside_graph(tmp_path, window.registry)
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.run_all()
    box = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "outside" in box.windowTitle()
    assert "Face" in box.informativeText() and "../private/face.png" in box.informativeText()
    box.reject()  # Cancel: nothing runs
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.runner.records == []

    window.run_all()
    shown_dialog(qtbot, QtWidgets.QMessageBox, unlike=[box]).yes_button.click()  # Allow, run
    assert wait_run(qtbot, window).status == "done"
    window.close()

    assert len(settings.outside_paths_allowed) == 1
    again = make_window(settings=settings)  # the same bytes: not asked again
    assert again.open_file(path)
    assert again.runner.allow_outside_paths
    path.write_text(path.read_text().replace('"Face"', '"Face 2"'))  # changed by someone else
    assert again.open_file(path, ask_unsaved=False)
    assert not again.runner.allow_outside_paths


@pytest.mark.slow
def test_opening_a_fifo_or_a_device_shows_an_error_at_once(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    fifo = tmp_path / "x.ctoon"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        assert not window.open_file(path)
        box = shown_dialog(qtbot, QtWidgets.QMessageBox)
        assert "pipe" in box.informativeText() or "device" in box.informativeText()
        box.close()


@pytest.mark.slow
def test_a_save_that_cannot_be_written_says_why(qtbot: Any, window: Any, tmp_path: Path) -> None:
    node = window.bridge.add_node("text", (0.0, 0.0), {"text": "idea"})
    window.document.graph.set_title(node, "bad \ud800 title")  # no UTF-8 encoder takes it
    assert not window._save_to(tmp_path / "g.ctoon")
    dialog = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "Cannot save" in dialog.text() or "Cannot save" in dialog.windowTitle()
    assert "not valid Unicode" in dialog.informativeText()
    assert not (tmp_path / "g.ctoon").exists()
