"""Videos open showing their first frame, not black until Play — in the editor's result
viewer and in the library's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.ui.result_viewer import VideoView
from tests.ui.uihelpers import run_offline_example

pytest.importorskip("PySide6.QtMultimedia")


@pytest.mark.slow
def test_the_result_viewer_shows_the_first_frame_before_play(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)
    viewer = window.open_result("clip")
    video = viewer.tabs.widget(0)
    assert isinstance(video, VideoView) and video.player is not None
    qtbot.waitUntil(lambda: video.frames_shown > 0, timeout=15_000)
    assert video.player.playbackState() != video.player.PlaybackState.PlayingState
    assert video.play_button.text() == "Play"  # still waiting for the artist
    viewer.close()


@pytest.mark.slow
def test_the_library_viewer_shows_the_first_frame_before_play(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    from canvastoon_desktop.ui.gallery import MediaPane

    run_offline_example(qtbot, window, tmp_path)
    clip = window.states.get("clip").preview()
    pane = MediaPane(window.workspace.library, clip)
    qtbot.addWidget(pane)
    pane.show()
    frames: list[Any] = []
    pane.item.videoSink().videoFrameChanged.connect(frames.append)
    qtbot.waitUntil(lambda: bool(frames), timeout=15_000)
    assert pane.player.playbackState() != pane.player.PlaybackState.PlayingState
