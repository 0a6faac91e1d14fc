"""Join clips into one vertical H.264/AAC MP4: trim, fit to the frame, resample to one rate.

Timing is computed on one shared timeline: clip boundaries are rounded to whole output frames
from the running total (so lengths never drift), and each clip's audio is cut or padded with
silence to exactly its video length, so sound stays in sync however many clips are joined.

A finished short brings its own sound (the mix of dialogue, music and the clips' kept sound,
see ``clip_sound`` and ``mix.py``) and captions burned in frame by frame.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.captions import Overlay, burn
from canvastoon_desktop.core.media.fit import Fit, place, scaled_size
from canvastoon_desktop.core.media.image import file_label
from canvastoon_desktop.core.media.output import media_output
from canvastoon_desktop.core.media.progress import Progress, check_cancel
from canvastoon_desktop.core.media.types import Clip, ClipError, VideoInfo
from canvastoon_desktop.core.media.video import (
    frame_time,
    frame_to_rgb,
    open_video,
    origin_s,
    probe_video_file,
    rotation_quarters,
    short,
)
from canvastoon_desktop.core.media.writer import (
    AUDIO_RATE,
    Mp4Writer,
    check_video_size,
    to_output_yuv,
)

_EPS = 1e-3


@dataclass(frozen=True, slots=True)
class _Plan:
    index: int
    path: Path
    info: VideoInfo
    start: float
    end: float


def _problem(err: MediaError, path: Path) -> str:
    text, prefix = str(err), f"{file_label(path)}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _plan(index: int, clip: Clip, fps: int) -> _Plan:
    path = Path(clip.path)
    try:
        info = probe_video_file(path)
    except MediaError as err:
        raise ClipError(index, path, _problem(err, path)) from None
    start, end = clip.trim_start_s, clip.trim_end_s
    duration = info.duration_s
    if not isinstance(start, int | float) or not math.isfinite(start) or start < 0:
        raise ClipError(index, path, f"trim start {start!r} must be zero or more seconds")
    if end is None:
        end = duration
    elif not isinstance(end, int | float) or not math.isfinite(end):
        raise ClipError(index, path, f"trim end {end!r} is not a number of seconds")
    if start >= duration:
        raise ClipError(
            index, path, f"trim start {start:.2f} s is at or past the clip's end ({duration:.2f} s)"
        )
    if end > duration + max(0.05, 1 / info.fps):
        raise ClipError(
            index, path, f"trim end {end:.2f} s is past the clip's end ({duration:.2f} s)"
        )
    end = min(end, duration)
    if end <= start:
        raise ClipError(index, path, f"trim end {end:.2f} s must be after trim start {start:.2f} s")
    if end - start < 1 / fps - _EPS:
        raise ClipError(
            index, path, f"the trimmed part ({end - start:.3f} s) is shorter than one frame"
        )
    return _Plan(index, path, info, float(start), float(end))


class _AudioCursor:
    """A clip's sound, resampled to 48 kHz stereo, cut to start at the trim point."""

    def __init__(self, start_s: float, total: int) -> None:
        self.start_s = start_s
        self.total = total
        self.written = 0
        self._resampler: Any = None
        self._skip: int | None = None
        self._pending: list[np.ndarray] = []
        self._available = 0

    @property
    def full(self) -> bool:
        return self.written + self._available >= self.total

    def feed(self, frame: Any, origin: float) -> None:
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
            t0 = frame_time(frame, origin) or 0.0
            offset = round((t0 - self.start_s) * AUDIO_RATE)
            if offset > 0:  # the sound starts after the trim point: lead in with silence
                self._push(np.zeros((2, min(offset, self.total)), np.float32))
            self._skip = max(0, -offset)
        self._resample(frame)

    def _resample(self, frame: Any) -> None:
        for out in self._resampler.resample(frame):
            arr = out.to_ndarray().reshape(2, -1)
            if self._skip:
                cut = min(self._skip, arr.shape[1])
                arr, self._skip = arr[:, cut:], self._skip - cut
            self._push(arr)

    def _push(self, arr: np.ndarray) -> None:
        room = self.total - self.written - self._available
        if room > 0 and arr.shape[1]:
            arr = arr[:, :room]
            self._pending.append(arr)
            self._available += arr.shape[1]

    def take(self, upto: int) -> np.ndarray:
        """Samples up to clip-relative index ``upto`` that have arrived so far."""
        n = min(upto - self.written, self._available)
        if n <= 0:
            return np.zeros((2, 0), np.float32)
        pending = self._pending
        joined = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
        out, rest = joined[:, :n], joined[:, n:]
        self._pending = [rest] if rest.shape[1] else []
        self._available -= n
        self.written += n
        return out

    def finish(self) -> np.ndarray:
        """The rest of the clip's sound, padded with silence to exactly its length."""
        if self._resampler is not None:
            self._resample(None)
        rest = self.take(self.total)
        pad = self.total - self.written
        self.written = self.total
        return np.concatenate([rest, np.zeros((2, pad), np.float32)], axis=1) if pad else rest


#: the caption to burn into output frame n (None: none)
CaptionAt = Callable[[int], Overlay | None]


@dataclass
class _Job:
    writer: Mp4Writer
    width: int
    height: int
    fps: int
    fit: Fit
    cancel: threading.Event | None
    progress: Progress
    #: the finished sound of the whole cut, written instead of the clips' own
    track: np.ndarray | None = None
    captions: CaptionAt | None = None
    #: without a track: the clips whose own sound is written (0-based; None: all)
    keep: Collection[int] | None = None

    def hears(self, plan: _Plan) -> bool:
        """Whether ``plan``'s own sound goes into the file (else silence of its length)."""
        return self.track is None and _sounds(plan, self.keep)


def _sounds(plan: _Plan, keep: Collection[int] | None) -> bool:
    return plan.info.has_audio and (keep is None or plan.index in keep)


def _fit_frame(frame: Any, job: _Job) -> Any:
    """A decoded frame as the writer takes it (yuv420p at the output size, BT.709). A clip
    of the cut's shape — the usual 9:16 — is scaled and converted in one pass, never through
    RGB; one that must be rotated, cropped or padded goes through RGB to be placed."""
    quarters = rotation_quarters(frame)
    w, h = (frame.height, frame.width) if quarters % 2 else (frame.width, frame.height)
    size = scaled_size(w, h, job.width, job.height, job.fit)
    if quarters == 0 and size == (job.width, job.height):
        shrinking = job.width * job.height < w * h
        return to_output_yuv(frame, job.width, job.height, "AREA" if shrinking else "BICUBIC")
    rgb = place(frame_to_rgb(frame, size), job.width, job.height)
    return to_output_yuv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))


def _render(
    plan: _Plan, job: _Job, first_frame: int, n_frames: int, sample_at: Callable[[int], int]
) -> None:
    """Write one clip's ``n_frames`` frames (and its sound) starting at global ``first_frame``."""
    base = sample_at(first_frame)
    cursor = _AudioCursor(plan.start, sample_at(first_frame + n_frames) - base)
    emitted = 0
    prev: Any = None
    fitted: tuple[Any, Any] = (None, None)  # (decoded frame, it fitted): a held frame
    burned: tuple[Any, Any, Any] = (None, None, None)  # (fitted, caption, both)

    def emit(frame: Any) -> None:
        nonlocal emitted, fitted, burned
        if fitted[0] is not frame:
            fitted = (frame, _fit_frame(frame, job))
        picture = fitted[1]
        caption = job.captions(first_frame + emitted) if job.captions else None
        if caption is not None:  # only the frames that show a caption, only its box
            if burned[0] is not picture or burned[1] is not caption:
                burned = (picture, caption, burn(picture, caption))
            picture = burned[2]
        job.writer.write_frame(picture)
        emitted += 1
        if job.track is not None:
            job.writer.write_audio(
                job.track[
                    :, sample_at(first_frame + emitted - 1) : sample_at(first_frame + emitted)
                ]
            )
        else:
            job.writer.write_audio(cursor.take(sample_at(first_frame + emitted) - base))
        job.progress.update(first_frame + emitted)
        check_cancel(job.cancel)

    with open_video(plan.path) as container:
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        with_audio = job.writer.has_audio and job.hears(plan)
        streams = [vs, container.streams.audio[0]] if with_audio else [vs]
        origin = origin_s(container)
        where = plan.start
        try:
            if plan.start > 0:
                container.seek(int((plan.start + origin) / vs.time_base), stream=vs)
            for packet in container.demux(*streams):
                video_done = emitted >= n_frames
                if video_done and (not with_audio or cursor.full):
                    break
                if packet.stream is not vs:
                    for aframe in packet.decode():
                        cursor.feed(aframe, origin)
                    continue
                if video_done:
                    continue
                for frame in packet.decode():
                    t = frame_time(frame, origin)
                    if t is not None:
                        where = t
                    while (
                        prev is not None
                        and emitted < n_frames
                        and t is not None
                        and t > plan.start + emitted / job.fps + _EPS
                    ):
                        emit(prev)
                    prev = frame
        except MediaError:  # cancelled, or the output cannot be written: not the clip's fault
            raise
        except Exception as exc:
            raise ClipError(
                plan.index, plan.path, f"cannot be decoded at about {where:.2f} s ({short(exc)})"
            ) from None
        if prev is None:
            raise ClipError(plan.index, plan.path, "no picture can be decoded in the trimmed part")
        while emitted < n_frames:  # the file ended a little early: hold its last frame
            emit(prev)
        if job.track is None:
            job.writer.write_audio(cursor.finish())


def _sampler(fps: int) -> Callable[[int], int]:
    def sample_at(frame_index: int) -> int:
        return frame_index * AUDIO_RATE // fps

    return sample_at


def timeline(clips: Sequence[Clip], fps: int, fit: Fit = "cover") -> tuple[list[_Plan], list[int]]:
    """Every clip checked, and the output frame each one starts at (plus the total)."""
    if not clips:
        raise MediaError("nothing to assemble: no clips were given")
    if fit not in ("cover", "contain"):
        raise MediaError(f"fit must be 'cover' or 'contain', not {fit!r}")
    plans = [_plan(i, clip, fps) for i, clip in enumerate(clips)]
    # Frame boundaries come from the running total, rounded half up, so every clip of at
    # least one frame gets at least one frame and the total is within half a frame.
    bounds, elapsed = [0], 0.0
    for plan in plans:
        elapsed += plan.end - plan.start
        bounds.append(math.floor(elapsed * fps + 0.5))
    return plans, bounds


def timeline_seconds(clips: Sequence[Clip], fps: int) -> list[float]:
    """Where each clip starts in the cut, in seconds, plus the cut's length."""
    _plans, bounds = timeline(clips, fps)
    return [b / fps for b in bounds]


def clip_sound(
    clips: Sequence[Clip],
    fps: int,
    *,
    keep: Collection[int] | None = None,
    cancel: threading.Event | None = None,
) -> np.ndarray | None:
    """The clips' own sound on the cut's timeline (stereo, 48 kHz), each clip's cut or padded
    to its length as in the video; clips not in ``keep`` (0-based; None keeps all) are
    silent. None when no kept clip has sound."""
    plans, bounds = timeline(clips, fps)
    sample_at = _sampler(fps)
    kept = [
        (plan, first, last)
        for plan, first, last in zip(plans, bounds, bounds[1:], strict=False)
        if _sounds(plan, keep)
    ]
    if not kept:
        return None
    track = np.zeros((2, sample_at(bounds[-1])), np.float32)
    for plan, first, last in kept:
        check_cancel(cancel)
        start, total = sample_at(first), sample_at(last) - sample_at(first)
        cursor = _AudioCursor(plan.start, total)
        try:
            with open_video(plan.path) as container:
                stream = container.streams.audio[0]
                origin = origin_s(container)
                if plan.start > 0 and stream.time_base:
                    container.seek(int((plan.start + origin) / stream.time_base), stream=stream)
                for packet in container.demux(stream):
                    for frame in packet.decode():
                        cursor.feed(frame, origin)
                    if cursor.full:
                        break
        except MediaError:
            raise
        except Exception as exc:
            raise ClipError(
                plan.index, plan.path, f"its sound cannot be decoded ({short(exc)})"
            ) from None
        track[:, start : start + total] = cursor.finish()
    return track


def assemble_clips(
    clips: Sequence[Clip],
    out_path: str | Path,
    *,
    width: int = 720,
    height: int = 1280,
    fps: int = 24,
    fit: Fit = "cover",
    cancel: threading.Event | None = None,
    progress: Callable[[float], None] | None = None,
    sound: np.ndarray | None = None,
    captions: CaptionAt | None = None,
    keep_clip_sound: Collection[int] | None = None,
) -> VideoInfo:
    """Join ``clips`` (trimmed, fitted, at ``fps``) into one MP4 at ``out_path``.

    Every clip is checked before encoding starts. Without ``sound`` there is an AAC track
    only if some clip in ``keep_clip_sound`` (0-based; None: every clip) has sound; the
    others contribute silence of their length. With ``sound`` (stereo 48 kHz samples of the
    whole cut) that is the AAC track, cut or padded to the video's length. ``captions`` gives the caption to burn
    into each output frame. ``out_path`` is replaced only when the whole file is written;
    cancelling raises MediaCancelled and leaves nothing.
    """
    width, height = check_video_size(width, height, fps)
    plans, bounds = timeline(clips, fps, fit)
    check_cancel(cancel)
    sample_at = _sampler(fps)
    track = None
    if sound is not None:
        total = sample_at(bounds[-1])
        track = np.zeros((2, total), np.float32)
        track[:, : min(total, sound.shape[1])] = sound[:, :total]
    has_audio = track is not None or any(_sounds(plan, keep_clip_sound) for plan in plans)
    reporter = Progress(progress, bounds[-1])
    with media_output(out_path) as tmp:
        with Mp4Writer(
            tmp, width=width, height=height, fps=fps, audio=has_audio, label=Path(out_path).name
        ) as writer:
            job = _Job(
                writer, width, height, fps, fit, cancel, reporter, track, captions, keep_clip_sound
            )
            for plan, first, last in zip(plans, bounds, bounds[1:], strict=False):
                _render(plan, job, first, last - first, sample_at)
        info = probe_video_file(tmp)
    reporter.finish()
    return info
