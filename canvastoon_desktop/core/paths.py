"""File and folder parameters: where they may point, and keeping them pointing at the same
files when the graph is saved somewhere else.

A graph file is shared: whoever sent it chose its paths. Paths are relative to the graph
file's folder, and one that is absolute, starts with ``~`` or leads out of that folder
(``../../x``, or through a link) reads or writes somewhere the artist did not choose — a
Load Image that sends ``~/.ssh/id_ed25519.png`` to a hosted model, an Export into
``~/.config``. Such paths are refused, naming node and path, unless the artist allows them
for this graph (the editor asks, listing them; headless: ``--allow-outside-paths``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog
from .graph import Graph, Node
from .nodetype import NodeType
from .params import ParamKind, ParamSpec

PATH_KINDS = (ParamKind.FILE, ParamKind.FOLDER)

_DRIVE = re.compile(r"^(?:[A-Za-z]:|\\\\|//)")


@dataclass(frozen=True)
class OutsidePath:
    """A path parameter that points outside its graph's folder."""

    node_id: str
    node_name: str
    param: str
    value: str
    reason: str
    #: True for a folder written to (Export), False for a file read (Load Image)
    writes: bool

    @property
    def message(self) -> str:
        what = "writes to" if self.writes else "reads"
        return (
            f"{what} {self.value[:200]!r}, outside the graph's folder ({self.reason}); allow "
            "it with --allow-outside-paths (headless) or when the editor asks"
        )

    def __str__(self) -> str:
        return f"{self.node_name} {self.message}"


def path_params(graph: Graph) -> Iterator[tuple[Node, ParamSpec, str]]:
    """Every non-empty file or folder parameter of the graph: (node, its spec, the value)."""
    catalog = graph.registry.catalog
    types = graph.registry.types
    for node in list(graph.nodes.values()):
        node_type = types.get(node.type)
        if node_type is None:
            continue
        for spec in _path_specs(node_type, catalog, node.params.get("model")):
            value = node.params.get(spec.name)
            if isinstance(value, str) and value:
                yield node, spec, value


def _path_specs(
    node_type: type[NodeType], catalog: Catalog, model_id: str | None
) -> tuple[ParamSpec, ...]:
    """The file and folder parameters of ``node_type`` with this model, in their order (most
    types have none: a check does not go through all their parameters a node)."""
    key = (node_type, "path_specs", model_id)
    known = catalog.derived.get(key)
    if known is None:
        known = catalog.derived[key] = tuple(
            spec for spec in node_type.param_specs(catalog, model_id) if spec.kind in PATH_KINDS
        )
    return known


def outside_reason(value: str, graph_dir: Path) -> str | None:
    """Why ``value`` (a path parameter) is not inside ``graph_dir``; None when it is."""
    if value.startswith("~"):
        return "it starts with ~, your home folder"
    if Path(value).is_absolute() or _DRIVE.match(value):
        return "it is an absolute path"
    base = graph_dir.resolve()
    try:
        target = (base / value).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL
        return "it cannot be resolved"
    if target != base and not target.is_relative_to(base):
        return "it leads out of the graph's folder"
    return None


def outside_paths(
    graph: Graph, graph_dir: Path | None, nodes: set[str] | None = None
) -> list[OutsidePath]:
    """The path parameters (of ``nodes``, default all) that point outside ``graph_dir``.
    An untitled graph (no folder) was made here, by the artist: nothing is outside."""
    if graph_dir is None:
        return []
    found = []
    for node, spec, value in path_params(graph):
        if nodes is not None and node.id not in nodes:
            continue
        reason = outside_reason(value, graph_dir)
        if reason is not None:
            found.append(
                OutsidePath(
                    node.id,
                    graph.display_name(node.id),
                    spec.name,
                    value,
                    reason,
                    spec.kind is ParamKind.FOLDER,
                )
            )
    return found


def rebase_relative_paths(graph: Graph, old_dir: Path | None, new_dir: Path) -> list[str]:
    """Rewrite relative file/folder params so they resolve from ``new_dir`` to what they
    resolved to from ``old_dir`` (relative again where possible, else absolute). Returns the
    ids of the nodes changed. An untitled graph (``old_dir`` None) has nothing to rebase."""
    if old_dir is None or old_dir.resolve() == new_dir.resolve():
        return []
    changed = []
    for node, spec, value in path_params(graph):
        if value.startswith("~") or Path(value).is_absolute():
            continue
        target = (old_dir / value).resolve()
        try:
            moved = os.path.relpath(target, new_dir.resolve())
        except ValueError:  # another drive (Windows): keep it absolute
            moved = str(target)
        if moved.count("..") > 3:  # far away: an absolute path reads better
            moved = str(target)
        if moved != value:
            graph.set_param(node.id, spec.name, moved)
            changed.append(node.id)
    return changed
