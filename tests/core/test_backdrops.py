"""Backdrops in the graph model and the graph file: they survive a save and reload with their
title, colour and rectangle; a broken entry is refused with a message naming it; fields a
newer app added are written back; graphs without backdrops are written as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.core.backdrops import Backdrop
from canvastoon_desktop.core.errors import GraphError, GraphFileError
from canvastoon_desktop.core.fileformat import dumps_graph, load_graph, parse_graph, save_graph
from canvastoon_desktop.core.graph import Graph
from nodes import default_registry

REGISTRY = default_registry()


def _graph_with_a_backdrop() -> tuple[Graph, Backdrop]:
    graph = Graph(REGISTRY)
    graph.create_node("text", params={"text": "idea"}, position=(40.0, 60.0))
    backdrop = graph.add_backdrop(Backdrop("chars", (0.0, 0.0, 400.0, 300.0), "Characters"))
    return graph, backdrop


def test_a_backdrop_survives_save_and_reload(tmp_path: Path) -> None:
    graph, backdrop = _graph_with_a_backdrop()
    save_graph(graph, tmp_path / "g.ctoon")
    again = load_graph(tmp_path / "g.ctoon", REGISTRY)
    assert again.backdrops == {"chars": backdrop}
    assert dumps_graph(again) == dumps_graph(graph)


def test_the_model_signals_every_backdrop_change() -> None:
    graph, backdrop = _graph_with_a_backdrop()
    seen: list[tuple[str, object]] = []
    graph.backdrop_changed.connect(lambda b: seen.append(("changed", b.title)))
    graph.backdrop_removed.connect(lambda b: seen.append(("removed", b.id)))
    graph.set_backdrop(backdrop.changed(title="Cast"))
    graph.set_backdrop(backdrop.changed(title="Cast"))  # no change: no signal
    graph.remove_backdrop("chars")
    assert seen == [("changed", "Cast"), ("removed", "chars")]
    with pytest.raises(GraphError):
        graph.set_backdrop(backdrop)
    copy = graph.copy()
    graph.add_backdrop(backdrop)
    assert copy.backdrops == {}  # a copy (a run's, a plan's) does not follow the original


def test_graphs_without_backdrops_are_written_as_before() -> None:
    graph = Graph(REGISTRY)
    graph.create_node("text", params={"text": "idea"})
    assert "backdrops" not in json.loads(dumps_graph(graph))


def test_fields_a_newer_app_added_to_a_backdrop_are_kept() -> None:
    graph, _backdrop = _graph_with_a_backdrop()
    doc = json.loads(dumps_graph(graph))
    doc["backdrops"][0]["collapsed"] = True
    again = parse_graph(json.dumps(doc).encode(), REGISTRY)
    assert json.loads(dumps_graph(again))["backdrops"][0]["collapsed"] is True


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"id": "b", "rect": [0, 0, -5, 100]}, "width and height must be positive"),
        ({"id": "b", "rect": [0, 0, 12345, 100]}, "rect[2] is not a finite number"),  # 1e400
        ({"id": "b", "rect": [0, 0, 100, 100], "color": "red; x"}, "is not #rrggbb"),
        ({"id": "b", "rect": [0, 0, 100]}, "rect"),
        ({"id": "b/../x", "rect": [0, 0, 100, 100]}, "id"),
        ({"id": "b", "rect": [0, 0, 100, 100], "title": 7}, "title"),
    ],
)
def test_a_broken_backdrop_is_refused_naming_it(entry: dict, says: str) -> None:
    graph, _backdrop = _graph_with_a_backdrop()
    doc = json.loads(dumps_graph(graph))
    doc["backdrops"] = [entry]
    with pytest.raises(GraphFileError) as caught:
        # a number too big for a float reads as inf (json.dumps would write "Infinity")
        text = json.dumps(doc).replace("12345", "1e400")
        parse_graph(text.encode(), REGISTRY, source="g.ctoon")
    assert says in str(caught.value)


def test_a_backdrop_id_used_twice_is_refused() -> None:
    graph, _backdrop = _graph_with_a_backdrop()
    doc = json.loads(dumps_graph(graph))
    doc["backdrops"] = doc["backdrops"] * 2
    with pytest.raises(GraphFileError, match="backdrop chars: this backdrop id is used twice"):
        parse_graph(json.dumps(doc).encode(), REGISTRY)
