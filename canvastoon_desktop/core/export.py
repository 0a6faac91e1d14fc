"""Exporting assets out of the library: a file per asset, named for people, with its
provenance beside it (a JSON sidecar) and inside it (PNG text chunks / MP4 metadata)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import media
from .assets import EXTENSIONS, Asset, AssetKind
from .errors import CoreError, MediaError
from .fileformat import atomic_write_bytes, atomic_write_text
from .library import Library
from .secrets import redact_secrets

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, fallback: str = "asset", limit: int = 60) -> str:
    """A file-name part with no separators, dots-only or control characters."""
    cleaned = _UNSAFE.sub("-", text).strip(".-")[:limit]
    return cleaned or fallback


@dataclass(frozen=True)
class Exported:
    asset: Asset
    path: Path
    sidecar: Path | None


def provenance_record(library: Library, asset: Asset) -> dict[str, Any]:
    """The asset's provenance as plain JSON (newest producing result first)."""
    rows = library.provenance(asset.sha256)
    review = library.review(asset.sha256)
    record: dict[str, Any] = {
        "sha256": asset.sha256, "kind": asset.kind.value, "mime": asset.mime,
        "size": asset.size, "width": asset.width, "height": asset.height,
        "duration_s": asset.duration_s,
        "review": {"rating": review.rating, "rejected": review.rejected, "note": review.note},
    }
    if rows:
        row = rows[0]
        record["produced_by"] = {
            "graph_path": row.get("graph_path"), "graph_id": row.get("graph_id"),
            "node_id": row.get("node_id"), "node_type": row.get("node_type"),
            "node_title": row.get("node_title"), "item": row.get("item"),
            "model": row.get("model"), "provider": row.get("provider"),
            "params": json.loads(row.get("params_json") or "{}"),
            "prompt": row.get("prompt"), "inputs": json.loads(row.get("inputs_json") or "{}"),
            "provider_job_id": row.get("job_id"), "cost_usd": row.get("cost_usd"),
            "cost_source": row.get("cost_source"), "queue_s": row.get("queue_s"),
            "run_s": row.get("run_s"), "finished_at": row.get("finished_at"),
            "run_id": row.get("run_id"),
        }
    return record


def export_assets(
    library: Library, assets: Iterable[Asset], folder: Path, *, prefix: str = "",
    sidecars: bool = True, embed: bool = True,
) -> list[Exported]:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CoreError(f"cannot create the export folder {folder}: {exc.strerror}") from None
    done: list[Exported] = []
    for index, asset in enumerate(assets, start=1):
        record = provenance_record(library, asset)
        produced = record.get("produced_by") or {}
        title = produced.get("node_title") or asset.kind.value
        stem = "_".join(p for p in (safe_name(prefix, "") if prefix else "", f"{index:02d}",
                                    safe_name(str(title)), asset.sha256[:10]) if p)
        target = folder / (stem + EXTENSIONS.get(asset.mime, ".bin"))
        text = redact_secrets(json.dumps(record, ensure_ascii=False, indent=1, default=str))
        _write_with_provenance(asset, target, text if embed else None)
        sidecar = None
        if sidecars:
            sidecar = target.with_name(target.name + ".json")
            atomic_write_text(sidecar, text + "\n")
        done.append(Exported(asset, target, sidecar))
    return done


def _write_with_provenance(asset: Asset, target: Path, provenance: str | None) -> None:
    data = asset.path.read_bytes() if asset.kind is not AssetKind.VIDEO else None
    if provenance and asset.mime == "image/png" and data is not None:
        with contextlib.suppress(MediaError):  # else keep the bytes; the sidecar has it
            data = media.write_png_text_chunks(data, {"canvastoon:provenance": provenance})
    if data is not None:
        atomic_write_bytes(target, data)
        return
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if provenance and asset.mime == "video/mp4":
            media.write_mp4_metadata(asset.path, tmp, {"comment": provenance})
        else:
            tmp.write_bytes(asset.path.read_bytes())
        tmp.replace(target)
    except MediaError:
        tmp.unlink(missing_ok=True)
        atomic_write_bytes(target, asset.path.read_bytes())
