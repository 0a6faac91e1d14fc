"""Align, distribute and tidy up: the rules on plain boxes, and the window doing each as one
undo step on the selected nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge
from canvastoon_desktop.ui.arrange import (
    COLUMN_GAP,
    MIN_GAP,
    Box,
    align,
    distribute,
    layered_layout,
)
from tests.ui.uihelpers import copy_example

BOXES = {
    "a": Box(0, 0, 100, 50),
    "b": Box(150, 80, 60, 100),
    "c": Box(400, 30, 80, 40),
}


@pytest.mark.parametrize(
    ("edge", "expected"),
    [
        ("left", {"a": (0, 0), "b": (0, 80), "c": (0, 30)}),
        ("right", {"a": (380, 0), "b": (420, 80), "c": (400, 30)}),
        ("hcenter", {"a": (190, 0), "b": (210, 80), "c": (200, 30)}),
        ("top", {"a": (0, 0), "b": (150, 0), "c": (400, 0)}),
        ("bottom", {"a": (0, 130), "b": (150, 80), "c": (400, 140)}),
        ("vcenter", {"a": (0, 65), "b": (150, 40), "c": (400, 70)}),
    ],
)
def test_align_lines_boxes_up_on_the_edges_of_the_box_around_them(
    edge: str, expected: dict
) -> None:
    assert align(BOXES, edge) == expected


def test_distribute_leaves_equal_gaps_between_first_and_last() -> None:
    places = distribute(BOXES, "horizontal")
    assert places["a"] == (0, 0) and places["c"] == (400, 30)  # the ends stay
    gap_ab = places["b"][0] - 100
    gap_bc = 400 - (places["b"][0] + 60)
    assert gap_ab == pytest.approx(gap_bc)


def test_distribute_spreads_overlapping_boxes_apart() -> None:
    piled = {k: Box(10.0 * i, 0, 100, 50) for i, k in enumerate("abc")}
    places = distribute(piled, "horizontal")
    xs = sorted(x for x, _y in places.values())
    assert xs[1] - xs[0] >= 100 + MIN_GAP - 1e-9 and xs[2] - xs[1] >= 100 + MIN_GAP - 1e-9


def test_layout_puts_every_node_right_of_its_inputs_without_overlaps() -> None:
    boxes = {
        "story": Box(500, 500, 200, 120),
        "cast": Box(0, 0, 200, 90),
        "shots": Box(300, -200, 200, 150),
        "cuts": Box(-300, 40, 200, 200),
        "lone": Box(800, 900, 200, 80),
    }
    edges = [
        Edge("story", "text", "shots", "text"),
        Edge("cast", "character", "shots", "characters"),
        Edge("shots", "shots", "cuts", "shot"),
    ]
    places = layered_layout(boxes, edges)
    assert places["shots"][0] >= places["story"][0] + 200 + COLUMN_GAP - 1e-9
    assert places["cuts"][0] >= places["shots"][0] + 200 + COLUMN_GAP - 1e-9
    assert places["story"][0] == places["cast"][0] == places["lone"][0] == -300  # sources left
    moved = {k: Box(*places[k], b.width, b.height) for k, b in boxes.items()}
    keys = list(moved)
    for i, one in enumerate(keys):
        for other in keys[i + 1 :]:
            a, b = moved[one], moved[other]
            assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y


def _open(qtbot: Any, window: Any, tmp_path: Path) -> Any:
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):
        assert window.open_file(copy_example("kpop_episode.ctoon", tmp_path / "graphs"))
    return window.document.graph


def test_the_window_aligns_and_distributes_the_selection_in_one_step(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    graph = _open(qtbot, window, tmp_path)
    chosen = ["story", "mina", "cuts"]
    before = {n: graph.nodes[n].position for n in graph.nodes}
    window.bridge.select(chosen)
    window.actions_by_name["align_top"].trigger()
    assert len({graph.nodes[n].position[1] for n in chosen}) == 1
    window.actions_by_name["distribute_h"].trigger()
    xs = sorted(graph.nodes[n].position[0] for n in chosen)
    widths = 256.0
    assert (xs[1] - xs[0] - widths) == pytest.approx(xs[2] - xs[1] - widths, abs=0.2)
    assert all(graph.nodes[n].position == before[n] for n in graph.nodes if n not in chosen)
    window.actions_by_name["undo"].trigger()
    window.actions_by_name["undo"].trigger()
    assert {n: graph.nodes[n].position for n in graph.nodes} == before
    assert window.bridge.card("mina").pos().toTuple() == before["mina"]  # the canvas follows


def test_tidy_up_lays_the_selection_out_by_data_flow(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    graph = _open(qtbot, window, tmp_path)
    for node_id, where in (("story", (900, 700)), ("shots", (0, 900)), ("cuts", (-400, 0))):
        graph.set_position(node_id, where)  # a mess
    window.bridge.select(["story", "mina", "jun", "shots", "cuts"])
    assert window.tidy_selection()
    x = {n: graph.nodes[n].position[0] for n in ("story", "mina", "jun", "shots", "cuts")}
    assert x["story"] == x["mina"] == x["jun"] < x["shots"] < x["cuts"]
    assert window.document.stack.undoText() == "tidy up 5 nodes"
    window.bridge.select(["story"])
    assert not window.tidy_selection()  # one node: nothing to tidy, and it says so
    assert "at least 2" in window.statusBar().currentMessage()
