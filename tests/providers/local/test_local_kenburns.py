"""render_pan_zoom: a real H.264 file whose picture moves smoothly the way it was asked to."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest
from local_helpers import centroid, decode_frames, png, texture

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import MediaCancelled, probe_video_file
from canvastoon_desktop.providers.local.kenburns import render_pan_zoom

W, H = 180, 320


def marked_image(width: int = 540, height: int = 960) -> bytes:
    """Calm grey background with a bright green disc right of and above the centre."""
    img = np.full((height, width, 3), 90, np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy = width * 0.65, height * 0.35
    img[(xx - cx) ** 2 + (yy - cy) ** 2 < (width * 0.06) ** 2] = (0, 255, 0)
    return png(img)


def marker_track(path: Path) -> list[tuple[float, float, float]]:
    """(x, y, area) of the green disc in every decoded frame."""
    out = []
    for frame in decode_frames(path):
        green = (frame[..., 1] > 180) & (frame[..., 0] < 100)
        x, y = centroid(green)
        out.append((x, y, float(green.sum())))
    return out


def render(tmp_path: Path, motion: str, **kwargs: object) -> Path:
    out = tmp_path / f"{motion}.mp4"
    opts = {"width": W, "height": H, "duration_s": 1.0, "fps": 24, "motion": motion, **kwargs}
    render_pan_zoom(marked_image(), out, **opts)  # type: ignore[arg-type]
    return out


def test_output_is_h264_yuv420p_with_the_requested_length(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    info = render_pan_zoom(marked_image(), out, width=W + 1, height=H + 1, duration_s=1.5, fps=24)
    assert (info.width, info.height, info.codec, info.has_audio) == (W, H, "h264", False)
    assert info == probe_video_file(out)
    assert info.duration_s == pytest.approx(1.5)
    assert len(decode_frames(out)) == info.frame_count == 36
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_zoom_in_enlarges_and_pushes_details_outwards(tmp_path: Path) -> None:
    track = marker_track(render(tmp_path, "zoom_in", strength=0.3))
    (x0, y0, a0), (x1, y1, a1) = track[0], track[-1]
    assert a1 / a0 == pytest.approx(1.3**2, rel=0.1)
    centre = np.array([W / 2, H / 2])
    d0 = np.linalg.norm(np.array([x0, y0]) - centre)
    d1 = np.linalg.norm(np.array([x1, y1]) - centre)
    assert d1 / d0 == pytest.approx(1.3, rel=0.05)
    areas = [a for _, _, a in track]
    assert np.all(np.diff(areas) > -areas[0] * 0.02)  # grows steadily, never shrinks back


def test_zoom_out_is_the_reverse(tmp_path: Path) -> None:
    track = marker_track(render(tmp_path, "zoom_out", strength=0.3))
    assert track[0][2] / track[-1][2] == pytest.approx(1.3**2, rel=0.1)


@pytest.mark.parametrize(
    ("motion", "axis", "sign"),
    # The camera moves left, so the picture slides right (x grows); and so on.
    [("pan_left", 0, 1), ("pan_right", 0, -1), ("pan_up", 1, 1), ("pan_down", 1, -1)],
)
def test_pans_move_the_picture_by_strength_times_the_frame(
    tmp_path: Path, motion: str, axis: int, sign: int
) -> None:
    track = marker_track(render(tmp_path, motion, strength=0.2))
    travel = track[-1][axis] - track[0][axis]
    assert travel * sign == pytest.approx(0.2 * (W, H)[axis], abs=2)
    assert track[-1][2] == pytest.approx(track[0][2], rel=0.05)  # no zoom during a pan


def test_motion_is_smooth_and_eased(tmp_path: Path) -> None:
    xs = np.array([x for x, _, _ in marker_track(render(tmp_path, "pan_left", strength=0.3))])
    steps = np.diff(xs)
    assert np.all(steps > -0.3)  # never jitters backwards
    middle = steps[len(steps) // 2 - 2 : len(steps) // 2 + 2].mean()
    assert steps[:2].mean() < middle / 3 and steps[-2:].mean() < middle / 3  # eases in and out


def test_strength_zero_is_a_still(tmp_path: Path) -> None:
    frames = decode_frames(render(tmp_path, "zoom_in", strength=0.0))
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() < 1.0


def test_landscape_image_is_cover_fitted(tmp_path: Path) -> None:
    out = tmp_path / "wide.mp4"
    render_pan_zoom(png(texture(300, 800)), out, width=W, height=H, duration_s=0.5)
    first = decode_frames(out)[0]
    assert (first.sum(axis=-1) > 30).all()  # no black bars anywhere


@pytest.mark.slow
def test_the_default_clip_is_a_4_second_portrait_at_24_fps(tmp_path: Path) -> None:
    """How long it takes is a figure of `make bench` (kenburns_default_size_s)."""
    info = render_pan_zoom(png(texture(1024, 1024)), tmp_path / "full.mp4")
    assert (info.width, info.height, info.frame_count) == (720, 1280, 96)


def test_cancel_leaves_nothing_behind(tmp_path: Path) -> None:
    cancel = threading.Event()
    out = tmp_path / "c.mp4"

    def progress(fraction: float) -> None:
        if fraction > 0.5:
            cancel.set()

    with pytest.raises(MediaCancelled):
        render_pan_zoom(marked_image(), out, width=W, height=H, cancel=cancel, progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs_are_media_errors(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4"
    with pytest.raises(MediaError, match="not an image"):
        render_pan_zoom(b"<html></html>", out)
    with pytest.raises(MediaError, match="motion must be"):
        render_pan_zoom(marked_image(), out, motion="spin")  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="duration"):
        render_pan_zoom(marked_image(), out, duration_s=0)
    with pytest.raises(MediaError, match="strength"):
        render_pan_zoom(marked_image(), out, strength=2.0)
    assert not out.exists()
