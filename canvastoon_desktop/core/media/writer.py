"""Encode RGB frames (and optional stereo audio) into an H.264/AAC MP4 phones play everywhere."""

from __future__ import annotations

import contextlib
import numbers
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import numpy as np
from av.video.frame import PictureType

from canvastoon_desktop.core.errors import MediaError

AUDIO_RATE = 48_000
MAX_SIDE = 4096
_BT709 = 1  # AVCOL_PRI/TRC/SPC_BT709
_LIMITED = 1  # AVCOL_RANGE_MPEG


def to_output_yuv(
    frame: Any, width: int | None = None, height: int | None = None, interpolation: Any = None
) -> Any:
    """``frame`` (any format) as the writer takes it: yuv420p, BT.709, limited range, scaled
    to ``width`` × ``height`` in the same pass. A frame already in that form is returned
    as it is (no copy)."""
    return frame.reformat(
        width,
        height,
        "yuv420p",
        dst_colorspace="ITU709",
        dst_color_range="MPEG",
        interpolation=interpolation,
    )


def check_video_size(width: int, height: int, fps: int) -> tuple[int, int]:
    """Validate output settings; odd sizes are rounded down to even (H.264 4:2:0 needs it)."""
    if not (isinstance(fps, numbers.Integral) and 1 <= fps <= 120):
        raise MediaError(f"frame rate must be a whole number from 1 to 120, not {fps!r}")
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise MediaError(f"video size {width} × {height} must be between 16 and {MAX_SIDE}")
    return int(width) - int(width) % 2, int(height) - int(height) % 2


class Mp4Writer:
    """Writes to an already-reserved path (see ``media_output``); ``close()`` finalises it.

    Video is BT.709 limited-range yuv420p, tagged as such, with the index at the front of the
    file (``+faststart``) so playback can begin before the file is fully downloaded.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps: int,
        audio: bool,
        crf: int = 20,
        preset: str = "veryfast",
        label: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.label = label or self.path.name
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0
        self.samples = 0
        self._closed = False
        try:
            self._out = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
            v = self._out.add_stream(
                "libx264",
                rate=fps,
                options={"crf": str(crf), "preset": preset, "g": str(2 * fps)},
            )
            v.width, v.height, v.pix_fmt = width, height, "yuv420p"
            cc = v.codec_context
            cc.color_primaries = cc.color_trc = cc.colorspace = _BT709
            cc.color_range = _LIMITED
            self._video: Any = v
            self._time_base = Fraction(1, fps)
            self._audio: Any = None
            if audio:
                a = self._out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
                a.bit_rate = 160_000
                self._audio = a
        except Exception as exc:
            self.abort()
            raise MediaError(f"{self.label}: cannot start the video encoder ({exc})") from None

    @property
    def has_audio(self) -> bool:
        return self._audio is not None

    def _failed(self, exc: Exception) -> MediaError:
        text = str(getattr(exc, "strerror", None) or exc).strip().splitlines()
        reason = text[0][:120] if text else type(exc).__name__
        return MediaError(f"{self.label}: cannot be written ({reason}; is the disk full?)")

    def write_rgb(self, rgb: np.ndarray) -> None:
        """Append one H×W×3 uint8 RGB frame of exactly the output size."""
        try:
            frame = to_output_yuv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))
        except Exception as exc:
            raise self._failed(exc) from None
        self.write_frame(frame)

    def write_frame(self, frame: Any) -> None:
        """Append one frame already in the output's form: yuv420p of exactly the output size,
        BT.709 limited range (``to_output_yuv``). The same frame may be written again (a
        held picture): it is numbered here, and the type its decoder gave it is dropped, so
        the encoder places its own key frames."""
        try:
            frame.pts = self.frames
            frame.time_base = self._time_base
            frame.pict_type = PictureType.NONE
            self.frames += 1
            for packet in self._video.encode(frame):
                self._out.mux(packet)
        except Exception as exc:
            raise self._failed(exc) from None

    def write_audio(self, samples: np.ndarray) -> None:
        """Append 2×N float32 samples at 48 kHz (planar stereo)."""
        if self._audio is None or samples.shape[1] == 0:
            return
        try:
            data = np.ascontiguousarray(samples, dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(data, format="fltp", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.samples
            self.samples += data.shape[1]
            for packet in self._audio.encode(frame):
                self._out.mux(packet)
        except Exception as exc:
            raise self._failed(exc) from None

    def close(self) -> None:
        """Flush the encoders and write the file's index."""
        if self._closed:
            return
        try:
            for stream in (self._video, self._audio):
                if stream is not None:
                    for packet in stream.encode():
                        self._out.mux(packet)
            self._closed = True
            self._out.close()
        except Exception as exc:
            self.abort()
            raise self._failed(exc) from None

    def abort(self) -> None:
        if not self._closed and hasattr(self, "_out"):
            self._closed = True
            with contextlib.suppress(Exception):
                self._out.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
