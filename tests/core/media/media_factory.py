"""Small media files with known content, and decoders to check what our code wrote."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image


def encode_video(
    path: Path,
    *,
    width: int = 160,
    height: int = 96,
    fps: int = 30,
    seconds: float = 1.0,
    audio: bool = False,
    tone_hz: float = 440.0,
    audio_rate: int = 44_100,
    rotation: int | None = None,
    frame_fn: Callable[[int, int], np.ndarray] | None = None,
    audio_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    fmt: str = "mp4",
) -> Path:
    """Write a clip whose frame i is ``frame_fn(i, n)`` (default: red = i / (n - 1) × 255).

    With ``audio``, the mono track is ``audio_fn(times)`` (default: a steady sine tone).
    """
    n = round(seconds * fps)
    vcodec, acodec = ("libx264", "aac") if fmt == "mp4" else ("libvpx-vp9", "libopus")
    rate = audio_rate if fmt == "mp4" else 48_000
    with av.open(str(path), "w", format=fmt) as c:
        v = c.add_stream(vcodec, rate=fps)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        if rotation is not None:
            v.set_display_rotation(rotation)
        a = c.add_stream(acodec, rate=rate, layout="mono") if audio else None
        for i in range(n):
            if frame_fn is None:
                arr = np.zeros((height, width, 3), np.uint8)
                arr[..., 0] = round(i * 255 / max(1, n - 1))
            else:
                arr = frame_fn(i, n)
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            frame.pts = i
            for p in v.encode(frame):
                c.mux(p)
        if a is not None:
            total = round(seconds * rate)
            t = np.arange(total) / rate
            wave = audio_fn(t) if audio_fn else 0.5 * np.sin(2 * np.pi * tone_hz * t)
            samples = wave.astype(np.float32)[None, :]
            for k in range(0, total, 960):
                chunk = np.ascontiguousarray(samples[:, k : k + 960])
                af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                af.sample_rate, af.pts = rate, k
                for p in a.encode(af):
                    c.mux(p)
        for stream in (v, a):
            if stream is not None:
                for p in stream.encode():
                    c.mux(p)
    return path


def image_bytes(
    mode: str = "RGB",
    size: tuple[int, int] = (64, 48),
    fmt: str = "PNG",
    color: tuple = (200, 30, 40),
    **save: object,
) -> bytes:
    im = Image.new(mode, size, color)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **save)
    return buf.getvalue()


def gradient_png(width: int, height: int) -> bytes:
    """A smooth but non-trivial RGB image (compresses like a real picture, not like noise)."""
    y, x = np.mgrid[0:height, 0:width]
    arr = np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) % 256], axis=-1
    ).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def decode_rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def decode_audio(path: Path) -> np.ndarray:
    """All audio samples of the first audio track as a (channels, n) float array."""
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray().reshape(len(f.layout.channels), -1) for f in c.decode(audio=0)]
    return np.concatenate(chunks, axis=1)
