"""Every hostile value a sender can put in a graph file is a clean error naming the file,
the node and the field (exit 2) — not a traceback now, nor a save that fails later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import load_graph, save_graph
from canvastoon_desktop.core.resources import examples_dir
from nodes import default_registry

REGISTRY = default_registry()


def example_doc() -> dict:
    return json.loads((examples_dir() / "offline_storyboard.ctoon").read_text("utf-8"))


def node_of(doc: dict, node_id: str) -> dict:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def with_huge_duration(doc: dict) -> str:
    node_of(doc, "clip")["params"]["duration"] = 10**310
    return json.dumps(doc)


def with_huge_seed(doc: dict) -> str:
    node_of(doc, "card")["params"]["seed"] = 10**310
    return json.dumps(doc)


def with_surrogate(doc: dict) -> str:
    node_of(doc, "idea")["params"]["text"] = "rain \ud800 on the roof"
    return json.dumps(doc)  # written as the escape \ud800, as a hostile sender would


def with_infinity_in_meta(doc: dict) -> str:
    return json.dumps(doc).replace('"meta": {', '"meta": {"zoom": 1e400, ', 1)


def with_deep_unknown_field(doc: dict) -> str:
    deep: object = 0
    for _ in range(900):
        deep = [deep]
    node_of(doc, "idea")["from_the_future"] = deep
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("make", "node", "field"),
    [
        (with_huge_duration, "clip", "Duration"),
        (with_huge_seed, "card", "Seed"),
        (with_surrogate, "idea", "params.text"),
        (with_infinity_in_meta, None, "meta.zoom"),
        (with_deep_unknown_field, "idea", "from_the_future"),
    ],
)
def test_hostile_values_are_clean_errors_naming_file_node_and_field(
    tmp_path: Path, capsys, make, node: str | None, field: str
) -> None:
    path = tmp_path / "gift.ctoon"
    path.write_text(make(example_doc()), encoding="utf-8")
    with pytest.raises(GraphFileError) as err:
        load_graph(path, REGISTRY)
    assert str(err.value).startswith(str(path))
    assert err.value.node == node and field in str(err.value)
    for command in ("validate", "run"):
        code = main([command, str(path)])
        _out, stderr = capsys.readouterr()
        assert code == 2 and field in " ".join(stderr.split()) and "Traceback" not in stderr
    code = main(["validate", "--json", str(path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 2 and report["files"][0]["ok"] is False


def test_a_value_no_file_can_hold_makes_save_fail_loudly(tmp_path: Path) -> None:
    graph = load_graph(examples_dir() / "offline_storyboard.ctoon", REGISTRY)
    graph.set_title("idea", "bad \ud800 title")
    target = tmp_path / "g.ctoon"
    target.write_text("the old file")
    with pytest.raises(GraphFileError, match=r"cannot be saved: title contains a character"):
        save_graph(graph, target)
    assert target.read_text() == "the old file"  # untouched
    graph.meta["zoom"] = float("inf")
    graph.set_title("idea", "fine")
    with pytest.raises(GraphFileError, match=r"meta\.zoom is not a finite number"):
        save_graph(graph, target)


def test_a_set_on_the_command_line_with_bad_bytes_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "g.ctoon"
    path.write_text(json.dumps(example_doc()))
    code = main(["run", str(path), "--set", "idea.text=bad \udcff byte"])  # surrogateescape
    err = capsys.readouterr().err
    assert code == 2 and "not valid Unicode" in err
