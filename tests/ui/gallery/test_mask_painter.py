"""Mask painting for Inpaint: strokes in image pixels whatever the zoom, undo/redo, invert,
and a mask of exactly the image's size that an offline Inpaint run then uses."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6 import QtCore
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library.query import provenance
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from canvastoon_desktop.ui.mask_painter import MaskPainterDialog
from nodes import default_registry
from nodes.painted_mask import attach_mask, painting_inputs, store_mask
from tests.support.library_factory import png_bytes


def image_file(tmp_path: Path, size=(301, 517)) -> Path:
    path = tmp_path / "cut.png"
    path.write_bytes(png_bytes(3, *size))
    return path


def drag(qtbot, dialog: MaskPainterDialog, points: list[tuple[float, float]]) -> None:
    canvas = dialog.canvas
    widget_points = [canvas.to_widget(QtCore.QPointF(x, y)).toPoint() for x, y in points]
    QTest.mousePress(
        canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_points[0]
    )
    for p in widget_points[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(
        canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_points[-1]
    )


def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG" and im.mode == "L"
        return np.asarray(im)


def open_dialog(qtbot, path: Path, mask: Path | None = None) -> MaskPainterDialog:
    dialog = MaskPainterDialog(path, mask)
    qtbot.addWidget(dialog)
    dialog.resize(700, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_strokes_paint_the_mask_at_the_image_size_whatever_the_zoom(qtbot, tmp_path) -> None:
    dialog = open_dialog(qtbot, image_file(tmp_path))
    assert decode(dialog.mask_png()).shape == (517, 301) and not decode(dialog.mask_png()).any()
    dialog.canvas.set_brush(20)
    drag(qtbot, dialog, [(50, 100), (150, 100), (250, 100)])
    mask = decode(dialog.mask_png())
    assert mask.shape == (517, 301)
    assert mask[100, 150] == 255 and mask[400, 150] == 0
    dialog.canvas.zoom_at(3.0, QtCore.QPointF(200, 200))  # zoomed in: still image pixels
    dialog.canvas.set_brush(10)
    drag(qtbot, dialog, [(150, 300), (150, 320)])
    mask = decode(dialog.mask_png())
    assert mask.shape == (517, 301) and mask[310, 150] == 255
    qtbot.keyClick(dialog, Qt.Key.Key_E)  # the eraser
    drag(qtbot, dialog, [(150, 95), (150, 105)])
    assert decode(dialog.mask_png())[100, 150] == 0
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert decode(dialog.mask_png())[100, 150] == 255  # undo brings the paint back
    qtbot.keyClick(
        dialog.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert decode(dialog.mask_png())[100, 150] == 0  # redo erases again
    before = dialog.canvas.brush
    qtbot.keyClick(dialog, Qt.Key.Key_BracketRight)
    assert dialog.canvas.brush > before
    qtbot.keyClick(dialog, Qt.Key.Key_I)
    inverted = decode(dialog.mask_png())
    assert inverted[400, 150] == 255 and inverted[310, 150] == 0
    dialog.undo_stack.undo()
    qtbot.keyClick(dialog, Qt.Key.Key_Delete)
    assert not decode(dialog.mask_png()).any()


def test_an_initial_mask_of_another_size_is_brought_to_the_image_size(qtbot, tmp_path) -> None:
    small = tmp_path / "old-mask.png"
    im = Image.new("L", (30, 50), 0)
    im.paste(255, (0, 0, 15, 50))
    im.save(small)
    dialog = open_dialog(qtbot, image_file(tmp_path), small)
    mask = decode(dialog.mask_png())
    assert mask.shape == (517, 301)
    assert mask[250, 20] == 255 and mask[250, 280] == 0


def test_the_painted_mask_feeds_an_offline_inpaint_run(qtbot, tmp_path) -> None:
    path = image_file(tmp_path)
    registry = default_registry()
    library = Library(tmp_path / "library")
    executor = Executor(registry, library, PriceTable.load(), adapters={"local": LocalAdapter()})
    graph = Graph(registry)
    load = graph.create_node("load_image", params={"path": str(path)})
    inpaint = graph.create_node("inpaint", params={"model": "local/opencv-inpaint"})
    graph.connect(Edge(load.id, "image", inpaint.id, "image"))

    image, current = painting_inputs(graph, executor.plan(graph), inpaint.id)
    assert image is not None and image.path == path and current is None
    dialog = open_dialog(qtbot, image.path)
    dialog.canvas.set_brush(30)
    drag(qtbot, dialog, [(60, 200), (240, 200)])
    png = dialog.mask_png()
    dialog.accept()
    stored = store_mask(
        library, png, library.put_file(path, image.kind, image.mime, width=301, height=517)
    )
    assert (stored.width, stored.height) == (301, 517)
    edit = attach_mask(graph, inpaint.id, stored.sha256, image.sha256)
    edit.apply(graph)  # one step for the editor's undo stack
    mask_node = graph.nodes[edit.mask_node_id]
    assert mask_node.type == "painted_mask" and mask_node.params["mask"] == stored.sha256

    summary = asyncio.run(executor.run(graph))
    assert summary.status == "done", summary.nodes
    out = summary.nodes[inpaint.id].outputs["image"]
    original = np.asarray(Image.open(path).convert("RGB")).astype(int)
    result = np.asarray(Image.open(out.path).convert("RGB")).astype(int)
    assert result.shape == original.shape
    assert np.abs(result[200, 60:240] - original[200, 60:240]).sum() > 0  # filled under the mask
    assert np.array_equal(result[400:], original[400:])  # untouched outside it
    (made,) = provenance(library, out.sha256)
    assert stored.sha256 in made.inputs["mask"]

    edit.revert(graph)
    assert edit.mask_node_id not in graph.nodes and not graph.incoming(inpaint.id)[1:]
    library.close()
