"""Value types and errors shared by the media helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from canvastoon_desktop.core.errors import MediaError

ImageFormat = Literal["png", "jpeg", "webp", "gif"]


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What a fully decoded image turned out to be (size as displayed, EXIF rotation applied)."""

    width: int
    height: int
    format: ImageFormat
    mime: str
    mode: str
    has_alpha: bool
    frames: int = 1


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a video turned out to be (size as displayed, rotation metadata applied)."""

    width: int
    height: int
    duration_s: float
    fps: float
    codec: str
    has_audio: bool
    frame_count: int  # from the container when it says so, else duration × fps


@dataclass(frozen=True, slots=True)
class Clip:
    """One piece of an assembled video: a file and the part of it to keep."""

    path: str | Path
    trim_start_s: float = 0.0
    trim_end_s: float | None = None  # None: to the end of the file


class MediaCancelled(MediaError):
    """The caller set the cancel event; nothing was written."""

    def __init__(self, message: str = "cancelled; nothing was written") -> None:
        super().__init__(message)


class ClipError(MediaError):
    """One clip of an assembly is unusable; ``index`` is 0-based, the message counts from 1."""

    def __init__(self, index: int, path: str | Path, problem: str) -> None:
        self.index = index
        self.path = str(path)
        self.problem = problem
        super().__init__(f"clip {index + 1} ({Path(path).name}): {problem}")

    def __reduce__(self) -> tuple[type[ClipError], tuple[int, str, str]]:
        return type(self), (self.index, self.path, self.problem)
