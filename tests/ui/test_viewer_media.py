"""The result viewer with what a finished short is made of: a sound opens as its waveform
over a player of its length (click the waveform to play from there), a webtoon strip opens
at the view's width from its top and scrolls, and the canvas and Qt read Korean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.result_viewer import AudioView, ImageView, ResultViewer
from canvastoon_desktop.ui.thumbnails import ThumbnailLoader
from tests.support.media_assets import portrait_asset, sound_asset, strip_asset
from tests.ui.uihelpers import wheel


@pytest.fixture
def library(qapp: Any, tmp_path: Path) -> Iterator[Library]:
    theme.apply(qapp)
    made = Library(tmp_path / "library")
    yield made
    made.close()


def open_viewer(qtbot: Any, library: Library, port: str, asset: Any) -> Any:
    viewer = ResultViewer("Result", {port: asset}, library)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer, viewer.tabs.widget(0)


def test_a_sound_opens_as_its_waveform_over_a_player_of_its_length(
    qtbot: Any, library: Library, tmp_path: Path
) -> None:
    sound = sound_asset(library, tmp_path, seconds=2.5)
    _viewer, view = open_viewer(qtbot, library, "audio", sound)
    assert isinstance(view, AudioView)
    assert view.player is not None, "QtMultimedia is missing (libpulse0)"
    qtbot.waitUntil(lambda: view.player.duration() > 0, timeout=15_000)
    assert view.player.duration() == pytest.approx(2500, abs=60)
    assert view.time.text().endswith("/ 0:02")

    qtbot.waitUntil(lambda: view.waveform.image is not None, timeout=10_000)
    shown = view.waveform.grab().toImage()
    area = view.waveform.wave_rect()
    column = np.array(  # how tall the waveform stands across the view (green pixels)
        [
            sum(
                QtGui.QColor(shown.pixel(x, y)).green() > 150
                for y in range(area.top(), area.bottom())
            )
            for x in range(area.left() + 10, area.right() - 10, 8)
        ]
    )
    half = len(column) // 2
    assert column[half + 2 :].mean() > 4 * column[: half - 2].mean() > 0  # quiet, then loud

    click = QtCore.QPoint(area.left() + round(area.width() * 0.6), area.center().y())
    qtbot.mouseClick(view.waveform, QtCore.Qt.MouseButton.LeftButton, pos=click)
    qtbot.waitUntil(lambda: abs(view.player.position() - 1500) < 100, timeout=10_000)
    qtbot.waitUntil(lambda: abs(view.slider.value() - 1500) < 100, timeout=10_000)
    assert view.waveform.played == pytest.approx(0.6, abs=0.05)  # the playhead is there


def test_a_webtoon_strip_fits_the_views_width_from_its_top_and_scrolls(
    qtbot: Any, library: Library
) -> None:
    strip = strip_asset(library)
    viewer, view = open_viewer(qtbot, library, "preview", strip)
    assert isinstance(view, ImageView)
    qtbot.waitUntil(lambda: view.loaded, timeout=10_000)

    def shown_width() -> float:
        return view.mapFromScene(view.item.sceneBoundingRect()).boundingRect().width()

    qtbot.waitUntil(lambda: abs(shown_width() - view.viewport().width()) <= 2, timeout=5_000)
    bar = view.verticalScrollBar()
    assert bar.isVisible() and bar.maximum() > 3 * view.viewport().height()
    assert bar.value() == bar.minimum()  # it opens at its top, where the story starts
    assert not view.horizontalScrollBar().isVisible()

    scale = view.transform().m11()
    wheel(view.viewport(), -240)  # the wheel reads down the strip…
    assert bar.value() > bar.minimum()
    assert view.transform().m11() == pytest.approx(scale)
    wheel(view.viewport(), 240, QtCore.Qt.KeyboardModifier.ControlModifier)  # …Ctrl zooms
    assert view.transform().m11() > scale

    view.fit()
    viewer.resize(viewer.width() + 200, viewer.height())  # a wider window: still its width
    qtbot.waitUntil(lambda: abs(shown_width() - view.viewport().width()) <= 2, timeout=5_000)


def test_an_ordinary_picture_still_fits_whole(qtbot: Any, library: Library) -> None:
    _viewer, view = open_viewer(qtbot, library, "image", portrait_asset(library))
    qtbot.waitUntil(lambda: view.loaded, timeout=10_000)
    shown = view.mapFromScene(view.item.sceneBoundingRect()).boundingRect()
    assert shown.height() <= view.viewport().height() + 1
    assert view.verticalScrollBar().maximum() == 0


def test_a_sound_on_a_node_card_is_named_not_printed_as_bytes(
    library: Library, tmp_path: Path
) -> None:
    loader = ThumbnailLoader(library)
    try:
        assert loader.text(sound_asset(library, tmp_path)) == "♪ 2.5 s sound (WAV)"
    finally:
        loader.close()


def test_a_line_of_dialogue_on_a_node_card_reads_as_its_script(library: Library) -> None:
    loader = ThumbnailLoader(library)
    try:
        line = library.put_json(
            {
                "shot": 2,
                "number": 1,
                "speaker": "Jun",
                "line": "기다려, 미나!",
                "voice": "Liam",
                "offline_voice": "ko+m3",
            }
        )
        character = library.put_json({"name": "Mina", "description": "silver bob haircut"})
        for asset in (line, character):
            loader.text(asset)
        assert loader.wait_idle()
        assert loader.text(line) == "Shot 2 · Jun: 기다려, 미나!"
        assert loader.text(character) == "Mina — silver bob haircut"
    finally:
        loader.close()


def test_korean_dialogue_reads_in_the_apps_widgets(library: Library) -> None:
    """The machine may have no CJK font: the bundled face is Qt's fallback for Hangul."""
    layout = QtGui.QTextLayout("Jun: 기다려, 미나!", QtWidgets.QApplication.font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    hangul = [
        run
        for run in layout.glyphRuns()
        if run.rawFont().supportsCharacter(ord("기")) and len(run.glyphIndexes()) >= 3
    ]
    assert hangul, [r.rawFont().familyName() for r in layout.glyphRuns()]
    assert all(0 not in run.glyphIndexes() for run in hangul)  # no "missing glyph" boxes
