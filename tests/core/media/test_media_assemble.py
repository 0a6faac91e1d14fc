"""assemble_clips: one 9:16 H.264 file, exact total length, sound in sync, atomic and cancellable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from media_factory import decode_audio, decode_rgb_frames

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import (
    Clip,
    ClipError,
    MediaCancelled,
    VideoInfo,
    assemble_clips,
    probe_video_file,
)

MakeVideo = Callable[..., Path]
W, H, FPS = 180, 320, 24  # small 9:16 output keeps the tests fast


def assemble(clips: list[Clip], out: Path, **kwargs: object) -> VideoInfo:
    kwargs = {"width": W, "height": H, "fps": FPS, **kwargs}
    return assemble_clips(clips, out, **kwargs)  # type: ignore[arg-type]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


@pytest.mark.slow
def test_mixed_clips_become_one_vertical_h264_of_the_summed_length(
    make_video: MakeVideo, tmp_path: Path
) -> None:
    clips = [
        Clip(make_video(width=320, height=240, fps=30, seconds=2.0, audio=True)),
        Clip(make_video(width=270, height=480, fps=25, seconds=2.0), 0.5, 1.5),
        Clip(make_video(fmt="webm", width=640, height=360, fps=24, seconds=1.5, audio=True), 0.2),
    ]
    out = tmp_path / "episode.mp4"
    info = assemble(clips, out)
    expected = 2.0 + 1.0 + (probe_video_file(clips[2].path).duration_s - 0.2)
    assert (info.width, info.height, info.fps, info.codec) == (W, H, 24.0, "h264")
    assert info == probe_video_file(out)
    assert abs(info.duration_s - expected) <= 1 / FPS
    frames = decode_rgb_frames(out)
    assert len(frames) == info.frame_count == round(expected * FPS)
    assert all(f.shape == (H, W, 3) for f in frames)
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert c.streams.video[0].average_rate == FPS
        assert len(c.streams.audio) == 1
        assert c.streams.audio[0].codec_context.name == "aac"
    assert decode_audio(out).shape[1] == pytest.approx(expected * 48_000, abs=48_000 / FPS)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart


def test_no_audio_track_when_no_clip_has_sound(make_video: MakeVideo, tmp_path: Path) -> None:
    clips = [Clip(make_video(seconds=0.5)), Clip(make_video(seconds=0.5))]
    info = assemble(clips, tmp_path / "silent.mp4")
    assert not info.has_audio
    with av.open(str(tmp_path / "silent.mp4")) as c:
        assert not c.streams.audio


def test_silent_clips_contribute_silence_and_sound_stays_in_sync(
    make_video: MakeVideo, tmp_path: Path
) -> None:
    # 1 s silent clip, then 1 s of a clip whose sound starts exactly at its own t = 0.5 s,
    # trimmed to start there: the tone must begin exactly at the cut (t = 1.0 s).
    silent = make_video(seconds=1.0)
    late = make_video(
        seconds=1.5,
        audio=True,
        audio_fn=lambda t: np.where(t >= 0.5, 0.5 * np.sin(2 * np.pi * 440 * t), 0),
    )
    out = tmp_path / "sync.mp4"
    info = assemble([Clip(silent), Clip(late, 0.5, 1.5)], out)
    assert info.has_audio and info.duration_s == pytest.approx(2.0)
    audio = decode_audio(out)
    assert audio.shape == (2, 96_000)
    assert rms(audio[:, :47_000]) < 0.01
    assert rms(audio[:, 49_000:]) > 0.2
    onset = int(np.argmax(np.abs(audio[0]) > 0.1))
    assert abs(onset - 48_000) < 48_000 * 0.012  # within ~12 ms (an AAC frame is 21 ms)


def barcode(i: int, n: int) -> np.ndarray:
    """Frame i shows i in binary as 6 black/white stripes (survives compression and scaling)."""
    arr = np.zeros((H, W, 3), np.uint8)
    for bit in range(6):
        if i >> bit & 1:
            arr[:, bit * W // 6 : (bit + 1) * W // 6] = 255
    return arr


def read_barcode(frame: np.ndarray) -> int:
    return sum(
        1 << bit
        for bit in range(6)
        if frame[:, bit * W // 6 + 5 : (bit + 1) * W // 6 - 5].mean() > 128
    )


def test_trim_selects_the_right_frames(make_video: MakeVideo, tmp_path: Path) -> None:
    src = make_video(width=W, height=H, fps=30, seconds=2.0, frame_fn=barcode)
    out = tmp_path / "trim.mp4"
    assemble([Clip(src, 1.0, 1.5)], out)
    shown = [read_barcode(f) for f in decode_rgb_frames(out)]
    # Output frame k (at 24 fps) shows the source frame on screen at 1.0 + k / 24 s.
    assert shown == [int((1.0 + k / FPS) * 30 + 1e-6) for k in range(12)]


def test_frame_rate_is_resampled_without_drift(make_video: MakeVideo, tmp_path: Path) -> None:
    src = make_video(width=W, height=H, fps=15, seconds=2.0, frame_fn=barcode)
    out = tmp_path / "resampled.mp4"
    assemble([Clip(src)], out)
    shown = [read_barcode(f) for f in decode_rgb_frames(out)]
    assert shown == [int(k / FPS * 15 + 1e-6) for k in range(48)]


def test_cover_fills_the_frame_and_contain_letterboxes(
    make_video: MakeVideo, tmp_path: Path
) -> None:
    def white(i: int, n: int) -> np.ndarray:
        return np.full((180, 320, 3), 255, np.uint8)

    wide = make_video(width=320, height=180, seconds=0.25, frame_fn=white)
    cover = decode_rgb_frames(assemble_and_path(wide, tmp_path / "cover.mp4", "cover"))[0]
    contain = decode_rgb_frames(assemble_and_path(wide, tmp_path / "contain.mp4", "contain"))[0]
    assert cover.min() > 240
    # 16:9 inside 9:16: a 180 × 101 picture in the middle, black bars above and below.
    assert contain[:100].max() < 20 and contain[-100:].max() < 20
    assert contain[H // 2 - 40 : H // 2 + 40].min() > 240


def assemble_and_path(src: Path, out: Path, fit: str) -> Path:
    assemble([Clip(src)], out, fit=fit)
    return out


def test_rotated_phone_clip_is_assembled_upright(make_video: MakeVideo, tmp_path: Path) -> None:
    def top_marker(i: int, n: int) -> np.ndarray:
        arr = np.zeros((180, 320, 3), np.uint8)
        arr[:, :40] = 255  # left edge of the stored (landscape) picture
        return arr

    # Stored landscape, displayed portrait after a 90° clockwise turn: left edge → top.
    src = make_video(width=320, height=180, rotation=-90, frame_fn=top_marker, seconds=0.25)
    frame = decode_rgb_frames(assemble_and_path(src, tmp_path / "up.mp4", "cover"))[0]
    assert frame[:30].mean() > 200 and frame[-100:].mean() < 30


@pytest.mark.parametrize(
    ("trim", "message"),
    [
        ((3.0, None), r"clip 2 \(clip1\.mp4\): trim start 3\.00 s is at or past the clip's end"),
        ((0.0, 9.0), r"clip 2 \(clip1\.mp4\): trim end 9\.00 s is past the clip's end \(1\.00 s\)"),
        ((0.6, 0.4), r"clip 2 \(clip1\.mp4\): trim end 0\.40 s must be after trim start"),
        ((-1.0, None), r"clip 2 \(clip1\.mp4\): trim start -1\.0 must be zero or more"),
        ((0.5, 0.51), r"clip 2 \(clip1\.mp4\): the trimmed part .* shorter than one frame"),
    ],
)
def test_bad_trims_name_the_clip(
    make_video: MakeVideo, tmp_path: Path, trim: tuple[float, float | None], message: str
) -> None:
    good, bad = make_video(seconds=1.0), make_video(seconds=1.0)
    out = tmp_path / "out.mp4"
    with pytest.raises(ClipError, match=message) as caught:
        assemble([Clip(good), Clip(bad, *trim)], out)
    assert caught.value.index == 1 and caught.value.path == str(bad)
    assert not out.exists()


def test_broken_clip_is_named(make_video: MakeVideo, tmp_path: Path) -> None:
    fake = tmp_path / "shot2.mp4"
    fake.write_bytes(b"<html><body>Gateway Timeout</body></html>")
    with pytest.raises(ClipError, match=r"clip 2 \(shot2\.mp4\): not a video, it is a web page"):
        assemble([Clip(make_video(seconds=0.3)), Clip(fake)], tmp_path / "out.mp4")


def test_cancel_removes_partial_output_and_keeps_the_old_file(
    make_video: MakeVideo, tmp_path: Path
) -> None:
    out = tmp_path / "final.mp4"
    out.write_bytes(b"previous version")
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if fraction > 0.3:
            cancel.set()

    with pytest.raises(MediaCancelled):
        assemble([Clip(make_video(seconds=2.0))], out, cancel=cancel, progress=progress)
    assert out.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == [
        "clip0.mp4",
        "final.mp4",
    ]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    assert seen and max(seen) < 1.0


def test_progress_rises_to_exactly_one(make_video: MakeVideo, tmp_path: Path) -> None:
    seen: list[float] = []
    assemble([Clip(make_video(seconds=1.0))], tmp_path / "p.mp4", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5


def test_settings_are_checked(make_video: MakeVideo, tmp_path: Path) -> None:
    clip = Clip(make_video(seconds=0.3))
    with pytest.raises(MediaError, match="no clips"):
        assemble([], tmp_path / "o.mp4")
    with pytest.raises(MediaError, match="fit must be"):
        assemble([clip], tmp_path / "o.mp4", fit="stretch")
    with pytest.raises(MediaError, match="frame rate"):
        assemble([clip], tmp_path / "o.mp4", fps=0)
    with pytest.raises(MediaError, match="does not exist"):
        assemble([clip], tmp_path / "missing-dir" / "o.mp4")
    info = assemble([clip], tmp_path / "odd.mp4", width=181, height=321)
    assert (info.width, info.height) == (180, 320)


PATCHES = ((230, 40, 50), (40, 200, 60), (50, 70, 220), (128, 128, 128))


def patch_clip(path: Path, pix_fmt: str, tags: dict[str, int]) -> Path:
    """A 9:16 clip of four colour bands, stored as ``pix_fmt`` with colour ``tags``."""
    rgb = np.zeros((640, 360, 3), np.uint8)
    for k, colour in enumerate(PATCHES):
        rgb[k * 160 : (k + 1) * 160] = colour
    with av.open(str(path), "w") as c:
        stream = c.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 360, 640, pix_fmt
        for name, value in tags.items():
            setattr(stream.codec_context, name, value)
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                format=pix_fmt,
                dst_colorspace=tags.get("colorspace") or None,
                dst_color_range=tags.get("color_range") or None,
            )
            frame.pts = i
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode():
            c.mux(packet)
    return path


@pytest.mark.parametrize(
    ("pix_fmt", "tags"),
    [
        ("yuv420p", {"colorspace": 1, "color_range": 1}),  # BT.709, limited (our own clips)
        ("yuvj420p", {"colorspace": 1, "color_range": 2}),  # full range (phones, some models)
        ("yuv420p", {}),  # untagged
    ],
)
def test_a_clip_of_the_cuts_shape_keeps_its_colours(tmp_path: Path, pix_fmt, tags) -> None:
    src = patch_clip(tmp_path / "bands.mp4", pix_fmt, tags)
    frame = decode_rgb_frames(assemble_and_path(src, tmp_path / "out.mp4", "cover"))[0]
    for k, colour in enumerate(PATCHES):
        band = frame[k * 80 + 20 : (k + 1) * 80 - 20, 20:-20].reshape(-1, 3).mean(axis=0)
        assert band == pytest.approx(colour, abs=8), (k, band)
