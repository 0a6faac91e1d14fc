"""Undo commands: one small class per edit of the graph (orange-canvas-core style).

Each command captures what it needs to undo when it is made, and ``redo``/``undo`` call only
the core ``Graph``'s public methods; the canvas follows the graph's signals. Larger edits
(delete a selection, paste) are ``CompoundCommand``s of child commands.

Two PySide details shape this module. Children are kept in a Python list rather than given a
Qt parent (a child's Python half would otherwise be collected while Qt still points at it).
And an exception raised inside ``redo`` while ``QUndoStack.push`` calls it never reaches the
caller, so ``push()`` performs the edit first — where a refusal can be caught, and a half-done
compound edit rolled back — and only then hands the command to the stack, which skips that
first redo.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from canvastoon_desktop.core.backdrops import Backdrop
from canvastoon_desktop.core.errors import GraphError
from canvastoon_desktop.core.graph import Edge, Graph, Node

_TEXT_MERGE_ID = 7101  # QUndoCommand.id() of coalescing parameter edits
_MULTI_MERGE_ID = 7102  # ... and of those made on several nodes at once
_sessions = itertools.count(1)


def new_edit_session() -> int:
    """A token that groups keystrokes into one undo step (a new one per focus-in)."""
    return next(_sessions)


class Command(QUndoCommand):
    """Base: subclasses implement ``do`` and ``undo_it``."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setText(text)
        self._skip_redo = False

    def do(self) -> None:
        raise NotImplementedError

    def undo_it(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._skip_redo:  # push() has just done it
            self._skip_redo = False
            return
        self.do()

    def undo(self) -> None:
        self.undo_it()


def push(stack: QUndoStack, command: Command) -> None:
    """Do ``command`` and put it on ``stack``; a GraphError leaves graph and stack as they
    were, and is raised to the caller."""
    command.do()
    command._skip_redo = True
    stack.push(command)


class CompoundCommand(Command):
    """Several edits as one undo step; a refused child rolls back the ones before it."""

    def __init__(self, text: str = "", children: Iterable[Command] = ()) -> None:
        super().__init__(text)
        self.children: list[Command] = list(children)

    def add(self, child: Command) -> Command:
        self.children.append(child)
        return child

    def do(self) -> None:
        done: list[Command] = []
        try:
            for child in self.children:
                child.do()
                done.append(child)
        except Exception:
            for child in reversed(done):
                child.undo_it()
            raise

    def undo_it(self) -> None:
        for child in reversed(self.children):
            child.undo_it()


class AddNodeCommand(Command):
    def __init__(self, graph: Graph, node: Node) -> None:
        super().__init__(f"add {graph.registry[node.type].title}")
        self.graph = graph
        self.node = node

    def do(self) -> None:
        self.graph.add_node(self.node)

    def undo_it(self) -> None:
        self.node, _edges = self.graph.remove_node(self.node.id)


class ConnectCommand(Command):
    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(
            f"connect {graph.display_name(edge.src_node)} → {graph.display_name(edge.dst_node)}"
        )
        self.graph = graph
        self.edge = edge

    def do(self) -> None:
        self.graph.connect(self.edge)

    def undo_it(self) -> None:
        self.graph.disconnect(self.edge)


class DisconnectCommand(Command):
    def __init__(self, graph: Graph, edge: Edge) -> None:
        super().__init__(
            f"disconnect {graph.display_name(edge.src_node)} → {graph.display_name(edge.dst_node)}"
        )
        self.graph = graph
        self.edge = edge
        self.done = False  # two deleted nodes share an edge: only one command removes it

    def do(self) -> None:
        self.done = self.edge in self.graph.edges
        if self.done:
            self.graph.disconnect(self.edge)

    def undo_it(self) -> None:
        if self.done:
            self.graph.connect(self.edge)


class RemoveNodeCommand(Command):
    """Removes a node; its edges go first (and come back after it)."""

    def __init__(self, graph: Graph, node_id: str) -> None:
        super().__init__(f"delete {graph.display_name(node_id)}")
        self.graph = graph
        self.node_id = node_id
        self.node: Node | None = None
        self.edges = CompoundCommand(
            "",
            [
                DisconnectCommand(graph, edge)
                for edge in graph.edges
                if node_id in (edge.src_node, edge.dst_node)
            ],
        )

    def do(self) -> None:
        self.edges.do()
        self.node, _edges = self.graph.remove_node(self.node_id)

    def undo_it(self) -> None:
        assert self.node is not None
        self.graph.add_node(self.node)
        self.edges.undo_it()


class MoveNodesCommand(Command):
    """One drag of one or more nodes: {node_id: (old position, new position)}."""

    def __init__(
        self, graph: Graph, moves: Mapping[str, tuple[tuple[float, float], tuple[float, float]]]
    ) -> None:
        super().__init__("move node" if len(moves) == 1 else f"move {len(moves)} nodes")
        self.graph = graph
        self.moves = dict(moves)

    def do(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            if node_id in self.graph.nodes:
                self.graph.set_position(node_id, new)

    def undo_it(self) -> None:
        for node_id, (old, _new) in self.moves.items():
            if node_id in self.graph.nodes:
                self.graph.set_position(node_id, old)


class SetParamCommand(Command):
    """A parameter edit. Keystrokes of one editing session merge into one step; a model
    switch (which resets the params the new model does not accept) restores them all."""

    def __init__(
        self, graph: Graph, node_id: str, name: str, value: Any, *, session: int | None = None
    ) -> None:
        super().__init__(f"change {name.replace('_', ' ')} of {graph.display_name(node_id)}")
        node = graph.nodes[node_id]
        node_type = graph.registry[node.type]
        self.graph = graph
        self.node_id = node_id
        self.name = name
        self.old_params = dict(node.params)
        self.old = node_type.effective_params(graph.registry.catalog, node.params).get(name)
        self.new = value
        self.session = session

    def id(self) -> int:
        return _TEXT_MERGE_ID if self.session is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, SetParamCommand)
            and other.session is not None
            and other.session == self.session
            and other.node_id == self.node_id
            and other.name == self.name
        ):
            return False
        self.new = other.new
        return True

    def do(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.new)

    def undo_it(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.old)
        if self.name == "model":
            for name, value in self.old_params.items():
                if name == "model":
                    continue
                try:
                    self.graph.set_param(self.node_id, name, value)
                except GraphError:
                    continue


class SetParamsCommand(CompoundCommand):
    """One parameter set to one value on several nodes (a multi-selection's shared
    parameter); keystrokes of one editing session merge, as with ``SetParamCommand``."""

    def __init__(
        self,
        graph: Graph,
        node_ids: Iterable[str],
        name: str,
        value: Any,
        *,
        session: int | None = None,
    ) -> None:
        self.node_ids = list(node_ids)
        super().__init__(
            f"change {name.replace('_', ' ')} of {len(self.node_ids)} nodes",
            [SetParamCommand(graph, n, name, value) for n in self.node_ids],
        )
        self.name = name
        self.session = session

    def id(self) -> int:
        return _MULTI_MERGE_ID if self.session is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, SetParamsCommand)
            and other.session is not None
            and other.session == self.session
            and other.node_ids == self.node_ids
            and other.name == self.name
        ):
            return False
        for mine, theirs in zip(self.children, other.children, strict=True):
            assert isinstance(mine, SetParamCommand) and isinstance(theirs, SetParamCommand)
            mine.new = theirs.new
        return True


class SetTitleCommand(Command):
    def __init__(self, graph: Graph, node_id: str, title: str | None) -> None:
        super().__init__(f"rename {graph.display_name(node_id)}")
        self.graph = graph
        self.node_id = node_id
        self.old = graph.nodes[node_id].title
        self.new = title or None

    def do(self) -> None:
        self.graph.set_title(self.node_id, self.new)

    def undo_it(self) -> None:
        self.graph.set_title(self.node_id, self.old)


class SetPinCommand(Command):
    """Pin (keep) a node's outputs — given as asset hashes per port — or unpin (None)."""

    def __init__(
        self, graph: Graph, node_id: str, outputs: Mapping[str, Any] | None, item: int | None = None
    ) -> None:
        super().__init__(f"{'pin' if outputs else 'unpin'} {graph.display_name(node_id)}")
        self.graph = graph
        self.node_id = node_id
        self.item = item
        self.old = graph.nodes[node_id].pin_for(item)
        self.new = dict(outputs) if outputs else None

    def do(self) -> None:
        self.graph.set_pin(self.node_id, self.new, self.item)

    def undo_it(self) -> None:
        self.graph.set_pin(self.node_id, self.old, self.item)


class RerollCommand(Command):
    """Ask a node for a fresh result (its re-roll counter is part of the cache key)."""

    def __init__(self, graph: Graph, node_id: str, item: int | None = None) -> None:
        super().__init__(f"re-roll {graph.display_name(node_id)}")
        self.graph = graph
        self.node_id = node_id
        self.item = item
        node = graph.nodes[node_id]
        self.old_rerolls = dict(node.rerolls)
        self.old_pin = node.pin_for(item)

    def do(self) -> None:
        self.graph.reroll(self.node_id, self.item)

    def undo_it(self) -> None:
        self.graph.set_rerolls(self.node_id, self.old_rerolls)
        if self.old_pin is not None:
            self.graph.set_pin(self.node_id, self.old_pin, self.item)


def has_randomness(graph: Graph, node_id: str) -> bool:
    """Can a re-roll of this node give something new? Hosted models can (a new call, a new
    result), offline ones only when they take a seed; a node calling no model cannot."""
    node = graph.nodes[node_id]
    node_type = graph.registry[node.type]
    catalog = graph.registry.catalog
    params = node_type.effective_params(catalog, node.params)
    connected = frozenset(e.dst_port for e in graph.incoming(node_id))
    return any(
        not model.offline or model.param("seed") is not None
        for model in node_type.models_in_use(catalog, params, connected)
    )


class MaskEditCommand(Command):
    """A painted mask put in front of an Inpaint node (a ``nodes.painted_mask.MaskEdit``:
    a new Painted Mask node wired in, or new params on the one already there)."""

    def __init__(self, graph: Graph, edit: Any) -> None:
        super().__init__(f"paint mask of {graph.display_name(edit.inpaint_id)}")
        self.graph = graph
        self.edit = edit

    def do(self) -> None:
        self.edit.apply(self.graph)

    def undo_it(self) -> None:
        self.edit.revert(self.graph)


class AddBackdropCommand(Command):
    def __init__(self, graph: Graph, backdrop: Backdrop) -> None:
        super().__init__(f"add backdrop {backdrop.title}".rstrip())
        self.graph = graph
        self.backdrop = backdrop

    def do(self) -> None:
        self.graph.add_backdrop(self.backdrop)

    def undo_it(self) -> None:
        self.graph.remove_backdrop(self.backdrop.id)


class RemoveBackdropCommand(Command):
    """Removes a backdrop; the nodes on it stay where they are."""

    def __init__(self, graph: Graph, backdrop_id: str) -> None:
        self.backdrop = graph.backdrops[backdrop_id]
        super().__init__(f"delete backdrop {self.backdrop.title}".rstrip())
        self.graph = graph

    def do(self) -> None:
        self.graph.remove_backdrop(self.backdrop.id)

    def undo_it(self) -> None:
        self.graph.add_backdrop(self.backdrop)


class SetBackdropCommand(Command):
    """A backdrop moved, resized, renamed or recoloured: the new value of it."""

    def __init__(self, graph: Graph, new: Backdrop, text: str = "") -> None:
        self.old = graph.backdrops[new.id]
        super().__init__(text or f"change backdrop {self.old.title}".rstrip())
        self.graph = graph
        self.new = new

    def do(self) -> None:
        self.graph.set_backdrop(self.new)

    def undo_it(self) -> None:
        self.graph.set_backdrop(self.old)


def delete_nodes_command(
    graph: Graph,
    node_ids: list[str],
    edges: list[Edge] | None = None,
    backdrop_ids: Iterable[str] = (),
) -> CompoundCommand:
    """Delete nodes (and, beside them, lone selected edges and backdrops) as one undo step."""
    nodes = [n for n in node_ids if n in graph.nodes]
    backdrops = [b for b in backdrop_ids if b in graph.backdrops]
    if len(nodes) == 1 and not edges and not backdrops:
        text = f"delete {graph.display_name(nodes[0])}"
    elif nodes:
        text = f"delete {len(nodes)} nodes"
    elif backdrops:
        text = "delete backdrop" if len(backdrops) == 1 else f"delete {len(backdrops)} backdrops"
    else:
        text = "disconnect"
    parent = CompoundCommand(text)
    for backdrop_id in backdrops:
        parent.add(RemoveBackdropCommand(graph, backdrop_id))
    touched = set(nodes)
    for edge in edges or ():
        if edge.src_node not in touched and edge.dst_node not in touched:
            parent.add(DisconnectCommand(graph, edge))
    for node_id in nodes:
        parent.add(RemoveNodeCommand(graph, node_id))
    return parent


def add_nodes_command(
    graph: Graph, nodes: list[Node], edges: list[Edge], text: str
) -> CompoundCommand:
    """Add several nodes with the edges among them (paste, duplicate, drop of files)."""
    parent = CompoundCommand(text)
    for node in nodes:
        parent.add(AddNodeCommand(graph, node))
    for edge in edges:
        parent.add(ConnectCommand(graph, edge))
    return parent
