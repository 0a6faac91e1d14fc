"""Open and describe videos with PyAV, refusing anything that is not a sound MP4/MOV/WebM/MKV.

The demuxer is chosen from the file's magic bytes, never left to FFmpeg's guessing: a hostile
"video" that is really a playlist or a concat script could otherwise make FFmpeg read other
local files.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from typing import Any

import av
import numpy as np
from av.container import InputContainer
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.image import encode_png, file_label, read_head
from canvastoon_desktop.core.media.sniff import describe_head, sniff_mime
from canvastoon_desktop.core.media.types import VideoInfo

_DEMUXERS = {"video/mp4": "mov", "video/webm": "matroska", "video/x-matroska": "matroska"}
MAX_VIDEO_SIDE = 8192
_EPS = 1e-3


def short(exc: BaseException) -> str:
    """First line of an exception's text, for the parenthesis of a plain-language message."""
    if isinstance(exc, av.FFmpegError) and exc.strerror:
        return str(exc.strerror)[:120]
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:120]


def open_video(path: str | os.PathLike[str], label: str | None = None) -> InputContainer:
    """Open a video container for reading after checking its magic bytes."""
    label = label or file_label(path)
    head = read_head(path, 4096, label=label)
    mime = sniff_mime(head)
    if mime not in _DEMUXERS:
        raise MediaError(f"{label}: not a video, it is {describe_head(head)}")
    try:
        return av.open(os.fspath(path), format=_DEMUXERS[mime])
    except Exception as exc:
        raise MediaError(f"{label}: is damaged and cannot be opened ({short(exc)})") from None


def origin_s(container: InputContainer) -> float:
    """The timestamp the file's timeline starts at; frame times are taken relative to it."""
    start = container.start_time
    return start / 1_000_000 if start is not None else 0.0


def frame_time(frame: Any, origin: float) -> float | None:
    t = frame.time
    return None if t is None else float(t) - origin


def _duration(container: InputContainer, vs: Any) -> float | None:
    if vs.duration and vs.time_base and vs.duration > 0:
        return float(vs.duration * vs.time_base)
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    return None


def _scan_duration(container: InputContainer, vs: Any, origin: float) -> float | None:
    """Duration from packet timestamps, for files whose headers do not say."""
    end = None
    for packet in container.demux(vs):
        if packet.pts is None or packet.time_base is None:
            continue
        t = float((packet.pts + (packet.duration or 0)) * packet.time_base) - origin
        end = t if end is None else max(end, t)
    container.seek(0)
    return end


def _fps(vs: Any, duration: float) -> float:
    for rate in (vs.average_rate, vs.guessed_rate, vs.base_rate):
        if rate and 0 < float(rate) <= 1000:
            return float(rate)
    if vs.frames and duration > 0:
        return float(vs.frames) / duration
    return 24.0


def first_frame(container: InputContainer, vs: Any, label: str) -> Any:
    try:
        for frame in container.decode(vs):
            return frame
    except Exception as exc:
        raise MediaError(f"{label}: its first frame cannot be decoded ({short(exc)})") from None
    raise MediaError(f"{label}: contains no picture that can be decoded")


def rotation_quarters(frame: Any) -> int:
    """Counter-clockwise quarter turns the file asks players to apply (phone videos)."""
    try:
        return round((frame.rotation or 0) / 90) % 4
    except Exception:
        return 0


def describe(container: InputContainer, label: str) -> tuple[VideoInfo, Any]:
    """VideoInfo of an open container, plus its decoded first frame."""
    if not container.streams.video:
        if container.streams.audio:
            raise MediaError(f"{label}: has no video track (it holds only sound)")
        raise MediaError(f"{label}: is empty (it holds no video or sound)")
    vs = container.streams.video[0]
    try:
        cc = vs.codec_context
        width, height, codec = int(cc.width), int(cc.height), str(cc.name)
    except Exception:
        raise MediaError(f"{label}: uses a video codec this app cannot decode") from None
    if width <= 0 or height <= 0:
        raise MediaError(f"{label}: reports no picture size")
    if width > MAX_VIDEO_SIDE or height > MAX_VIDEO_SIDE:
        raise MediaError(f"{label}: refused, {width} × {height} is larger than 8K")
    origin = origin_s(container)
    duration = _duration(container, vs)
    if duration is None:
        try:
            duration = _scan_duration(container, vs, origin)
        except Exception as exc:
            raise MediaError(f"{label}: is damaged and cannot be read ({short(exc)})") from None
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise MediaError(f"{label}: has zero length")
    fps = _fps(vs, duration)
    frame = first_frame(container, vs, label)
    if rotation_quarters(frame) % 2:
        width, height = height, width
    frames = int(vs.frames) if vs.frames and vs.frames > 0 else max(1, round(duration * fps))
    info = VideoInfo(
        width=width,
        height=height,
        duration_s=duration,
        fps=fps,
        codec=codec,
        has_audio=bool(container.streams.audio),
        frame_count=frames,
    )
    return info, frame


def probe_video_file(path: str | os.PathLike[str]) -> VideoInfo:
    """Describe a video file, decoding its first frame to prove it is playable.

    The answer for a file that has not changed since (same size, modification time and
    inode) is remembered: assembling a cut asks about each clip several times."""
    try:
        stat = os.stat(path)
    except OSError:
        return _probe(os.fspath(path))  # it says what is wrong with the path
    return _remembered_probe(os.fspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@functools.lru_cache(maxsize=512)
def _remembered_probe(path: str, _size: int, _mtime_ns: int, _inode: int) -> VideoInfo:
    return _probe(path)


def _probe(path: str) -> VideoInfo:
    label = file_label(path)
    with open_video(path, label) as container:
        info, _frame = describe(container, label)
        return info


def frame_to_rgb(frame: Any, size: tuple[int, int] | None = None) -> np.ndarray:
    """Decoded frame → upright H×W×3 uint8 RGB, scaled to ``size`` (display width, height)."""
    quarters = rotation_quarters(frame)
    kwargs: dict[str, Any] = {"format": "rgb24"}
    if size is not None:
        w, h = size if quarters % 2 == 0 else (size[1], size[0])
        if (w, h) != (frame.width, frame.height):
            shrinking = w * h < frame.width * frame.height
            kwargs.update(width=w, height=h, interpolation="AREA" if shrinking else "BICUBIC")
    arr: np.ndarray = frame.to_ndarray(**kwargs)
    if quarters:
        arr = np.ascontiguousarray(np.rot90(arr, quarters))
    return arr


def fit_inside(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def frame_at(container: InputContainer, at_s: float, label: str) -> Any:
    """The frame on screen at ``at_s`` seconds (the last one starting at or before it)."""
    vs = container.streams.video[0]
    origin = origin_s(container)
    best = None
    try:
        if at_s > 0 and vs.time_base:
            container.seek(int((at_s + origin) / vs.time_base), stream=vs, backward=True)
        for frame in container.decode(vs):
            t = frame_time(frame, origin)
            if best is not None and t is not None and t > at_s + _EPS:
                break
            best = frame
    except Exception as exc:
        if best is None:
            raise MediaError(
                f"{label}: the frame at {at_s:.2f} s cannot be decoded ({short(exc)})"
            ) from None
    if best is None:
        raise MediaError(f"{label}: no frame could be decoded at {at_s:.2f} s")
    return best


def video_frame_png(
    path: str | os.PathLike[str], at_s: float = 0.0, max_side: int | None = None
) -> bytes:
    """PNG of the frame shown at ``at_s`` seconds, upright, optionally fitted to ``max_side``."""
    label = file_label(path)
    if not math.isfinite(at_s) or at_s < 0:
        raise MediaError(f"{label}: cannot take a frame at {at_s} s")
    return grab_frame_png(path, lambda _info: at_s, max_side)


def grab_frame_png(
    path: str | os.PathLike[str],
    pick: Callable[[VideoInfo], float],
    max_side: int | None,
    *,
    compress_level: int = 3,
) -> bytes:
    """PNG of the frame at the time ``pick`` chooses once the video's length is known."""
    label = file_label(path)
    with open_video(path, label) as container:
        info, first = describe(container, label)
        at_s = pick(info)
        if at_s > info.duration_s + _EPS:
            raise MediaError(
                f"{label}: {at_s:.2f} s is past the end of the video ({info.duration_s:.2f} s)"
            )
        frame = first if at_s <= 0 else frame_at(container, at_s, label)
        size = fit_inside(info.width, info.height, max_side)
        rgb = frame_to_rgb(frame, size)
    return encode_png(Image.fromarray(rgb), compress_level=compress_level)
