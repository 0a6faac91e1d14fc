"""Saving a graph elsewhere keeps its relative file paths pointing at the same files."""

from __future__ import annotations

from pathlib import Path

from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.paths import rebase_relative_paths
from nodes import default_registry


def test_relative_paths_follow_a_save_as_into_another_folder(tmp_path: Path) -> None:
    graph = Graph(default_registry())
    image = graph.create_node("load_image", params={"path": "masks/corner.png"})
    absolute = graph.create_node("load_image", params={"path": str(tmp_path / "a.png")})
    export = graph.create_node("export", params={"folder": "exports/ep1"})
    old, new = tmp_path / "project", tmp_path / "project" / "drafts"
    changed = rebase_relative_paths(graph, old, new)
    assert set(changed) == {image.id, export.id}
    assert image.params["path"] == "../masks/corner.png"
    assert (new / image.params["path"]).resolve() == (old / "masks/corner.png").resolve()
    assert absolute.params["path"] == str(tmp_path / "a.png")
    assert export.params["folder"] == "../exports/ep1"
    assert rebase_relative_paths(graph, new, new) == []
    assert rebase_relative_paths(graph, None, new) == []
