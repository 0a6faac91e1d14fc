"""Values that flow along edges: content-addressed assets and lists of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .frozen_init import fast_frozen_init


class AssetKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    JSON = "json"  # structured values: shot lists, characters


EXTENSIONS = {
    "text/plain": ".txt",
    "application/json": ".json",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/flac": ".flac",
    "audio/ogg": ".ogg",
    "application/x-subrip": ".srt",
}


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Asset:
    """A file in the library, named by the SHA-256 of its content."""

    sha256: str
    kind: AssetKind
    mime: str
    size: int
    path: Path
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    #: small text / JSON kept inside the library index; read it through the library
    inline: bool = False

    @property
    def short(self) -> str:
        return self.sha256[:12]


@dataclass(frozen=True, slots=True)
class ItemList:
    """A list flowing on one port (the shots of a scenario, or several images).

    ``None`` marks an item whose upstream work failed; the item is skipped downstream while
    its siblings go on.
    """

    items: tuple[Asset | None, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.items)

    def complete(self) -> bool:
        return all(item is not None for item in self.items)


Value = Asset | ItemList


def value_hashes(value: Value | None) -> Any:
    """The part of a cache key an input value contributes: hashes, never paths."""
    if value is None:
        return None
    if isinstance(value, Asset):
        return value.sha256
    return [item.sha256 if item is not None else None for item in value.items]


def input_hashes(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A node's inputs by port as content hashes (ports taking several: a list of them)."""
    hashes: dict[str, Any] = {}
    for name, value in inputs.items():
        if isinstance(value, tuple):
            hashes[name] = [a.sha256 for a in value]
        else:
            hashes[name] = value_hashes(value)
    return hashes


def value_assets(value: Value | None) -> list[Asset]:
    if value is None:
        return []
    if isinstance(value, Asset):
        return [value]
    return [item for item in value.items if item is not None]
