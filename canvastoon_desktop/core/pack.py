"""Packs: a graph with its input files, its latest results and their provenance, in one file
that a reviewer on another machine opens offline, with no keys.

A pack (``.ctoonpack``) is a zip holding only these members::

    manifest.json               format, version, graph name, the sha256 and size of every
                                other member, and what each asset is (kind, mime, size)
    graph.ctoon                 the graph; file parameters point at inputs/ (relative)
    provenance.json             results rows (as JSON), the runs they belong to, reviews
    inputs/<sha256>.<ext>       the files the graph reads (Load Image), named by content
    objects/<sha256>.<ext>      the library assets: the nodes' latest results and pins

Unpacking treats the pack as hostile until proven otherwise. Before anything is imported:
member names are checked (no absolute paths, drive letters, backslashes, ``..``, empty
parts, directories, symlinks or special files, encrypted members; only the member kinds
above), counts and sizes are limited (members, bytes per member, total bytes, compression
ratio — declared sizes are checked up front and real sizes while reading), every member's
sha256 and size must match the manifest, content-addressed members must hash to their
name, media must be what their mime says, and the graph and provenance must parse and refer
only to what the pack holds. Everything is extracted into a temporary folder inside the
target and moved into place at the end; any violation raises ``PackError`` naming the pack
and the problem, and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import shutil
import stat
import tempfile
import time
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from . import media
from .assets import EXTENSIONS, Asset, AssetKind, ItemList, Value
from .atomic import atomic_output
from .errors import CoreError, GraphFileError, LibraryError
from .export import safe_name, scrub
from .fileformat import dumps_graph, load_graph, parse_graph
from .graph import Graph
from .library import FROM_PACK, Library, SQLiteError, kept_inline, transfer
from .nodetype import NodeRegistry
from .params import ParamKind
from .paths import outside_paths, outside_reason, path_params
from .plan import Planner
from .pricing import PriceTable
from .regular_files import FileRefused, is_regular_file, open_regular
from .runtime import resolve_user_path
from .secrets import redact_secrets

__all__ = [
    "PACK_FORMAT",
    "PACK_SUFFIX",
    "PackError",
    "PackLimits",
    "PackSummary",
    "UnpackSummary",
    "pack_graph",
    "unpack",
]

PACK_FORMAT = "canvastoon-pack"
PACK_VERSION = 1
PACK_SUFFIX = ".ctoonpack"

_MANIFEST = "manifest.json"
_GRAPH = "graph.ctoon"
_PROVENANCE = "provenance.json"
_EXTS = frozenset([*EXTENSIONS.values(), ".bin"])
_CONTENT = re.compile(r"^(objects|inputs)/([0-9a-f]{64})(\.[a-z0-9]{1,5})$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class PackError(CoreError):
    """A pack cannot be written or read; the message names the pack and the problem."""

    def __init__(self, pack: object, problem: str) -> None:
        self.pack = str(pack)
        self.problem = problem
        super().__init__(f"{self.pack}: {problem}")


@dataclass(frozen=True)
class PackLimits:
    """What an unpacked pack may hold at most."""

    max_members: int = 20_000
    max_member_bytes: int = 4 * 2**30
    max_total_bytes: int = 16 * 2**30
    #: uncompressed / compressed, for members over ``ratio_floor`` bytes (zip bombs)
    max_ratio: float = 200.0
    ratio_floor: int = 1 * 2**20
    #: manifest, graph and provenance are read into memory
    max_meta_bytes: int = 64 * 2**20
    max_pack_bytes: int = 32 * 2**30


@dataclass
class PackSummary:
    path: Path
    graph_name: str
    inputs: int
    assets: int
    results: int
    bytes: int


@dataclass
class UnpackSummary:
    graph_path: Path
    inputs: int
    assets: int
    results: int
    reviews: int
    folder: Path
    assets_sha256: list[str] = field(default_factory=list)


# -- packing ----------------------------------------------------------------------------------


def pack_graph(
    graph_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    library: Library,
    registry: NodeRegistry,
    *,
    prices: PriceTable | None = None,
    allow_outside_paths: bool = False,
) -> PackSummary:
    """Write ``graph_path`` with its inputs, latest results and provenance to ``out_path``.
    A file the graph names outside its folder is refused (a shared graph must not make the
    artist pack, and send on, ``~/.ssh/...``) unless ``allow_outside_paths``."""
    graph_path = Path(graph_path)
    out_path = Path(out_path)
    try:
        graph = load_graph(graph_path, registry)
    except GraphFileError as exc:
        raise PackError(out_path, f"cannot pack the graph: {exc}") from None
    graph_dir = graph_path.resolve().parent
    planner = Planner(library, prices or PriceTable.load())
    try:
        plan = planner.plan(graph, graph_dir=graph_dir)
    except CoreError as exc:
        raise PackError(out_path, f"cannot work out the graph's results: {exc}") from None

    if not allow_outside_paths:
        outside = [p for p in outside_paths(graph, graph_dir) if not p.writes]
        if outside:
            raise PackError(out_path, "; ".join(str(p) for p in outside[:5]))
    library.flush(wait=True)
    inputs, rewritten = _collect_inputs(graph, graph_dir, out_path)
    assets: dict[str, Asset] = {}

    def keep(value: Value | None) -> None:
        items = (
            [value]
            if isinstance(value, Asset)
            else (list(value.items) if isinstance(value, ItemList) else [])
        )
        for asset in items:
            if asset is None or asset.sha256 in assets:
                continue
            stored = library.asset(asset.sha256)
            if stored is not None and library.has_content(stored):
                assets[stored.sha256] = stored

    for node_plan in plan.nodes.values():
        for value in (node_plan.outputs or {}).values():
            keep(value)
        for item in node_plan.items or ():
            for value in (item.outputs or {}).values():
                keep(value)
    for node in graph.nodes.values():
        for pin in node.pins.values():
            for value in (library.outputs_from_hashes(pin) or {}).values():
                keep(value)
    # the files the graph reads are assets too (Load Image keeps them in the library)
    for sha, (_path, _ext) in inputs.items():
        stored = library.asset(sha)
        if stored is not None and library.has_content(stored):
            assets.setdefault(sha, stored)

    results, runs, reviews = _provenance(library, assets)
    for node_id, name, relative in rewritten:
        graph.nodes[node_id].params[name] = relative
    graph_text = dumps_graph(graph)
    provenance_doc = {"results": results, "runs": runs, "reviews": reviews}
    provenance_text = redact_secrets(
        json.dumps(scrub(provenance_doc), ensure_ascii=False, indent=1, default=str)
    )

    members: dict[str, dict[str, Any]] = {}
    asset_entries: dict[str, dict[str, Any]] = {}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    try:
        with atomic_output(out_path) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:

            def add_bytes(name: str, data: bytes, compress: bool = True) -> None:
                nonlocal total
                zf.writestr(_zinfo(name, compress), data)
                members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                total += len(data)

            def add_file(name: str, path: Path, sha: str, compress: bool) -> None:
                nonlocal total
                size = path.stat().st_size
                with (
                    open(path, "rb") as src,
                    zf.open(_zinfo(name, compress), "w", force_zip64=size > 2**31) as dst,
                ):
                    shutil.copyfileobj(src, dst, _CHUNK)
                members[name] = {"sha256": sha, "size": size}
                total += size

            add_bytes(_GRAPH, graph_text.encode("utf-8"))
            add_bytes(_PROVENANCE, provenance_text.encode("utf-8"))
            for sha, (path, ext) in sorted(inputs.items()):
                add_file(f"inputs/{sha}{ext}", path, sha, compress=False)
            for sha, asset in sorted(assets.items()):
                ext = EXTENSIONS.get(asset.mime, ".bin")
                member = f"inputs/{sha}{inputs[sha][1]}" if sha in inputs else f"objects/{sha}{ext}"
                if member not in members:
                    text = asset.kind in (AssetKind.TEXT, AssetKind.JSON)
                    if asset.inline:
                        add_bytes(member, library.read_bytes(asset), compress=True)
                    else:
                        add_file(member, library.file_path(asset), sha, compress=text)
                asset_entries[sha] = {
                    "member": member,
                    "kind": asset.kind.value,
                    "mime": asset.mime,
                    "size": asset.size,
                    "width": asset.width,
                    "height": asset.height,
                    "duration_s": asset.duration_s,
                }
            manifest = {
                "format": PACK_FORMAT,
                "version": PACK_VERSION,
                "created_at": time.time(),
                "software": "CanvasToon Desktop",
                "graph": _GRAPH,
                "graph_name": graph_path.name,
                "members": members,
                "assets": asset_entries,
            }
            zf.writestr(_zinfo(_MANIFEST, True), json.dumps(manifest, indent=1))
    except OSError as exc:  # the half-written pack is gone: atomic_output removed it
        raise PackError(out_path, f"cannot write the pack ({exc.strerror or exc})") from None
    return PackSummary(
        out_path, graph_path.name, len(inputs), len(asset_entries), len(results), total
    )


def _zinfo(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def _collect_inputs(
    graph: Graph,
    graph_dir: Path,
    pack: Path,
) -> tuple[dict[str, tuple[Path, str]], list[tuple[str, str, str]]]:
    """The files the graph's file parameters name: {sha: (path, ext)}, and the rewrites of
    those parameters to the files' places inside the pack."""
    found: dict[str, tuple[Path, str]] = {}
    rewrites: list[tuple[str, str, str]] = []
    for node, spec, value in path_params(graph):
        if spec.kind is ParamKind.FOLDER:
            if outside_reason(value, graph_dir) is not None:
                rewrites.append((node.id, spec.name, "exports"))  # no paths of this machine
            continue
        path = resolve_user_path(value, graph_dir)
        if not is_regular_file(path):
            raise PackError(pack, f"{graph.display_name(node.id)}: the file {value} is missing")
        sha = _hash_path(path)
        ext = path.suffix.lower() if path.suffix.lower() in _EXTS else ".bin"
        found.setdefault(sha, (path, ext))
        rewrites.append((node.id, spec.name, f"inputs/{sha}{found[sha][1]}"))
    return found, rewrites


def _hash_path(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _provenance(
    library: Library,
    assets: Mapping[str, Asset],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    ordered, runs, reviews = transfer.provenance_rows(library, sorted(assets))
    for row in ordered:  # the machine's folder layout is nobody's business
        if row["graph_path"]:
            row["graph_path"] = Path(row["graph_path"]).name
    for run in runs:
        if run["graph_path"]:
            run["graph_path"] = Path(run["graph_path"]).name
    return ordered, runs, reviews


# -- unpacking --------------------------------------------------------------------------------


def unpack(
    pack_path: str | os.PathLike[str],
    target_dir: str | os.PathLike[str],
    library: Library,
    registry: NodeRegistry,
    *,
    limits: PackLimits | None = None,
) -> UnpackSummary:
    """Check ``pack_path`` completely, then create ``target_dir`` with its graph and inputs
    and import its assets and provenance into ``library``."""
    limits = limits or PackLimits()
    pack = Path(pack_path)
    target = Path(target_dir)
    try:  # a regular file only: a FIFO or a device named x.ctoonpack must not hang us
        handle = open_regular(pack, limits.max_pack_bytes)
    except FileRefused as exc:
        raise PackError(pack, f"cannot read the pack: {exc}") from None
    with handle:
        return _unpack_from(handle, pack, target, library, registry, limits)


def _unpack_from(
    handle: BinaryIO,
    pack: Path,
    target: Path,
    library: Library,
    registry: NodeRegistry,
    limits: PackLimits,
) -> UnpackSummary:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise PackError(pack, f"{target} exists and is not a folder")
    if target.exists() and any(target.iterdir()):
        raise PackError(pack, f"the folder {target} is not empty; unpack into a new folder")
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PackError(pack, f"cannot create {target} ({exc.strerror})") from None
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target))
    try:
        checked = _check_and_extract(handle, pack, staging, registry, limits)
        summary = _install(pack, checked, staging, target, library)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return summary


@dataclass
class _Checked:
    manifest: dict[str, Any]
    graph: Graph
    graph_name: str
    provenance: dict[str, Any]
    files: dict[str, Path]  # member name -> staged file


def _check_and_extract(
    handle: BinaryIO, pack: Path, staging: Path, registry: NodeRegistry, limits: PackLimits
) -> _Checked:
    try:
        zf = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise PackError(pack, f"not a CanvasToon pack (not a readable zip file: {exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise PackError(
                pack, f"the pack has {len(infos)} members; at most {limits.max_members}"
            )
        by_name: dict[str, zipfile.ZipInfo] = {}
        declared_total = 0
        # the whole pack's expansion counts every member, small ones too: 1,500 members of
        # 1 MiB each stay under any per-member floor, but not under this
        budget_total = _expansion_budget(os.fstat(handle.fileno()).st_size, limits)
        for info in infos:
            _check_member(pack, info, limits)
            if info.filename in by_name:
                raise PackError(pack, f"member {info.filename[:80]!r} appears twice")
            by_name[info.filename] = info
            declared_total += info.file_size
            if declared_total > limits.max_total_bytes:
                raise PackError(
                    pack, f"the pack unpacks to more than {limits.max_total_bytes / 2**30:.0f} GB"
                )
            if declared_total > budget_total:
                raise PackError(
                    pack,
                    f"the pack would unpack to more than {budget_total / 2**20:,.0f} MB, over "
                    f"{limits.max_ratio:.0f} times its own size (a zip bomb?)",
                )
        if _MANIFEST not in by_name:
            raise PackError(pack, "not a CanvasToon pack (it has no manifest.json)")
        manifest = _parse_manifest(pack, _read_small(zf, by_name[_MANIFEST], pack, limits))
        listed = manifest["members"]
        for name in by_name:
            if name != _MANIFEST and name not in listed:
                raise PackError(pack, f"member {name!r} is not listed in the manifest")
        for name in listed:
            if name not in by_name:
                raise PackError(pack, f"the manifest lists {name!r}, which the pack lacks")
        for required in (_GRAPH, _PROVENANCE):
            if required not in by_name:
                raise PackError(pack, f"the pack has no {required}")

        files: dict[str, Path] = {}
        budget = [budget_total]  # what really comes out is counted too: headers can lie
        for name in sorted(listed):
            info = by_name[name]
            entry = listed[name]
            match = _CONTENT.match(name)
            if match is None:
                continue  # graph and provenance: read into memory below
            folder = staging / match.group(1)
            folder.mkdir(exist_ok=True)
            dest = folder / f"{match.group(2)}{match.group(3)}"
            digest = _extract(zf, info, dest, pack, limits, budget)
            if digest != entry["sha256"]:
                raise PackError(
                    pack,
                    f"member {name!r} does not match its hash in the manifest "
                    "(the pack is damaged or was altered)",
                )
            if digest != match.group(2):
                raise PackError(
                    pack,
                    f"member {name!r} is not named by its content's hash "
                    "(the pack is damaged or was altered)",
                )
            if dest.stat().st_size != entry["size"]:
                raise PackError(pack, f"member {name!r} is not the size the manifest says")
            files[name] = dest
        texts: dict[str, bytes] = {}
        for name in (_GRAPH, _PROVENANCE):
            data = _read_small(zf, by_name[name], pack, limits)
            if (
                hashlib.sha256(data).hexdigest() != listed[name]["sha256"]
                or len(data) != listed[name]["size"]
            ):
                raise PackError(
                    pack,
                    f"member {name!r} does not match its hash in the manifest "
                    "(the pack is damaged or was altered)",
                )
            texts[name] = data
    try:
        graph = parse_graph(texts[_GRAPH], registry, source=f"{pack.name}:{_GRAPH}")
    except GraphFileError as exc:
        raise PackError(pack, f"its graph cannot be opened: {exc}") from None
    _check_graph_files(pack, graph, files)
    provenance = _parse_provenance(pack, texts[_PROVENANCE])
    _check_assets(pack, manifest["assets"], files)
    name = safe_name(Path(str(manifest.get("graph_name") or "graph")).stem, "graph") + ".ctoon"
    return _Checked(manifest, graph, name, provenance, files)


def _expansion_budget(pack_bytes: int, limits: PackLimits) -> int:
    """How many bytes the members of a pack of ``pack_bytes`` may unpack to in all."""
    return min(limits.max_total_bytes, int(limits.max_ratio * pack_bytes) + limits.ratio_floor)


def _check_member(pack: Path, info: zipfile.ZipInfo, limits: PackLimits) -> None:
    name = info.filename
    shown = name[:80]
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name)
        or any(p in ("", ".", "..") for p in name.split("/"))
    ):
        raise PackError(
            pack, f"member {shown!r} has an unsafe name (absolute, or leaves the pack's folder)"
        )
    if info.is_dir():
        raise PackError(pack, f"member {shown!r} is a folder; packs hold only files")
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise PackError(pack, f"member {shown!r} is {kind}")
    if info.flag_bits & 0x1:
        raise PackError(pack, f"member {shown!r} is encrypted")
    if name not in (_MANIFEST, _GRAPH, _PROVENANCE):
        match = _CONTENT.match(name)
        if match is None or match.group(3) not in _EXTS:
            raise PackError(pack, f"member {shown!r} is not something a pack holds")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise PackError(pack, f"member {shown!r} uses an unsupported compression")
    if info.file_size > limits.max_member_bytes:
        raise PackError(
            pack,
            f"member {shown!r} is {info.file_size / 2**20:.0f} MB; at most "
            f"{limits.max_member_bytes / 2**20:.0f} MB",
        )
    if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
        1, info.compress_size
    ):
        raise PackError(
            pack,
            f"member {shown!r} expands {info.file_size / max(1, info.compress_size):.0f}"
            " times (a zip bomb?)",
        )


def _stream(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, pack: Path, limits: PackLimits, cap: int
) -> Iterator[bytes]:
    """The member's bytes in chunks, stopping with PackError once more than its declared
    size, ``cap`` or the ratio limit would come out (headers can lie)."""
    seen = 0
    try:
        with zf.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                seen += len(chunk)
                if seen > info.file_size or seen > cap:
                    raise PackError(
                        pack, f"member {info.filename[:80]!r} is larger than it says (a zip bomb?)"
                    )
                if seen > limits.ratio_floor and seen > limits.max_ratio * max(
                    1, info.compress_size
                ):
                    raise PackError(
                        pack, f"member {info.filename[:80]!r} expands too much (a zip bomb?)"
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise PackError(pack, f"member {info.filename[:80]!r} is damaged ({exc})") from None
    if seen != info.file_size:
        raise PackError(pack, f"member {info.filename[:80]!r} is not the size it says")


def _extract(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    dest: Path,
    pack: Path,
    limits: PackLimits,
    budget: list[int],
) -> str:
    digest = hashlib.sha256()
    cap = min(limits.max_member_bytes, budget[0])
    with open(dest, "xb") as out:
        for chunk in _stream(zf, info, pack, limits, cap):
            digest.update(chunk)
            out.write(chunk)
    budget[0] -= info.file_size
    return digest.hexdigest()


def _read_small(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, pack: Path, limits: PackLimits
) -> bytes:
    if info.file_size > limits.max_meta_bytes:
        raise PackError(
            pack,
            f"{info.filename} is {info.file_size / 2**20:.0f} MB; at most "
            f"{limits.max_meta_bytes / 2**20:.0f} MB",
        )
    buf = io.BytesIO()
    for chunk in _stream(zf, info, pack, limits, limits.max_meta_bytes):
        buf.write(chunk)
    return buf.getvalue()


def _json(pack: Path, data: bytes, what: str) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(data.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PackError(pack, f"{what} is not valid JSON ({exc})") from None


def _parse_manifest(pack: Path, data: bytes) -> dict[str, Any]:
    doc = _json(pack, data, _MANIFEST)
    if not isinstance(doc, dict) or doc.get("format") != PACK_FORMAT:
        raise PackError(pack, "not a CanvasToon pack (its manifest says another format)")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PackError(pack, "the manifest has no version")
    if version > PACK_VERSION:
        raise PackError(
            pack,
            f"the pack was made by a newer CanvasToon (pack version {version}); update the app",
        )
    members = doc.get("members")
    if not isinstance(members, dict):
        raise PackError(pack, "the manifest does not list the pack's members")
    for name, entry in members.items():
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not _SHA.match(entry["sha256"])
            or not _is_count(entry.get("size"))
        ):
            raise PackError(pack, f"the manifest's entry for {str(name)[:80]!r} is malformed")
    assets = doc.get("assets", {})
    if not isinstance(assets, dict):
        raise PackError(pack, "the manifest's asset list is malformed")
    if not isinstance(doc.get("graph_name", ""), str):
        raise PackError(pack, "the manifest's graph name is malformed")
    doc["assets"] = assets
    return doc


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_graph_files(pack: Path, graph: Graph, files: Mapping[str, Path]) -> None:
    """File parameters may only name inputs inside the pack, folders only places inside
    the graph's folder."""
    for node, spec, value in path_params(graph):
        if spec.kind is ParamKind.FILE and (not value.startswith("inputs/") or value not in files):
            raise PackError(
                pack,
                f"node {graph.display_name(node.id)}: its file "
                f"{value[:80]!r} is not inside the pack",
            )
        if spec.kind is ParamKind.FOLDER and (
            value.startswith("~")
            or Path(value).is_absolute()
            or ".." in Path(value).parts
            or "\\" in value
        ):
            raise PackError(
                pack,
                f"node {graph.display_name(node.id)}: its folder "
                f"{value[:80]!r} points outside the graph's folder",
            )


def _check_assets(pack: Path, assets: Mapping[str, Any], files: Mapping[str, Path]) -> None:
    kinds = {k.value for k in AssetKind}
    for sha, entry in assets.items():
        if not isinstance(sha, str) or not _SHA.match(sha) or not isinstance(entry, dict):
            raise PackError(pack, f"the manifest's asset entry {str(sha)[:80]!r} is malformed")
        member = entry.get("member")
        named = _CONTENT.match(member) if isinstance(member, str) else None
        if not isinstance(member, str) or named is None or member not in files:
            raise PackError(pack, f"asset {sha[:12]} refers to a member the pack lacks")
        if named.group(2) != sha:
            raise PackError(pack, f"asset {sha[:12]} refers to a member the pack lacks")
        kind, mime = entry.get("kind"), entry.get("mime")
        if kind not in kinds or mime not in EXTENSIONS:
            raise PackError(pack, f"asset {sha[:12]} has an unknown kind or type")
        for key in ("width", "height"):
            value = entry.get(key)
            if value is not None and (not _is_count(value) or value > 100_000):
                raise PackError(pack, f"asset {sha[:12]} has a bad {key}")
        duration = entry.get("duration_s")
        if duration is not None and (
            not isinstance(duration, int | float)
            or isinstance(duration, bool)
            or not math.isfinite(duration)
            or duration < 0
        ):
            raise PackError(pack, f"asset {sha[:12]} has a bad duration")
        path = files[member]
        if kind in ("image", "video"):
            with open(path, "rb") as handle:
                sniffed = media.sniff_mime(handle.read(4096))
            if sniffed != mime:
                raise PackError(pack, f"asset {sha[:12]} is not the {mime} it claims to be")
        else:
            try:
                text = path.read_bytes().decode("utf-8")
                if kind == "json":
                    json.loads(text)
            except (UnicodeDecodeError, ValueError):
                raise PackError(
                    pack, f"asset {sha[:12]} is not the {kind} it claims to be"
                ) from None


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (int,),
    "cache_key": (str,),
    "run_id": (str, type(None)),
    "graph_id": (str, type(None)),
    "graph_path": (str, type(None)),
    "node_id": (str,),
    "node_type": (str,),
    "node_title": (str, type(None)),
    "item": (int, type(None)),
    "model": (str, type(None)),
    "provider": (str, type(None)),
    "params_json": (str,),
    "prompt": (str, type(None)),
    "inputs_json": (str,),
    "outputs_json": (str,),
    "job_id": (str, type(None)),
    "cost_usd": (int, float),
    "cost_source": (str, type(None)),
    "queue_s": (int, float, type(None)),
    "run_s": (int, float, type(None)),
    "finished_at": (int, float),
}
_RUN_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "graph_id": (str, type(None)),
    "graph_path": (str, type(None)),
    "graph_name": (str, type(None)),
    "started_at": (int, float),
    "finished_at": (int, float, type(None)),
    "status": (str,),
    "cost_usd": (int, float),
}
_REVIEW_TYPES: dict[str, tuple[type, ...]] = {
    "sha256": (str,),
    "rating": (int, type(None)),
    "rejected": (int, bool),
    "note": (str,),
    "updated_at": (int, float),
}


def _parse_provenance(pack: Path, data: bytes) -> dict[str, Any]:
    doc = _json(pack, data, _PROVENANCE)
    if not isinstance(doc, dict):
        raise PackError(pack, "provenance.json is malformed")
    out: dict[str, Any] = {}
    for key, types in (("results", _FIELD_TYPES), ("runs", _RUN_TYPES), ("reviews", _REVIEW_TYPES)):
        rows = doc.get(key, [])
        if not isinstance(rows, list):
            raise PackError(pack, f"provenance.json: {key} is not a list")
        for n, row in enumerate(rows):
            if not isinstance(row, dict) or set(row) != set(types):
                raise PackError(pack, f"provenance.json: {key} entry {n + 1} is malformed")
            for name, allowed in types.items():
                value = row[name]
                if not isinstance(value, allowed) or (
                    isinstance(value, bool) and bool not in allowed
                ):
                    raise PackError(pack, f"provenance.json: {key} entry {n + 1} has a bad {name}")
                if isinstance(value, str) and len(value) > 1_000_000:
                    raise PackError(
                        pack, f"provenance.json: {key} entry {n + 1}: {name} is too long"
                    )
        out[key] = rows
    for n, row in enumerate(out["results"]):
        outputs = _json(pack, row["outputs_json"].encode("utf-8"), "a result's outputs")
        if not isinstance(outputs, dict):
            raise PackError(pack, f"provenance.json: result {n + 1} has malformed outputs")
        shas = []
        for value in outputs.values():
            values = value if isinstance(value, list) else [value]
            for sha in values:
                if sha is not None and (not isinstance(sha, str) or not _SHA.match(sha)):
                    raise PackError(pack, f"provenance.json: result {n + 1} names a bad asset")
                if sha:
                    shas.append(sha)
        row["_outputs"] = outputs
        for text_field in ("params_json", "inputs_json"):
            if not isinstance(_json(pack, row[text_field].encode("utf-8"), text_field), dict):
                raise PackError(pack, f"provenance.json: result {n + 1}: {text_field} is malformed")
    for n, row in enumerate(out["reviews"]):
        if not _SHA.match(row["sha256"]) or (
            row["rating"] is not None and not 1 <= row["rating"] <= 5
        ):
            raise PackError(pack, f"provenance.json: review {n + 1} is malformed")
    return out


# -- installing (after every check passed) -----------------------------------------------------


def _install(
    pack: Path, checked: _Checked, staging: Path, target: Path, library: Library
) -> UnpackSummary:
    graph_path = target / checked.graph_name
    imported: list[str] = []
    try:
        # asset files go in first; their rows, like the rest, land in one transaction
        with library.collecting() as asset_rows:
            for sha, entry in sorted(checked.manifest["assets"].items()):
                imported.append(sha)
                _import_asset(library, checked.files[entry["member"]], entry)
        _import_rows(pack, checked, graph_path, library, asset_rows)
        inputs_dir = staging / "inputs"
        if inputs_dir.is_dir():
            os.replace(inputs_dir, target / "inputs")
        graph_file = staging / checked.graph_name
        graph_file.write_text(dumps_graph(checked.graph), encoding="utf-8")
        os.replace(graph_file, graph_path)
    except OSError as exc:  # a full disk, most likely
        library.forget_uncommitted(imported)
        raise PackError(
            pack, f"cannot unpack it here ({exc.strerror or exc}); nothing was kept"
        ) from None
    except (SQLiteError, LibraryError) as exc:
        library.forget_uncommitted(imported)
        raise PackError(pack, f"the library could not take it ({exc}); nothing was kept") from None
    except BaseException:
        library.forget_uncommitted(imported)
        raise
    prov = checked.provenance
    return UnpackSummary(
        graph_path,
        sum(1 for n in checked.files if n.startswith("inputs/")),
        len(imported),
        len(prov["results"]),
        len(prov["reviews"]),
        target,
        imported,
    )


def _import_asset(library: Library, path: Path, entry: Mapping[str, Any]) -> None:
    kind = AssetKind(entry["kind"])
    if kept_inline(kind, entry["size"]):
        library.put_bytes(path.read_bytes(), kind, entry["mime"])
    else:
        library.put_file(
            path,
            kind,
            entry["mime"],
            move=entry["member"].startswith("objects/"),
            width=entry.get("width"),
            height=entry.get("height"),
            duration_s=entry.get("duration_s"),
        )


def _import_rows(
    pack: Path,
    checked: _Checked,
    graph_path: Path,
    library: Library,
    asset_rows: list[Any],
) -> None:
    """The assets' index rows, results, runs and reviews: one transaction."""
    prov = checked.provenance
    graph_id = str(checked.graph.meta.get("graph_id") or "")
    # The results a pack brings serve only the graph that came with it (and the copies the
    # artist saves of it): under an id minted here, which no other graph has — a pack can
    # claim any cache key, and must not answer another graph's runs with its contents.
    own_id = uuid.uuid4().hex
    checked.graph.meta["graph_id"] = own_id
    origin = FROM_PACK + pack.name
    results: list[transfer.ImportedResult] = []
    for row in prov["results"]:
        values = dict(row)
        outputs = values.pop("_outputs")
        if not values["graph_id"] or values["graph_id"] == graph_id:
            values["graph_path"] = str(graph_path)
        values["graph_id"] = own_id
        values["origin"] = origin
        values["id"] = library.new_result_id()  # a pack's own ids could squat ours
        results.append((values, list(_output_rows(values["id"], outputs))))
    runs = []
    for run in prov["runs"]:
        values = dict(run)
        if values["graph_id"] == graph_id:
            values["graph_path"] = str(graph_path)
        values["graph_id"] = own_id
        runs.append(values)
    touched = set(checked.manifest["assets"]) | {r["sha256"] for r in prov["reviews"]}
    for row in prov["results"]:
        touched.update(sha for *_at, sha in _output_rows(0, row["_outputs"]))
    transfer.import_rows(library, asset_rows, results, runs, prov["reviews"], touched)


def _output_rows(result_id: int, outputs: Mapping[str, Any]) -> Iterable[tuple[int, str, int, str]]:
    for port, value in outputs.items():
        values = value if isinstance(value, list) else [value]
        for index, sha in enumerate(values):
            if sha:
                yield (result_id, str(port), index, sha)
