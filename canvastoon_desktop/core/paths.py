"""File and folder parameters written relative to the graph file, kept pointing at the same
files when the graph is saved somewhere else."""

from __future__ import annotations

import os
from pathlib import Path

from .graph import Graph
from .params import ParamKind

PATH_KINDS = (ParamKind.FILE, ParamKind.FOLDER)


def rebase_relative_paths(graph: Graph, old_dir: Path | None, new_dir: Path) -> list[str]:
    """Rewrite relative file/folder params so they resolve from ``new_dir`` to what they
    resolved to from ``old_dir`` (relative again where possible, else absolute). Returns the
    ids of the nodes changed. An untitled graph (``old_dir`` None) has nothing to rebase."""
    if old_dir is None or old_dir.resolve() == new_dir.resolve():
        return []
    changed = []
    catalog = graph.registry.catalog
    for node in list(graph.nodes.values()):
        node_type = graph.registry.get(node.type)
        if node_type is None:
            continue
        for spec in node_type.param_specs(catalog, node.params.get("model")):
            value = node.params.get(spec.name)
            if spec.kind not in PATH_KINDS or not isinstance(value, str) or not value:
                continue
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
