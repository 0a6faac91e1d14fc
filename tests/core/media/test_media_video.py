"""Videos are opened only as MP4/MOV/WebM/MKV, and only if a first frame decodes."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media_factory import gradient_png
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import VideoInfo, probe_video_file, video_frame_png

MakeVideo = Callable[..., Path]


def test_probe_mp4_with_audio(make_video: MakeVideo) -> None:
    path = make_video(width=320, height=180, fps=25, seconds=2.0, audio=True)
    assert probe_video_file(path) == VideoInfo(
        width=320,
        height=180,
        duration_s=2.0,
        fps=25.0,
        codec="h264",
        has_audio=True,
        frame_count=50,
    )


def test_probe_webm_without_audio(make_video: MakeVideo) -> None:
    info = probe_video_file(make_video(fmt="webm", width=96, height=160, fps=24, seconds=1.0))
    assert (info.width, info.height, info.codec, info.has_audio) == (96, 160, "vp9", False)
    assert info.duration_s == pytest.approx(1.0, abs=0.05)
    assert info.frame_count == pytest.approx(24, abs=1)


def test_a_file_replaced_in_place_is_described_anew(make_video: MakeVideo, tmp_path) -> None:
    """Answers are remembered per file version (assembling asks about each clip often)."""
    path = make_video("take.mp4", seconds=1.0)
    assert probe_video_file(path).duration_s == pytest.approx(1.0, abs=0.05)
    assert probe_video_file(path) == probe_video_file(path)
    longer = make_video("longer.mp4", seconds=2.0, width=200)
    longer.replace(path)
    info = probe_video_file(path)
    assert info.duration_s == pytest.approx(2.0, abs=0.05) and info.width == 200
    path.write_bytes(b"not a video any more, just text")
    with pytest.raises(MediaError, match="not a video"):
        probe_video_file(path)


def test_phone_video_with_rotation_metadata_is_reported_upright(make_video: MakeVideo) -> None:
    def marker(i: int, n: int) -> np.ndarray:
        arr = np.zeros((96, 160, 3), np.uint8)
        arr[:24, :24] = 255  # top-left corner of the stored picture
        return arr

    path = make_video(width=160, height=96, rotation=-90, frame_fn=marker)  # 90° clockwise
    info = probe_video_file(path)
    assert (info.width, info.height) == (96, 160)
    frame = np.asarray(Image.open(io.BytesIO(video_frame_png(path))))
    assert frame.shape == (160, 96, 3)
    # Turning the picture clockwise takes its top-left corner to the top-right.
    assert frame[:20, -20:].mean() > 200 and frame[:20, :20].mean() < 50


def test_audio_only_mp4_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "voice.mp4"
    with av.open(str(path), "w", format="mp4") as c:
        a = c.add_stream("aac", rate=48_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 4800), np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate, frame.pts = 48_000, 0
        for p in [*a.encode(frame), *a.encode()]:
            c.mux(p)
    with pytest.raises(MediaError, match=r"voice\.mp4: has no video track \(it holds only sound\)"):
        probe_video_file(path)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_video_with_no_frames_is_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"nothing.{fmt}"
    with av.open(str(path), "w", format=fmt) as c:
        v = c.add_stream("libx264" if fmt == "mp4" else "libvpx-vp9", rate=24)
        v.width, v.height, v.pix_fmt = 64, 64, "yuv420p"
        c.start_encoding()  # header written, not a single frame
    with pytest.raises(MediaError, match=rf"nothing\.{fmt}: (is empty|is damaged)"):
        probe_video_file(path)


def test_image_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(gradient_png(32, 32))
    with pytest.raises(MediaError, match=r"clip\.mp4: not a video, it is a PNG image"):
        probe_video_file(path)


def test_zero_byte_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(MediaError, match="empty"):
        probe_video_file(path)


def test_playlist_disguised_as_mp4_is_never_handed_to_ffmpeg(tmp_path: Path) -> None:
    path = tmp_path / "evil.mp4"
    path.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(MediaError, match="playlist"):
        probe_video_file(path)


def test_truncated_mp4_is_refused(make_video: MakeVideo, tmp_path: Path) -> None:
    data = make_video(seconds=1.0).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: now missing
    with pytest.raises(MediaError, match=r"cut\.mp4: "):
        probe_video_file(cut)


def test_undecodable_pictures_are_refused(make_video: MakeVideo, tmp_path: Path) -> None:
    def noise(i: int, n: int) -> np.ndarray:
        return np.random.default_rng(i).integers(0, 255, (96, 160, 3), np.uint8)

    data = bytearray(make_video(seconds=0.2, frame_fn=noise).read_bytes())
    start = data.index(b"mdat") + 4
    data[start : start + 3000] = b"\0" * 3000  # the container is intact, the pictures are not
    bad = tmp_path / "garbled.mp4"
    bad.write_bytes(bytes(data))
    with pytest.raises(
        MediaError,
        match=r"garbled\.mp4: (its first frame cannot be decoded|"
        r"contains no picture)",
    ):
        probe_video_file(bad)


def frame_red(png: bytes) -> float:
    return float(np.asarray(Image.open(io.BytesIO(png)))[..., 0].mean())


def test_video_frame_png_takes_the_frame_on_screen_at_that_time(make_video: MakeVideo) -> None:
    # 30 frames over 1 s; frame i has red = i * 255 / 29.
    path = make_video(fps=30, seconds=1.0)
    for at_s, index in [(0.0, 0), (0.5, 15), (0.51, 15), (0.99, 29), (1.0, 29)]:
        assert frame_red(video_frame_png(path, at_s)) == pytest.approx(index * 255 / 29, abs=3)


def test_video_frame_png_fits_max_side(make_video: MakeVideo) -> None:
    png = video_frame_png(make_video(width=320, height=180), 0.2, max_side=64)
    assert Image.open(io.BytesIO(png)).size == (64, 36)


@pytest.mark.parametrize("at_s", [-0.1, 1.5, float("nan")])
def test_video_frame_png_refuses_times_outside_the_video(
    make_video: MakeVideo, at_s: float
) -> None:
    with pytest.raises(MediaError, match=r"clip\d\.mp4: "):
        video_frame_png(make_video(seconds=1.0), at_s)


_HEADERS = [
    b"",
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomavc1",
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_HEADERS), st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash_probe_video(header: bytes, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.mp4"
        path.write_bytes(header + body)
        try:
            info = probe_video_file(path)
        except MediaError as err:
            assert str(err).startswith("x.mp4: ")
        else:
            assert info.width > 0 and info.duration_s > 0
