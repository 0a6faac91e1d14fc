"""Undo and redo of every kind of edit, as the artist meets them with Ctrl+Z / Ctrl+Shift+Z:
each edit is one step, undoing it gives back the graph exactly as it was, and an edit that is
refused changes nothing. Driven on a bare QUndoStack over a core Graph — no window."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from canvastoon_desktop.core.errors import GraphError
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.ui.commands import (
    AddNodeCommand,
    CompoundCommand,
    ConnectCommand,
    MoveNodesCommand,
    RerollCommand,
    SetParamCommand,
    SetParamsCommand,
    SetPinCommand,
    SetTitleCommand,
    delete_nodes_command,
    new_edit_session,
    push,
)
from tests.support.fakes import fake_registry

REGISTRY = fake_registry()


@pytest.fixture
def graph() -> Graph:
    return Graph(REGISTRY)


@pytest.fixture
def stack() -> QUndoStack:
    return QUndoStack()


def snapshot(graph: Graph) -> tuple:
    """Everything an edit may change, comparable."""
    return (
        {
            n.id: (n.type, n.title, n.position, dict(n.params), dict(n.rerolls), dict(n.pins))
            for n in graph.nodes.values()
        },
        sorted(e.describe() for e in graph.edges),
    )


def two_steps(graph: Graph) -> tuple[str, str]:
    first = graph.create_node("test.step", position=(0.0, 0.0), params={"text": "a rooftop"})
    second = graph.create_node("test.step", position=(300.0, 0.0), title="Night")
    graph.connect(Edge(first.id, "text", second.id, "text"))
    return first.id, second.id


def test_an_added_node_goes_away_with_undo_and_comes_back_the_same_with_redo(
    graph: Graph, stack: QUndoStack
) -> None:
    node = graph.create_node("image_gen", params={"prompt": "a stage"})
    graph.remove_node(node.id)
    push(stack, AddNodeCommand(graph, node))
    assert stack.undoText() == "add " + REGISTRY["image_gen"].title
    after = snapshot(graph)
    stack.undo()
    assert graph.nodes == {}
    stack.redo()
    assert snapshot(graph) == after


def test_deleting_a_connected_node_and_undoing_gives_back_the_node_and_its_connections(
    graph: Graph, stack: QUndoStack
) -> None:
    first, second = two_steps(graph)
    third = graph.create_node("test.step").id
    graph.connect(Edge(second, "text", third, "text"))
    before = snapshot(graph)
    push(stack, delete_nodes_command(graph, [second]))
    assert stack.undoText() == "delete Night"
    assert set(graph.nodes) == {first, third} and graph.edges == []
    stack.undo()
    assert snapshot(graph) == before
    stack.redo()
    assert second not in graph.nodes and graph.edges == []


def test_keystrokes_of_one_editing_session_are_one_step_and_a_new_session_another(
    graph: Graph, stack: QUndoStack
) -> None:
    node, _ = two_steps(graph)
    typing = new_edit_session()
    for text in ("a r", "a roof", "a roof at dusk"):
        push(stack, SetParamCommand(graph, node, "text", text, session=typing))
    push(stack, SetParamCommand(graph, node, "text", "dawn", session=new_edit_session()))
    assert stack.count() == 2
    stack.undo()
    assert graph.nodes[node].params["text"] == "a roof at dusk"
    stack.undo()
    assert graph.nodes[node].params["text"] == "a rooftop"  # as before the first keystroke


def test_undoing_a_model_switch_brings_back_the_settings_the_new_model_reset(
    graph: Graph, stack: QUndoStack
) -> None:
    image = graph.create_node("image_gen", params={"prompt": "a stage"}).id
    graph.set_param(image, "aspect_ratio", "1:1")
    graph.set_param(image, "resolution", "2K")
    before = snapshot(graph)
    push(stack, SetParamCommand(graph, image, "model", "prunaai/z-image-turbo"))
    assert "aspect_ratio" not in graph.nodes[image].params  # z-image has width and height
    stack.undo()
    assert snapshot(graph) == before


def test_one_setting_changed_on_several_nodes_is_one_step(graph: Graph, stack: QUndoStack) -> None:
    first, second = two_steps(graph)
    push(stack, SetParamsCommand(graph, [first, second], "text", "rain"))
    assert [graph.nodes[n].params["text"] for n in (first, second)] == ["rain", "rain"]
    assert stack.undoText() == "change text of 2 nodes"
    stack.undo()
    assert graph.nodes[first].params["text"] == "a rooftop"
    assert graph.nodes[second].params.get("text", "") == ""


def test_moves_renames_rerolls_and_pins_are_each_undone(graph: Graph, stack: QUndoStack) -> None:
    first, second = two_steps(graph)
    graph.set_pin(first, {"text": "ab" * 32})
    before = snapshot(graph)
    push(stack, MoveNodesCommand(graph, {first: ((0.0, 0.0), (50.0, 80.0))}))
    push(stack, SetTitleCommand(graph, second, "Dawn"))
    push(stack, RerollCommand(graph, first))  # a re-roll asks anew: it drops the pin
    assert graph.nodes[first].rerolls == {"": 1} and graph.nodes[first].pin_for() is None
    push(stack, SetPinCommand(graph, second, {"text": "cd" * 32}))
    assert [stack.text(i) for i in range(stack.count())] == [
        "move node",
        "rename Night",
        f"re-roll {graph.display_name(first)}",
        "pin Dawn",
    ]
    while stack.canUndo():
        stack.undo()
    assert snapshot(graph) == before


def test_a_refused_connection_changes_nothing_and_is_not_put_on_the_stack(
    graph: Graph, stack: QUndoStack
) -> None:
    text, _ = two_steps(graph)
    cleanup = graph.create_node("inpaint").id
    before = snapshot(graph)
    with pytest.raises(GraphError, match="cannot connect"):
        push(stack, ConnectCommand(graph, Edge(text, "text", cleanup, "image")))
    assert snapshot(graph) == before and stack.count() == 0


def test_a_compound_edit_refused_half_way_is_rolled_back_whole(
    graph: Graph, stack: QUndoStack
) -> None:
    first, second = two_steps(graph)
    before = snapshot(graph)
    edit = CompoundCommand(
        "paste",
        [
            SetTitleCommand(graph, first, "Renamed"),
            SetParamCommand(graph, second, "no_such_setting", 1),
        ],
    )
    with pytest.raises(GraphError, match="no parameter 'no_such_setting'"):
        push(stack, edit)
    assert snapshot(graph) == before and stack.count() == 0
