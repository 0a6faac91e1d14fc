"""A shared graph's paths stay inside its folder: absolute, ``~`` and escaping paths (to
read with Load Image, to write with Export) are refused with the node and the path named,
exit 2 and nothing written — unless the artist allows them (``--allow-outside-paths``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.fileformat import load_graph, save_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pack import PackError, pack_graph
from canvastoon_desktop.core.params import ParamKind
from canvastoon_desktop.core.paths import outside_paths, path_params
from nodes import default_registry
from tests.support.library_factory import png_bytes

REGISTRY = default_registry()


def graph_with(tmp_path: Path, *, image: str, folder: str) -> Path:
    """Load Image (``image``) and a Text, both exported to ``folder``."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    graph = Graph(REGISTRY)
    load = graph.create_node("load_image", params={"path": image}, title="Face")
    text = graph.create_node("text", params={"text": "hello"}, title="Note")
    export = graph.create_node("export", params={"folder": folder}, title="Out")
    graph.connect(Edge(load.id, "image", export.id, "images"))
    graph.connect(Edge(text.id, "text", export.id, "texts"))
    path = project / "shared.ctoon"
    save_graph(graph, path)
    return path


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """An image of the artist's, outside any project."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "id.png").write_bytes(png_bytes(3, 64, 64))
    return private / "id.png"


@pytest.mark.parametrize(
    ("image", "folder", "words"),
    [
        ("ABSOLUTE", "exports", "it is an absolute path"),
        ("../private/id.png", "exports", "it leads out of the graph's folder"),
        ("~/private/id.png", "exports", "it starts with ~"),
        ("face.png", "/tmp/canvastoon-evil-export", "it is an absolute path"),
        ("face.png", "../../escaped", "it leads out of the graph's folder"),
        ("face.png", "~/escaped", "it starts with ~"),
        ("link/id.png", "exports", "it leads out of the graph's folder"),
    ],
)
def test_outside_paths_are_refused_naming_node_and_path_with_nothing_written(
    tmp_path: Path, secret: Path, capsys, image: str, folder: str, words: str
) -> None:
    image = str(secret) if image == "ABSOLUTE" else image
    path = graph_with(tmp_path, image=image, folder=folder)
    (path.parent / "face.png").write_bytes(png_bytes(5, 64, 64))
    (path.parent / "link").symlink_to(secret.parent)  # inside by name, outside by target
    before = sorted(tmp_path.rglob("*"))
    code = main(["run", str(path), "--yes"])
    err = capsys.readouterr().err
    assert code == 2
    named = "Face: reads" if folder == "exports" else "Out: writes to"
    assert named in err and words in err and (image if folder == "exports" else folder) in err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, anywhere
    assert not Path("/tmp/canvastoon-evil-export").exists()
    code = main(["validate", "--json", str(path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert "outside_path" in {p["code"] for p in report["files"][0]["problems"]}


def test_allowed_outside_paths_run(tmp_path: Path, secret: Path, capsys) -> None:
    target = tmp_path / "elsewhere"
    path = graph_with(tmp_path, image=str(secret), folder=str(target))
    code = main(["run", str(path), "--yes", "--allow-outside-paths"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.suffix for p in target.iterdir() if p.suffix != ".json") == [".png", ".txt"]


def test_paths_inside_the_folder_need_no_permission(tmp_path: Path, capsys) -> None:
    path = graph_with(tmp_path, image="art/face.png", folder="exports/day1")
    (path.parent / "art").mkdir()
    (path.parent / "art" / "face.png").write_bytes(png_bytes(5, 64, 64))
    assert outside_paths(load_graph(path, REGISTRY), path.parent) == []
    assert main(["run", str(path), "--yes"]) == 0, capsys.readouterr().err
    assert (path.parent / "exports" / "day1").is_dir()


def test_packing_refuses_to_carry_a_file_from_outside(tmp_path: Path, secret: Path) -> None:
    path = graph_with(tmp_path, image=str(secret), folder="exports")
    library = Library(tmp_path / "library")
    with pytest.raises(PackError, match=r"Face reads .*id\.png'?, outside the graph's folder"):
        pack_graph(path, tmp_path / "out.ctoonpack", library, REGISTRY)
    assert not (tmp_path / "out.ctoonpack").exists()
    summary = pack_graph(
        path, tmp_path / "out.ctoonpack", library, REGISTRY, allow_outside_paths=True
    )
    assert summary.inputs == 1
    library.close()


def test_an_untitled_graph_made_here_has_nothing_outside(secret: Path) -> None:
    graph = Graph(REGISTRY)
    graph.create_node("load_image", params={"path": str(secret)})
    assert outside_paths(graph, None) == []


def test_the_path_params_of_every_type_and_model_are_its_file_and_folder_params() -> None:
    graph = Graph(REGISTRY)
    expected = []
    for node_type in REGISTRY:
        chooser = node_type.model_param(REGISTRY.catalog)
        for model_id in chooser.choices if chooser else (None,):
            node = graph.create_node(node_type.type_id)
            if model_id is not None:
                node.params["model"] = model_id
            for spec in node_type.param_specs(REGISTRY.catalog, model_id):
                if spec.kind in (ParamKind.FILE, ParamKind.FOLDER):
                    node.params[spec.name] = f"{node.id}/{spec.name}"
                    expected.append((node.id, spec.name, f"{node.id}/{spec.name}"))
    assert expected  # (Load Image's file, Export's folder at least)
    found = [(node.id, spec.name, value) for node, spec, value in path_params(graph)]
    assert found == expected
