"""The graph model: nodes, typed edges and file metadata, with change signals.

The canvas is a view of this model (it never holds state of its own); the executor reads it;
the file format reads and writes it. Node ids are our own UUIDs and survive save and reload.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .backdrops import Backdrop
from .errors import GraphError, ParamError
from .nodetype import NodeRegistry, NodeType
from .ports import Port, connection_refusal
from .signals import Signal


def new_node_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Edge:
    src_node: str
    src_port: str
    dst_node: str
    dst_port: str

    def describe(self) -> str:
        return f"{self.src_node}.{self.src_port} → {self.dst_node}.{self.dst_port}"


@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    title: str | None = None
    #: a re-roll counter per item ("" for the whole node); part of the cache key
    rerolls: dict[str, int] = field(default_factory=dict)
    #: pinned outputs per item ("" for the whole node): {port: sha256 | [sha256, ...]}
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: fields of the file entry this app version does not know; written back unchanged
    extra: dict[str, Any] = field(default_factory=dict)

    def reroll_count(self, item: int | None = None) -> int:
        return self.rerolls.get("" if item is None else str(item), 0)

    def pin_for(self, item: int | None = None) -> dict[str, Any] | None:
        return self.pins.get("" if item is None else str(item))

    def clone(self, new_id: str | None = None) -> Node:
        return Node(
            new_id or self.id,
            self.type,
            {
                k: v
                if v.__class__ in _PLAIN or not isinstance(v, list | dict)
                else copy.deepcopy(v)
                for k, v in self.params.items()
            },
            self.position,
            self.title,
            dict(self.rerolls),
            {k: dict(v) for k, v in self.pins.items()} if self.pins else {},
            copy.deepcopy(self.extra) if self.extra else {},
        )


#: the values a param holds most, which a copy shares (the test is faster than isinstance)
_PLAIN = frozenset((str, int, float, bool, type(None)))


class Graph:
    """A graph of nodes bound to the registry that declares their types."""

    def __init__(self, registry: NodeRegistry) -> None:
        self.registry = registry
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.meta: dict[str, Any] = {"graph_id": uuid.uuid4().hex}
        self.extra: dict[str, Any] = {}
        #: (node)
        self.node_added = Signal("node_added")
        #: (node, removed_edges)
        self.node_removed = Signal("node_removed")
        #: (edge)
        self.edge_added = Signal("edge_added")
        #: (edge)
        self.edge_removed = Signal("edge_removed")
        #: (node_id, name, value)
        self.param_changed = Signal("param_changed")
        #: (node_id, position)
        self.node_moved = Signal("node_moved")
        #: (node_id, title)
        self.title_changed = Signal("title_changed")
        #: (node_id) — pins or re-roll counters changed
        self.node_state_changed = Signal("node_state_changed")
        #: labelled frames behind parts of the graph (see ``backdrops.py``), by id
        self.backdrops: dict[str, Backdrop] = {}
        #: (backdrop)
        self.backdrop_added = Signal("backdrop_added")
        #: (backdrop)
        self.backdrop_removed = Signal("backdrop_removed")
        #: (backdrop) — its rectangle, title or colour changed; the new value
        self.backdrop_changed = Signal("backdrop_changed")

    # -- queries ---------------------------------------------------------------------------
    def node_type(self, node_id: str) -> type[NodeType]:
        return self.registry[self.nodes[node_id].type]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def incoming(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.dst_node == node_id]

    def upstream_index(self) -> dict[str, list[Edge]]:
        """Incoming edges of every node, in one pass (the executor's planning uses this)."""
        index: dict[str, list[Edge]] = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            index[edge.dst_node].append(edge)
        return index

    def downstream_index(self) -> dict[str, list[Edge]]:
        index: dict[str, list[Edge]] = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            index[edge.src_node].append(edge)
        return index

    def descendants(self, node_ids: Iterable[str]) -> set[str]:
        down = self.downstream_index()
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            current = stack.pop()
            for edge in down.get(current, ()):
                if edge.dst_node not in seen:
                    seen.add(edge.dst_node)
                    stack.append(edge.dst_node)
        return seen

    def ancestors(self, node_ids: Iterable[str]) -> set[str]:
        up = self.upstream_index()
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            current = stack.pop()
            for edge in up.get(current, ()):
                if edge.src_node not in seen:
                    seen.add(edge.src_node)
                    stack.append(edge.src_node)
        return seen

    def find(self, ref: str) -> Node | None:
        """A node by id, id prefix (≥ 6 chars) or unique title — for the CLI's NODE arguments."""
        if ref in self.nodes:
            return self.nodes[ref]
        by_title = [n for n in self.nodes.values() if n.title == ref]
        if len(by_title) == 1:
            return by_title[0]
        if len(ref) >= 6:
            by_prefix = [n for n in self.nodes.values() if n.id.startswith(ref)]
            if len(by_prefix) == 1:
                return by_prefix[0]
        return None

    def display_name(self, node_id: str) -> str:
        node = self.nodes.get(node_id)
        if node is None:
            return node_id
        if node.title:
            return node.title
        node_type = self.registry.get(node.type)
        return node_type.title if node_type else node.type

    # -- edits (each emits its signal only on a real change) ------------------------------
    def add_node(self, node: Node) -> Node:
        if node.id in self.nodes:
            raise GraphError(f"a node with id {node.id} already exists")
        if node.type not in self.registry:
            raise GraphError(f"unknown node type {node.type!r}")
        self.nodes[node.id] = node
        self.node_added.emit(node)
        return node

    def create_node(
        self,
        type_id: str,
        *,
        position: tuple[float, float] = (0.0, 0.0),
        params: Mapping[str, Any] | None = None,
        node_id: str | None = None,
        title: str | None = None,
    ) -> Node:
        """A new node of ``type_id`` with its default params (overridden by ``params``)."""
        node_type = self.registry.get(type_id)
        if node_type is None:
            raise GraphError(f"unknown node type {type_id!r}")
        node = Node(
            id=node_id or new_node_id(),
            type=type_id,
            params=node_type.new_params(self.registry.catalog, params),
            position=position,
            title=title,
        )
        return self.add_node(node)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.nodes.get(node_id)
        if node is None:
            raise GraphError(f"no node with id {node_id}")
        removed = [e for e in self.edges if node_id in (e.src_node, e.dst_node)]
        for edge in removed:
            self.disconnect(edge)
        del self.nodes[node_id]
        self.node_removed.emit(node, removed)
        return node, removed

    def connection_problem(self, edge: Edge) -> str | None:
        """Why ``edge`` cannot be added, in plain words; None when it can."""
        return edge_problem(self, edge)

    def connect(self, edge: Edge) -> Edge:
        problem = edge_problem(self, edge)
        if problem:
            raise GraphError(f"cannot connect: {problem}")
        self.edges.append(edge)
        self.edge_added.emit(edge)
        return edge

    def disconnect(self, edge: Edge) -> None:
        try:
            self.edges.remove(edge)
        except ValueError:
            raise GraphError(f"no connection {edge.describe()}") from None
        self.edge_removed.emit(edge)

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        """Set a parameter after checking it against the node's declaration."""
        node = self.nodes[node_id]
        node_type = self.registry[node.type]
        catalog = self.registry.catalog
        model_id = node.params.get("model")
        # a new model chooses the other specs, so the chooser checks it before it is looked up
        chooser = node_type.model_param(catalog) if name == "model" else None
        try:
            if chooser is not None:
                model_id = value = chooser.coerce(value)
            spec = node_type.param_spec_map(catalog, model_id).get(name)
            if spec is None:
                raise GraphError(f"{self.display_name(node_id)} has no parameter {name!r}")
            value = spec.coerce(value)
        except ParamError as exc:
            raise GraphError(str(exc)) from None
        if name in node.params and node.params[name] == value:
            return
        node.params[name] = value
        if name == "model":
            self._adapt_params_to_model(node, node_type)
        self.param_changed.emit(node_id, name, value)

    def _adapt_params_to_model(self, node: Node, node_type: type[NodeType]) -> None:
        """After a model switch keep values the new model accepts; reset the rest."""
        specs = node_type.param_specs(self.registry.catalog, node.params.get("model"))
        kept: dict[str, Any] = {}
        for spec in specs:
            old = node.params.get(spec.name, spec.default)
            try:
                kept[spec.name] = spec.coerce(old)
            except ParamError:
                kept[spec.name] = spec.default
        node.params = kept

    def set_position(self, node_id: str, position: tuple[float, float]) -> None:
        node = self.nodes[node_id]
        position = (float(position[0]), float(position[1]))
        if node.position != position:
            node.position = position
            self.node_moved.emit(node_id, position)

    def set_title(self, node_id: str, title: str | None) -> None:
        node = self.nodes[node_id]
        title = title or None
        if node.title != title:
            node.title = title
            self.title_changed.emit(node_id, title)

    def reroll(self, node_id: str, item: int | None = None) -> int:
        """Ask for a fresh result: bumps the counter that is part of the cache key."""
        node = self.nodes[node_id]
        key = "" if item is None else str(item)
        node.rerolls[key] = node.rerolls.get(key, 0) + 1
        node.pins.pop(key, None)
        self.node_state_changed.emit(node_id)
        return node.rerolls[key]

    def set_rerolls(self, node_id: str, rerolls: Mapping[str, int]) -> None:
        node = self.nodes[node_id]
        if node.rerolls != dict(rerolls):
            node.rerolls = dict(rerolls)
            self.node_state_changed.emit(node_id)

    def set_pin(
        self, node_id: str, outputs: Mapping[str, Any] | None, item: int | None = None
    ) -> None:
        """Pin (keep) a node's outputs, given as asset hashes per port (a hash, or a list of
        hashes for a list port; see ``library.encode_outputs``); None unpins."""
        node = self.nodes[node_id]
        key = "" if item is None else str(item)
        before = node.pins.get(key)
        if outputs is None:
            node.pins.pop(key, None)
        else:
            node.pins[key] = {
                port: hashes if isinstance(hashes, str) else list(hashes)
                for port, hashes in outputs.items()
            }
        if node.pins.get(key) != before:
            self.node_state_changed.emit(node_id)

    # -- backdrops ------------------------------------------------------------------------
    def add_backdrop(self, backdrop: Backdrop) -> Backdrop:
        if backdrop.id in self.backdrops:
            raise GraphError(f"a backdrop {backdrop.id} already exists")
        self.backdrops[backdrop.id] = backdrop
        self.backdrop_added.emit(backdrop)
        return backdrop

    def remove_backdrop(self, backdrop_id: str) -> Backdrop:
        backdrop = self.backdrops.pop(backdrop_id)
        self.backdrop_removed.emit(backdrop)
        return backdrop

    def set_backdrop(self, backdrop: Backdrop) -> None:
        """Replace a backdrop's rectangle, title or colour (same id)."""
        if backdrop.id not in self.backdrops:
            raise GraphError(f"there is no backdrop {backdrop.id}")
        if self.backdrops[backdrop.id] != backdrop:
            self.backdrops[backdrop.id] = backdrop
            self.backdrop_changed.emit(backdrop)

    # -- whole-graph helpers --------------------------------------------------------------
    def topological_order(self, subset: Iterable[str] | None = None) -> list[str]:
        """Node ids with every node after its inputs; raises GraphError on a cycle."""
        return self._sorted(subset, False)[0]

    def topological_waves(
        self, subset: Iterable[str] | None = None
    ) -> tuple[list[str], list[list[str]]]:
        """``topological_order``, and that order cut into waves: each node one wave after
        its latest input (in each wave, its nodes in order). Raises GraphError on a cycle."""
        order, levels = self._sorted(subset, True)
        waves: list[list[str]] = []
        for node_id, level in zip(order, levels, strict=True):
            if level == len(waves):  # (its latest input is in the last wave so far)
                waves.append([])
            waves[level].append(node_id)
        return order, waves

    def _sorted(self, subset: Iterable[str] | None, leveled: bool) -> tuple[list[str], list[int]]:
        """``topological_order``, and (``leveled``) each of its nodes' wave: one more than
        its latest input's. The nodes are numbered (in the graph's order) for the sort, whose
        lists of numbers a large graph reads faster than dicts of its ids."""
        if subset is None:
            wanted_count = len(self.nodes)
            ids = list(self.nodes)
        else:
            wanted = set(subset)
            wanted_count = len(wanted)  # (an id not in the graph is never sorted: refused)
            ids = [n for n in self.nodes if n in wanted]
        number = {node_id: i for i, node_id in enumerate(ids)}
        indegree = [0] * len(ids)
        down: list[list[int] | None] = [None] * len(ids)  # (a list only for a node with any)
        for edge in self.edges:
            src, dst = number.get(edge.src_node), number.get(edge.dst_node)
            if src is not None and dst is not None:
                indegree[dst] += 1
                below = down[src]
                if below is None:
                    down[src] = [dst]
                else:
                    below.append(dst)
        depth = [0] * len(ids) if leveled else []
        ready = [i for i, count in enumerate(indegree) if count == 0]
        sorted_numbers: list[int] = []
        while ready:
            current = ready.pop()
            sorted_numbers.append(current)
            below = down[current]
            if below is None:
                continue
            if leveled:
                level = depth[current] + 1
                for nxt in below:
                    if depth[nxt] < level:
                        depth[nxt] = level
            for nxt in below:
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        if len(sorted_numbers) != wanted_count:
            stuck = sorted(ids[i] for i, count in enumerate(indegree) if count > 0)
            names = ", ".join(self.display_name(n) for n in stuck[:5])
            raise GraphError(f"the graph has a loop through {names}")
        order = [ids[i] for i in sorted_numbers]
        return order, [depth[i] for i in sorted_numbers] if leveled else []

    def copy(self) -> Graph:
        twin = Graph(self.registry)
        twin.nodes = {node_id: node.clone() for node_id, node in self.nodes.items()}
        twin.edges = list(self.edges)
        twin.meta = copy.deepcopy(self.meta)
        twin.extra = copy.deepcopy(self.extra)
        twin.backdrops = dict(self.backdrops)  # frozen in use: replaced, never changed
        return twin


LOOP_REASON = "this connection would make a loop"

#: how many nodes the loop checks of one whole-graph pass may visit; a hostile file
#: with more loops than that is refused by its topological order instead
LOOP_CHECK_BUDGET = 1_000_000


class EdgeRule:
    """The one rule for connections, applied edge by edge against those accepted before.

    ``Graph.connect`` checks a new edge against the graph's own edges; the file loader and
    validation check a graph's edges in order, each against the ones accepted before it, so
    all three refuse a bad connection with the same words.
    """

    def __init__(self, graph: Graph, accepted: Iterable[Edge] = (), *, loops: bool = True):
        self.graph = graph
        #: the accepted edges' fields (an Edge's own hash is worked out in Python, a
        #: tuple's in C: a whole graph's edges are added here)
        self._accepted: set[tuple[str, str, str, str]] = set()
        self._occupied: set[tuple[str, str]] = set()
        self._downstream: dict[str, list[str]] = {}
        #: False when the edges to come are known to make no loop (a whole-graph pass
        #: over an acyclic graph): the per-edge loop search is skipped, not approximated
        self._loops = loops
        self._budget = LOOP_CHECK_BUDGET
        #: the input port by (source type, output, target type, input) of the edges whose
        #: ports fit: a graph's edges join a few pairs of ports (its types do not change
        #: while a rule is in use)
        self._fitting: dict[tuple[str, str, str, str], Port] = {}
        for edge in accepted:
            self.accept(edge)

    def problem(self, edge: Edge) -> str | None:
        """Why ``edge`` cannot join the accepted edges, in plain words; None when it can."""
        graph = self.graph
        nodes, types = graph.nodes, graph.registry.types
        src, dst = nodes.get(edge.src_node), nodes.get(edge.dst_node)
        if src is None or dst is None:
            return f"there is no node {edge.src_node if src is None else edge.dst_node}"
        if edge.src_node == edge.dst_node:
            return "a node cannot feed itself"
        ports = (src.type, edge.src_port, dst.type, edge.dst_port)
        in_port = self._fitting.get(ports)
        if in_port is None:
            src_type, dst_type = types.get(src.type), types.get(dst.type)
            if src_type is None or dst_type is None:
                return "it touches a node of unknown type"
            out_port, in_port = src_type.output(edge.src_port), dst_type.input(edge.dst_port)
            if out_port is None:
                return f"{graph.display_name(src.id)} has no output {edge.src_port!r}"
            if in_port is None:
                return f"{graph.display_name(dst.id)} has no input {edge.dst_port!r}"
            refusal = connection_refusal(out_port.type, in_port.type)
            if refusal:
                return refusal
            self._fitting[ports] = in_port
        if (edge.dst_node, edge.dst_port) in self._occupied:  # (as is every edge accepted)
            if (edge.src_node, edge.src_port, edge.dst_node, edge.dst_port) in self._accepted:
                return "these ports are already connected"
            if not in_port.multiple:
                return f"{in_port.display} of {graph.display_name(dst.id)} already has a connection"
        if self._loops and self._reaches(edge.dst_node, edge.src_node):
            return LOOP_REASON
        return None

    @property
    def gave_up_on_loops(self) -> bool:
        """Whether the loop checks ran out of budget (a loop may then be left unnamed)."""
        return self._budget < 0

    def accept(self, edge: Edge) -> None:
        self._accepted.add((edge.src_node, edge.src_port, edge.dst_node, edge.dst_port))
        self._occupied.add((edge.dst_node, edge.dst_port))
        if self._loops:  # (only the loop search reads them: none once it is off)
            self._downstream.setdefault(edge.src_node, []).append(edge.dst_node)

    def _reaches(self, start: str, goal: str) -> bool:
        """Whether ``goal`` is downstream of ``start`` through the accepted edges."""
        seen = {start}
        stack = [start]
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            self._budget -= 1
            if self._budget < 0:  # give up: the caller's topological order names the loop
                self._loops = False
                return False
            for nxt in self._downstream.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False


def edge_problem(graph: Graph, edge: Edge) -> str | None:
    """Why ``edge`` cannot be added to ``graph``, in plain words; None when it can."""
    return EdgeRule(graph, graph.edges).problem(edge)


def has_loop(node_ids: Iterable[str], edges: Iterable[Edge]) -> bool:
    """Whether ``edges`` between ``node_ids`` make a loop (the others are ignored)."""
    indegree = dict.fromkeys(node_ids, 0)
    down: dict[str, list[str]] = {}
    for edge in edges:
        if edge.src_node in indegree and edge.dst_node in indegree:
            indegree[edge.dst_node] += 1
            down.setdefault(edge.src_node, []).append(edge.dst_node)
    ready = [n for n, d in indegree.items() if d == 0]
    done = 0
    while ready:
        current = ready.pop()
        done += 1
        for nxt in down.get(current, ()):
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return done != len(indegree)
