"""Exporting assets out of the library: a file per asset, named for people, with its
provenance beside it (a JSON sidecar) and inside it (PNG text chunks / MP4 metadata).

Provenance never carries a secret: every text goes through ``redact_secrets`` (the API keys
this process has seen), and parameters whose *names* say they hold a credential are dropped
whatever their value.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import media
from .assets import EXTENSIONS, Asset, AssetKind
from .atomic import atomic_output, atomic_write_bytes, atomic_write_text
from .errors import CoreError, MediaError
from .library import Library
from .library.query import provenance, provenance_as_json
from .secrets import REDACTED, redact_secrets

__all__ = [
    "PNG_PROVENANCE_KEY",
    "Exported",
    "export_assets",
    "provenance_record",
    "provenance_text",
    "safe_name",
]

#: the PNG text chunk / MP4 tag that holds the provenance JSON
PNG_PROVENANCE_KEY = "canvastoon:provenance"
MP4_PROVENANCE_TAG = "comment"
FORMAT_TAG = "canvastoon-provenance"
#: subtitles: exported under the name of the video they caption
SUBTITLE_MIMES = frozenset({"application/x-subrip"})

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SECRET_NAME = re.compile(
    r"(?:^|[_-])(api[_-]?key|apikey|token|secret|password|passwd|authorization|bearer"
    r"|credentials?)$",
    re.IGNORECASE,
)


def safe_name(text: str, fallback: str = "asset", limit: int = 60) -> str:
    """A file-name part with no separators, dots-only or control characters."""
    cleaned = _UNSAFE.sub("-", text).strip(".-")[:limit]
    return cleaned or fallback


@dataclass(frozen=True)
class Exported:
    asset: Asset
    path: Path
    sidecar: Path | None


def scrub(value: Any) -> Any:
    """``value`` with credential-named keys dropped and known secrets redacted, recursively."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_NAME.search(k) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return redact_secrets(value)
    return value


def provenance_record(library: Library, asset: Asset) -> dict[str, Any]:
    """The asset's provenance as plain JSON: what it is, the result that produced it (the
    newest, if several did), the other results that did, and its review."""
    rows = [provenance_as_json(p) for p in provenance(library, asset.sha256)]
    review = library.review(asset.sha256)
    record: dict[str, Any] = {
        "format": FORMAT_TAG,
        "version": 1,
        "sha256": asset.sha256,
        "kind": asset.kind.value,
        "mime": asset.mime,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "duration_s": asset.duration_s,
        "review": {"rating": review.rating, "rejected": review.rejected, "note": review.note},
        "exported_at": round(time.time(), 3),
        "software": "CanvasToon Desktop",
    }
    if rows:
        record["produced_by"] = rows[0]
        if len(rows) > 1:
            record["also_produced_by"] = rows[1:10]
    scrubbed: dict[str, Any] = scrub(record)  # a dict stays a dict
    return scrubbed


def provenance_text(record: dict[str, Any]) -> str:
    return redact_secrets(json.dumps(record, ensure_ascii=False, indent=1, default=str))


def export_assets(
    library: Library,
    assets: Iterable[Asset],
    folder: Path,
    *,
    prefix: str = "",
    sidecars: bool = True,
    embed: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[Exported]:
    """Write each asset to ``folder`` as ``[prefix_]NN_title_sha.ext`` (with ``.json``
    sidecars and embedded provenance); an existing file of the same name is replaced. A
    subtitle exported with the video it captions is named like the video (``….srt`` beside
    ``….mp4``), so players load it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CoreError(f"cannot create the export folder {folder}: {exc.strerror}") from None
    items = list(assets)
    records = [provenance_record(library, asset) for asset in items]
    stems = [
        _stem(prefix, index, asset, record)
        for index, (asset, record) in enumerate(zip(items, records, strict=True), start=1)
    ]
    for subtitle, video in _captioned_videos(library, items).items():
        stems[subtitle] = stems[video]
    done: list[Exported] = []
    for index, (asset, record, stem) in enumerate(zip(items, records, stems, strict=True), start=1):
        target = folder / (stem + EXTENSIONS.get(asset.mime, ".bin"))
        text = provenance_text(record)
        try:
            _write_with_provenance(library, asset, target, record if embed else None, text)
            sidecar = None
            if sidecars:
                sidecar = target.with_name(target.name + ".json")
                atomic_write_text(sidecar, text + "\n")
        except OSError as exc:
            raise CoreError(f"cannot write {target}: {exc.strerror}") from None
        for path in (target, sidecar):
            if path is not None:  # temp files are private; an export is for sharing
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o644)
        done.append(Exported(asset, target, sidecar))
        if progress is not None:
            progress(index, len(items))
    return done


def _stem(prefix: str, index: int, asset: Asset, record: dict[str, Any]) -> str:
    produced = record.get("produced_by") or {}
    title = produced.get("node_title") or asset.kind.value
    parts = (
        safe_name(prefix, "") if prefix else "",
        f"{index:02d}",
        safe_name(str(title)),
        asset.sha256[:10],
    )
    return "_".join(p for p in parts if p)


def _captioned_videos(library: Library, items: list[Asset]) -> dict[int, int]:
    """Subtitle index → the index of the exported video it captions: the first video that
    came out of the same node result (Assemble Short's MP4 and its SRT). Players load a
    sidecar only when its name matches the video's, so the subtitle takes the video's stem;
    each video gets at most one."""
    results: dict[int, set[int]] = {}
    for i, asset in enumerate(items):
        if asset.mime in SUBTITLE_MIMES or asset.kind is AssetKind.VIDEO:
            results[i] = {p.result_id for p in provenance(library, asset.sha256)}
    pairs: dict[int, int] = {}
    for i, asset in enumerate(items):
        if asset.mime not in SUBTITLE_MIMES:
            continue
        video = next(
            (
                j
                for j, other in enumerate(items)
                if other.kind is AssetKind.VIDEO
                and j not in pairs.values()
                and results[i] & results[j]
            ),
            None,
        )
        if video is not None:
            pairs[i] = video
    return pairs


def _write_with_provenance(
    library: Library, asset: Asset, target: Path, record: dict[str, Any] | None, text: str
) -> None:
    source = library.file_path(asset) if asset.kind is AssetKind.VIDEO else None
    if source is None:
        data = library.read_bytes(asset)
        if asset.kind in (AssetKind.TEXT, AssetKind.JSON):  # a key must not leave in a text
            data = redact_secrets(data.decode("utf-8", "replace")).encode("utf-8")
        if record is not None and asset.mime == "image/png":
            with contextlib.suppress(MediaError):  # else the sidecar has the provenance
                data = media.write_png_text_chunks(data, _png_texts(record, text))
        atomic_write_bytes(target, data)
        return
    try:
        with atomic_output(target) as tmp:
            if record is not None and asset.mime == "video/mp4":
                media.write_mp4_metadata(source, tmp, _mp4_tags(record, text))
            else:
                shutil.copyfile(source, tmp)
    except MediaError:  # the tags could not be written: the sidecar has the provenance
        atomic_write_bytes(target, source.read_bytes())


def _png_texts(record: dict[str, Any], text: str) -> dict[str, str]:
    texts = {PNG_PROVENANCE_KEY: text, "Software": "CanvasToon Desktop"}
    produced = record.get("produced_by") or {}
    if produced.get("prompt"):
        texts["Description"] = redact_secrets(str(produced["prompt"]))
    if produced.get("node_title"):
        texts["Title"] = redact_secrets(str(produced["node_title"]))
    return texts


def _mp4_tags(record: dict[str, Any], text: str) -> dict[str, str]:
    tags = {MP4_PROVENANCE_TAG: text}
    produced = record.get("produced_by") or {}
    if produced.get("prompt"):
        tags["description"] = redact_secrets(str(produced["prompt"]))
    if produced.get("node_title"):
        tags["title"] = redact_secrets(str(produced["node_title"]))
    return tags
