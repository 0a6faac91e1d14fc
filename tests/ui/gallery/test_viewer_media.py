"""The library with a finished short's sounds and strips: a sound's card shows its waveform
and length, its viewer plays it (a player of its length, a playhead on the waveform, never
muted), and a webtoon strip opens at the pane's width from its top and the wheel scrolls it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library.query import close_reader
from canvastoon_desktop.ui.gallery.qt_viewer import ViewerWindow
from tests.support.media_assets import sound_asset, strip_asset
from tests.ui.gallery.conftest import open_gallery
from tests.ui.uihelpers import wheel


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    made = Library(tmp_path / "library")
    yield made
    close_reader(made)
    made.close()


def open_viewer(qtbot, library: Library, sha: str) -> ViewerWindow:
    viewer = ViewerWindow(library, [sha])
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def test_a_sounds_card_shows_its_waveform_and_length(qtbot, library: Library, tmp_path) -> None:
    sound = sound_asset(library, tmp_path)
    window = open_gallery(qtbot, library)
    qtbot.waitUntil(lambda: window.thumbs.pixmap(sound.sha256) is not None, timeout=10_000)
    wave = window.thumbs.pixmap(sound.sha256).toImage()
    assert wave.width() == 2 * wave.height()  # a waveform, not a frame
    row = next(r for r in window.model.rows if r.sha256 == sound.sha256)
    assert row.kind == "audio" and row.duration_s == pytest.approx(2.5)
    filters = window.findChild(QtWidgets.QToolButton, "filter_kind_audio")
    assert filters.text() == "Sounds"


def test_a_sound_plays_in_the_viewer_with_a_playhead_on_its_waveform(
    qtbot, library: Library, tmp_path
) -> None:
    sound = sound_asset(library, tmp_path, seconds=2.5)
    viewer = open_viewer(qtbot, library, sound.sha256)
    view = viewer.view
    (pane,) = view.panes
    assert view.players == [pane.player] and view.transport is not None
    qtbot.waitUntil(lambda: pane.player.duration() > 0, timeout=15_000)
    assert pane.player.duration() == pytest.approx(2500, abs=60)
    assert view.time_label.text().endswith("/ 0:02")
    assert not pane.audio.isMuted() and view.sound is None  # a sound is there to be heard

    def drawn() -> bool:
        image = pane.item.pixmap().toImage()
        alpha = np.array(
            [
                QtGui.QColor(image.pixel(x, image.height() // 2)).alpha()
                for x in range(0, image.width(), 50)
            ]
        )
        return bool((alpha > 0).all())

    qtbot.waitUntil(drawn, timeout=10_000)  # the waveform replaced the blank placeholder
    view.seek(1250)
    width = pane.item.boundingRect().width()
    qtbot.waitUntil(lambda: abs(pane.playhead.line().x1() - width / 2) < width * 0.04)


def test_a_strip_opens_at_the_panes_width_from_its_top_and_the_wheel_scrolls_it(
    qtbot, library: Library
) -> None:
    strip = strip_asset(library)
    viewer = open_viewer(qtbot, library, strip.sha256)
    (pane,) = viewer.view.panes
    assert pane.strip

    def shown():
        return pane.mapFromScene(pane.item.sceneBoundingRect()).boundingRect()

    qtbot.waitUntil(lambda: abs(shown().width() - pane.viewport().width()) <= 2, timeout=5_000)
    assert shown().top() == pytest.approx(0, abs=1)  # its top, where the story starts
    bar = pane.verticalScrollBar()
    assert bar.isVisible() and bar.maximum() > 3 * pane.viewport().height()

    zoom = pane.zoom
    wheel(pane.viewport(), -240)
    assert shown().top() < -50 and pane.zoom == pytest.approx(zoom)  # read down
    wheel(pane.viewport(), 240, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert pane.zoom > zoom  # Ctrl+wheel zooms
    viewer.view.fit()
    assert abs(shown().width() - pane.viewport().width()) <= 2
    assert "wheel: scroll" in viewer._hint.text()
