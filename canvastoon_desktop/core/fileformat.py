"""The ``.ctoon`` graph file: versioned JSON, checked on load, written atomically.

Loading never executes code (plain ``json``, no pickle) and every problem — malformed bytes,
wrong format, a newer version, bad nodes, edges or parameters — becomes a GraphFileError that
names the file and the node. Older versions are brought up to date by ``MIGRATIONS``, an
ordered list: the current version is its length plus one. Unknown fields are kept and
written back, so a file survives a round trip through an older app.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from . import untrusted_json
from .atomic import atomic_write_text
from .backdrops import Backdrop, backdrop_problem
from .errors import GraphFileError, ParamError
from .graph import Edge, EdgeRule, Graph, Node, has_loop
from .nodetype import NodeRegistry
from .params import ParamSpec
from .regular_files import FileRefused, read_regular
from .secrets import redact_secrets

FORMAT_TAG = "canvastoon-graph"
SUFFIX = ".ctoon"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NODES = 20_000
MAX_EDGES = 100_000
MAX_BACKDROPS = 10_000
MAX_PARAM_DEPTH = 16

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 (preview builds) kept ``position`` as {x, y} and one ``reroll`` int per node."""
    for node in doc.get("nodes", []):
        if not isinstance(node, dict):
            continue
        pos = node.get("position")
        if isinstance(pos, dict):
            node["position"] = [pos.get("x", 0), pos.get("y", 0)]
        if "reroll" in node:
            count = node.pop("reroll")
            node["rerolls"] = {"": count} if count else {}
    return doc


MIGRATIONS: list[Migration] = [_v1_to_v2]
CURRENT_VERSION = len(MIGRATIONS) + 1

_Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
_Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _NodeEntry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    id: _Id
    type: Annotated[str, Field(min_length=1, max_length=100)]
    params: dict[Annotated[str, Field(max_length=100)], JsonValue] = {}
    position: Annotated[list[float], Field(min_length=2, max_length=2)] = [0.0, 0.0]
    title: Annotated[str, Field(max_length=200)] | None = None
    rerolls: dict[Annotated[str, Field(max_length=12)], Annotated[int, Field(ge=0, le=10**9)]] = {}
    pins: dict[Annotated[str, Field(max_length=12)], dict[str, _Sha | list[_Sha | None]]] = {}


class _EdgeEntry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)
    src: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=2, max_length=2)
    ] = Field(alias="from")
    dst: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=2, max_length=2)
    ] = Field(alias="to")


class _BackdropEntry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    id: _Id
    rect: Annotated[list[float], Field(min_length=4, max_length=4)]
    title: Annotated[str, Field(max_length=200)] = ""
    color: Annotated[str, Field(max_length=20)] = "#5b6b8c"


class _GraphDoc(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    format: str
    version: int
    nodes: list[_NodeEntry] = []
    edges: list[_EdgeEntry] = []
    meta: dict[str, JsonValue] = {}
    backdrops: Annotated[list[_BackdropEntry], Field(max_length=MAX_BACKDROPS)] = []


# -- reading ------------------------------------------------------------------------------


def load_graph(path: str | os.PathLike[str], registry: NodeRegistry) -> Graph:
    """Read and check a graph file; raise GraphFileError listing every problem found.

    Only a regular file is read (not a device, a FIFO or a link to one), and never more
    than ``MAX_FILE_BYTES`` of it."""
    path = Path(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        raise GraphFileError(path, _file_problem(str(exc))) from None
    return parse_graph(data, registry, source=path)


def _file_problem(reason: str) -> str:
    if reason.startswith("the file is "):
        return (
            f"{reason} (graph files are at most {MAX_FILE_BYTES // 2**20} MB; assets live in "
            "the library, not in the graph)"
        )
    return reason


def parse_graph(data: bytes, registry: NodeRegistry, *, source: object = "<graph>") -> Graph:
    if len(data) > MAX_FILE_BYTES:
        raise GraphFileError(source, f"the graph is larger than {MAX_FILE_BYTES // 2**20} MB")
    doc = _decode(data, source)
    doc = _migrate(doc, source)
    try:
        parsed = _GraphDoc.model_validate(doc)
    except ValidationError as exc:
        raise GraphFileError(source, "", problems=_schema_problems(exc, doc)) from None
    if parsed.format != FORMAT_TAG:
        raise GraphFileError(source, f"not a CanvasToon graph (format {parsed.format!r})")
    return _build(parsed, registry, source)


def _decode(data: bytes, source: object) -> dict[str, Any]:
    if not data.strip():
        raise GraphFileError(source, "the file is empty")
    try:
        doc = untrusted_json.loads(data)
    except untrusted_json.UntrustedJson as exc:
        raise _located(source, exc) from None
    if not isinstance(doc, dict):
        raise GraphFileError(source, "not a CanvasToon graph (the top level is not an object)")
    if doc.get("format") != FORMAT_TAG:
        found = doc.get("format")
        detail = f"format {found!r}" if isinstance(found, str) else "no format tag"
        raise GraphFileError(source, f"not a CanvasToon graph ({detail[:80]})")
    nodes, edges = doc.get("nodes"), doc.get("edges")
    if isinstance(nodes, list) and len(nodes) > MAX_NODES:
        raise GraphFileError(source, f"{len(nodes):,} nodes; a graph holds at most {MAX_NODES:,}")
    if isinstance(edges, list) and len(edges) > MAX_EDGES:
        raise GraphFileError(source, f"{len(edges):,} edges; a graph holds at most {MAX_EDGES:,}")
    return doc


def _located(source: object, exc: untrusted_json.UntrustedJson) -> GraphFileError:
    node, problem = _place(exc)
    if not exc.path and problem.startswith("not UTF-8"):
        problem += "; is this a graph file?"
    return GraphFileError(source, problem, node=node)


def _place(exc: untrusted_json.UntrustedJson) -> tuple[str | None, str]:
    """(node, problem) for a problem at ``exc.path``: the node when it is inside one."""
    path, problem = exc.path, exc.problem
    if not path:
        return None, problem
    doc_nodes = exc.document.get("nodes") if isinstance(exc.document, dict) else None
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        entry = doc_nodes[path[1]] if isinstance(doc_nodes, list) else None
        node_id = entry.get("id") if isinstance(entry, dict) else None
        usable = isinstance(node_id, str) and node_id.isprintable() and len(node_id) <= 64
        field = untrusted_json.where(path[2:]) if len(path) > 2 else "the entry"
        return (node_id if usable else f"#{path[1] + 1}"), f"{field} {problem}"
    return None, f"{untrusted_json.where(path)} {problem}"


def _migrate(doc: dict[str, Any], source: object) -> dict[str, Any]:
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise GraphFileError(source, "the file has no valid format version")
    if version > CURRENT_VERSION:
        raise GraphFileError(
            source,
            f"made by a newer CanvasToon (format version {version}; this app reads "
            f"up to version {CURRENT_VERSION}). Update the app to open it.",
        )
    if version < 1:
        raise GraphFileError(source, f"unknown format version {version}")
    for migration in MIGRATIONS[version - 1 :]:
        try:
            doc = migration(doc)
        except Exception as exc:  # a hostile old file must not crash the migration
            raise GraphFileError(
                source, f"cannot upgrade this version-{version} file: {exc}"
            ) from None
    doc["version"] = CURRENT_VERSION
    return doc


def _schema_problems(exc: ValidationError, doc: dict[str, Any]) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        nodes = []
    for err in exc.errors()[:50]:
        loc = list(err["loc"])
        node_ref: str | None = None
        if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
            entry = nodes[loc[1]] if loc[1] < len(nodes) else None
            node_id = entry.get("id") if isinstance(entry, dict) else None
            node_ref = str(node_id)[:64] if isinstance(node_id, str) else f"#{loc[1] + 1}"
            loc = loc[2:]
        where = ".".join(str(part) for part in loc) or "entry"
        problems.append((node_ref, f"{where}: {_plain(err)}"))
    return problems


def _plain(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "is missing"
    if kind == "recursion_loop":
        return "is nested too deeply"
    return str(err.get("msg", "is invalid")).replace("Input", "value")


def _build(doc: _GraphDoc, registry: NodeRegistry, source: object) -> Graph:
    graph = Graph(registry)
    problems: list[tuple[str | None, str]] = []
    catalog = registry.catalog
    for entry in doc.nodes:
        if entry.id in graph.nodes:
            problems.append((entry.id, "this node id is used twice"))
            continue
        node_type = registry.get(entry.type)
        if node_type is None:
            problems.append((entry.id, f"unknown node type {entry.type!r}"))
        if not all(math.isfinite(v) for v in entry.position):
            problems.append((entry.id, "position is not a finite number"))
        params = dict(entry.params)
        for name, value in params.items():
            if _depth(value) > MAX_PARAM_DEPTH:
                problems.append((entry.id, f"parameter {name!r} is nested too deeply"))
        if node_type is not None:
            problems.extend((entry.id, p) for p in check_params(node_type, catalog, params))
        graph.nodes[entry.id] = Node(
            id=entry.id,
            type=entry.type,
            params=params,
            position=(float(entry.position[0]), float(entry.position[1])),
            title=entry.title,
            rerolls=dict(entry.rerolls),
            pins={
                k: {p: v if isinstance(v, str) else list(v) for p, v in pin.items()}
                for k, pin in entry.pins.items()
            },
            extra=dict(entry.model_extra or {}),
        )
    edges = [Edge(raw.src[0], raw.src[1], raw.dst[0], raw.dst[1]) for raw in doc.edges]
    rule = EdgeRule(graph, loops=has_loop(graph.nodes, edges))
    for edge in edges:
        problem = rule.problem(edge)
        if problem:
            problems.append(
                (
                    edge.dst_node if edge.dst_node in graph.nodes else None,
                    f"connection {edge.describe()}: {problem}",
                )
            )
            continue
        rule.accept(edge)
        graph.edges.append(edge)
    for box in doc.backdrops:
        backdrop = Backdrop(
            box.id,
            (
                float(box.rect[0]),
                float(box.rect[1]),
                float(box.rect[2]),
                float(box.rect[3]),
            ),
            box.title,
            box.color,
            extra=dict(box.model_extra or {}),
        )
        problem = backdrop_problem(backdrop)
        if box.id in graph.backdrops:
            problem = "this backdrop id is used twice"
        if problem:
            problems.append((None, f"backdrop {box.id}: {problem}"))
        else:
            graph.backdrops[box.id] = backdrop
    if not problems:
        try:
            graph.topological_order()
        except Exception as exc:
            problems.append((None, str(exc)))
    if problems:
        raise GraphFileError(source, "", problems=problems)
    graph.meta = dict(doc.meta)
    graph.meta.setdefault("graph_id", Graph(registry).meta["graph_id"])
    graph.extra = {k: v for k, v in (doc.model_extra or {}).items()}
    return graph


def check_params(node_type: Any, catalog: Any, params: dict[str, Any]) -> list[str]:
    """Problems with a node's stored params: unknown names, unknown model, bad values."""
    problems: list[str] = []
    model_id = params.get("model")
    if model_id is not None:
        chooser = node_type.model_param(catalog)
        if chooser is not None and model_id not in chooser.choices:
            known = catalog.get(model_id) if isinstance(model_id, str) else None
            reason = "is not usable by this node" if known else "is not a known model"
            problems.append(f"model {str(model_id)[:80]!r} {reason}")
            return problems
    specs, plain = _param_checks(node_type, catalog, model_id)
    for name, value in params.items():
        accepts = plain.get(name)
        if (  # ``ParamSpec.coerce``'s first case, without the call: text it keeps as it is
            accepts is not None
            and value.__class__ is str
            and len(value) <= accepts[0]
            and value.isascii()
            and "\x00" not in value
            and (accepts[1] is None or value in accepts[1])
        ):
            continue
        spec = specs.get(name)
        if spec is None:
            problems.append(f"unknown parameter {name[:60]!r}")
            continue
        try:
            spec.coerce(value)
        except ParamError as exc:
            problems.append(str(exc))
    return problems


def _param_checks(
    node_type: Any, catalog: Any, model_id: Any
) -> tuple[Mapping[str, ParamSpec], dict[str, tuple[int, frozenset[str] | None]]]:
    """A type's params with ``model_id`` by name (``param_spec_map``), and the
    ``ParamSpec.plain_text_rule`` of those that have one, by name. Worked out once per type
    and model, kept with the catalog's other derived declarations."""
    key = (node_type, "param_checks", model_id)
    known = catalog.derived.get(key)
    if known is None:
        specs = node_type.param_spec_map(catalog, model_id)
        plain = {
            name: rule
            for name, spec in specs.items()
            if (rule := spec.plain_text_rule()) is not None
        }
        known = catalog.derived[key] = (specs, plain)
    return known  # type: ignore[no-any-return]


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_PARAM_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


# -- writing ------------------------------------------------------------------------------


def graph_to_document(graph: Graph) -> dict[str, Any]:
    nodes = []
    for node in graph.nodes.values():
        entry: dict[str, Any] = dict(node.extra)
        entry.update(
            {
                "id": node.id,
                "type": node.type,
                "params": {k: node.params[k] for k in sorted(node.params)},
                "position": [round(node.position[0], 2), round(node.position[1], 2)],
            }
        )
        if node.title:
            entry["title"] = node.title
        if any(node.rerolls.values()):
            entry["rerolls"] = {k: v for k, v in node.rerolls.items() if v}
        if node.pins:
            entry["pins"] = node.pins
        nodes.append(entry)
    doc: dict[str, Any] = dict(graph.extra)
    doc.update(
        {
            "format": FORMAT_TAG,
            "version": CURRENT_VERSION,
            "nodes": nodes,
            "edges": [
                {"from": [e.src_node, e.src_port], "to": [e.dst_node, e.dst_port]}
                for e in graph.edges
            ],
            "meta": graph.meta,
        }
    )
    if graph.backdrops:
        doc["backdrops"] = [
            {
                **b.extra,
                "id": b.id,
                "title": b.title,
                "rect": [round(v, 2) for v in b.rect],
                "color": b.color,
            }
            for b in graph.backdrops.values()
        ]
    return doc


def dumps_graph(graph: Graph, *, source: object = "the graph") -> str:
    """The file's text; any known API key that found its way into a value is redacted.
    A value no file can hold (a lone surrogate, infinity) is a GraphFileError naming it:
    a save never fails half-way or in silence."""
    doc = graph_to_document(graph)
    try:
        untrusted_json.check_tree(doc, max_depth=10**6)
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    except untrusted_json.UntrustedJson as exc:
        exc.document = doc
        node, problem = _place(exc)
        raise GraphFileError(source, f"cannot be saved: {problem}", node=node) from None
    except (ValueError, RecursionError) as exc:
        raise GraphFileError(source, f"cannot be saved: {exc}") from None
    return redact_secrets(text) + "\n"


def save_graph(graph: Graph, path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` atomically; GraphFileError (naming the file) when it
    cannot be written — the old file is then left as it was."""
    path = Path(path)
    text = dumps_graph(graph, source=path)
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise GraphFileError(path, f"cannot be saved ({exc.strerror or exc})") from None
