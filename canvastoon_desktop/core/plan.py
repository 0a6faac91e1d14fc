"""Planning a run: which node × items will run, which come from the cache, what it costs.

The same resolution (gather a node's inputs, expand list items, compute each item's cache
key, consult pins and the cache) serves the quote, the canvas's stale marks and the executor.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .assets import Asset, ItemList, Value, input_hashes
from .cachekey import keyed
from .catalog import Catalog, ModelSpec, PriceUnit
from .charges import drift_warnings
from .errors import CoreError
from .graph import Edge, Graph, Node
from .library import CachedResult, CacheScope, Library
from .nodetype import NodeType
from .pricing import CostRange, NodeQuote, PriceTable, Quote, UnpricedModel
from .runtime import SourceContext
from .status import WILL_RUN, ItemStatus, PlanStatus


@dataclass(slots=True)
class ItemPlan:
    item: int | None
    inputs: dict[str, Any]
    key: str | None
    status: ItemStatus
    outputs: dict[str, Value] | None = None
    reason: str | None = None
    #: the canonical JSON of the key's params (when they are the node's) and inputs, which
    #: the result's row keeps
    params_json: str | None = None
    inputs_json: str | None = None


#: a plan's cost until it is priced (one for all: a CostRange is frozen)
_NO_COST = CostRange()


@dataclass(slots=True)
class NodePlan:
    node_id: str
    status: PlanStatus
    model: ModelSpec | None = None
    items: list[ItemPlan] | None = None
    mapped: bool = False
    outputs: dict[str, Value] | None = None
    count_hint: int | None = None  # how many items the outputs will hold (None: single)
    cost: CostRange = _NO_COST
    seconds: float = 0.0
    runs: int = 0
    cached: int = 0
    problem: str | None = None
    #: why the work cannot be quoted (a model or setting without a price): it is refused
    price_problem: str | None = None
    #: status "partial": the outputs of the items already made (None where an item runs)
    partial_outputs: dict[str, Value] | None = None
    #: what the planner worked out about the node, reused by the executor
    params: Mapping[str, Any] | None = None
    connected: frozenset[str] = frozenset()


@dataclass
class Plan:
    order: list[str]
    nodes: dict[str, NodePlan]
    quote: Quote

    def will_run(self, node_id: str) -> bool:
        plan = self.nodes.get(node_id)
        return plan is not None and plan.status in WILL_RUN


# -- shared resolution ----------------------------------------------------------------------


def gather_inputs(
    graph: Graph,
    node: Node,
    node_type: type[NodeType],
    edges: Iterable[Edge],
    outputs_of: Callable[[str], Mapping[str, Value] | None],
) -> tuple[dict[str, Any], bool, list[str]]:
    """A node's input values by port. Returns (inputs, all_known, upstream problems)."""
    if not edges:
        return node_type.unconnected_inputs(), True, []
    by_port: dict[str, list[Edge]] = {}
    for edge in edges:
        by_port.setdefault(edge.dst_port, []).append(edge)
    inputs: dict[str, Any] = {}
    known = True
    missing: list[str] = []
    for port in node_type.inputs:
        port_edges = by_port.get(port.name, [])
        values: list[Value] = []
        for edge in port_edges:
            upstream = outputs_of(edge.src_node)
            if upstream is None:
                known = False
                continue
            value = upstream.get(edge.src_port)
            if value is None:
                missing.append(f"{graph.display_name(edge.src_node)} gave no {edge.src_port}")
                continue
            values.append(value)
        if not port_edges:
            inputs[port.name] = () if port.multiple else None
        elif port.multiple:
            flat: list[Asset] = []
            for value in values:
                flat.extend(
                    [value]
                    if isinstance(value, Asset)
                    else [a for a in value.items if a is not None]
                )
            inputs[port.name] = tuple(flat)
        elif port.is_list:
            value = values[0] if values else None
            inputs[port.name] = ItemList((value,)) if isinstance(value, Asset) else value
        else:
            inputs[port.name] = values[0] if values else None
    return inputs, known, missing


def mapped_ports(node_type: type[NodeType], inputs: Mapping[str, Any]) -> list[str]:
    """Single-item inputs fed a list: the node runs once per item of these."""
    return [
        port.name
        for port in node_type.inputs
        if not port.is_list and not port.multiple and isinstance(inputs.get(port.name), ItemList)
    ]


def item_count(node_type: type[NodeType], inputs: Mapping[str, Any], mapped: list[str]) -> int:
    lengths = {name: len(inputs[name]) for name in mapped}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{n} has {c}" for n, c in lengths.items())
        raise CoreError(f"the lists fed to this node differ in length ({detail})")
    return next(iter(lengths.values()))


def inputs_for_item(inputs: Mapping[str, Any], mapped: list[str], item: int) -> dict[str, Any]:
    picked = dict(inputs)
    for name in mapped:
        picked[name] = inputs[name].items[item]
    return picked


def item_key(
    node: Node,
    node_type: type[NodeType],
    model: ModelSpec | None,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    item: int | None,
    library: Library,
    catalog: Catalog,
    *,
    fed: bool = True,
) -> tuple[str, str | None, str | None]:
    """An item's cache key, with the canonical JSON of the node's params and of its input
    hashes as a result's row keeps them (each None when the key takes others: a router's
    shot takes its role's params, an image made from a shot not the shot's dialogue).
    ``fed``: some input is connected (else ``inputs`` are the type's unconnected ones)."""
    overridden = node_type.overridden  # (kept as NodeType has them: all params, all inputs)
    whole_params, whole_inputs = "key_params" not in overridden, "key_inputs" not in overridden
    key_params = params if whole_params else node_type.key_params(library, catalog, params, inputs)
    if not whole_inputs:
        key_inputs: Mapping[str, Any] = node_type.key_inputs(library, inputs)
        known_json = None
    elif fed:
        key_inputs, known_json = input_hashes(inputs), None
    else:  # the same for every node of the type fed nothing
        key_inputs, known_json = {}, node_type.unconnected_inputs_json()
    key, params_json, inputs_json = keyed(
        node_type.type_id,
        node_type.version,
        model.id if model else None,
        key_params,
        key_inputs,
        node.reroll_count(item),
        inputs_json=known_json,
    )
    return (
        key,
        params_json if key_params is params else None,
        inputs_json if whole_inputs else None,
    )


def connected_ports(edges: Iterable[Edge]) -> frozenset[str]:
    return frozenset([edge.dst_port for edge in edges])


def has_holes(inputs: Mapping[str, Any]) -> bool:
    return any(isinstance(v, ItemList) and not v.complete() for v in inputs.values())


_NOTHING_CONNECTED: frozenset[str] = frozenset()

#: the methods by which NodeType works out a node's params and model (see ``Resolution``)
_RESOLVED_AS_NODETYPE = frozenset(("effective_params", "model_for", "resolve_model"))
#: a node that stores no model (its type's default, not a stored None)
_ABSENT = object()


@dataclass(slots=True)
class ResolvedNode:
    """What a node's type, connections and params say before any input is known: its
    effective params, connected ports and the model it will call. Read only (not frozen:
    a frozen dataclass is slower to make, and a check makes one a node)."""

    node: Node
    node_type: type[NodeType]
    edges: list[Edge]
    connected: frozenset[str]
    params: dict[str, Any]
    model: ModelSpec | None


class Resolution:
    """The nodes of one graph resolved once for one check, which validation and planning
    both read (each used to work out the same params, ports and model again). Valid only
    while the graph is not edited: a check makes it and drops it (a run checks its own
    copy of the graph, which nothing edits)."""

    def __init__(self, graph: Graph, upstream: dict[str, list[Edge]] | None = None) -> None:
        self.graph = graph
        self.upstream = graph.upstream_index() if upstream is None else upstream
        self.nodes: dict[str, ResolvedNode] = {}
        #: the whole graph's topological order and its waves (``Graph.topological_waves``),
        #: once validation worked them out
        self.topology: tuple[list[str], list[list[str]]] | None = None
        #: the connected ports of a node fed by one edge, by its port (frozen: shared)
        self._one_port: dict[str, frozenset[str]] = {}
        #: see ``_shape``, by (node type, stored model)
        self._shapes: dict[tuple[Any, ...], Any] = {}

    def resolve(self, node_ids: Iterable[str]) -> None:
        """Resolve ``node_ids`` (those of an unknown type are left out)."""
        graph, upstream, nodes = self.graph, self.upstream, self.nodes
        types = graph.registry.types
        catalog = graph.registry.catalog
        one_port = self._one_port
        for node_id in node_ids:
            if node_id in nodes:
                continue
            node = graph.nodes[node_id]
            node_type = types.get(node.type)
            if node_type is None:
                continue
            edges = upstream[node_id]
            if not edges:
                connected = _NOTHING_CONNECTED
            elif len(edges) == 1:  # (most fed nodes: one set a port, shared)
                port = edges[0].dst_port
                connected = one_port.get(port) or one_port.setdefault(port, frozenset((port,)))
            else:
                connected = connected_ports(edges)
            stored = node.params
            shape = self._shape(node_type, stored)
            if shape is None:
                params = node_type.effective_params(catalog, stored)
                model = node_type.resolve_model(catalog, params, connected)
            else:  # NodeType's effective_params, in short
                names, defaults, model = shape
                if tuple(stored) == names:  # every param stored, in order (as a new node has)
                    params = dict(stored)
                else:
                    params = {name: stored.get(name, default) for name, default in defaults}
            nodes[node_id] = ResolvedNode(node, node_type, edges, connected, params, model)

    def _shape(
        self, node_type: type[NodeType], stored: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...], ModelSpec | None] | None:
        """What the nodes of a type that keeps NodeType's ways of working out its params
        and model have alike when their stored model is the same (or absent): their
        params' names in order, with defaults, and their model. None for a type of its own
        ways, or a model no dict can be keyed by."""
        if not _RESOLVED_AS_NODETYPE.isdisjoint(node_type.overridden):
            return None
        chosen = stored.get("model", _ABSENT) if node_type.model_tasks else None
        try:
            shape = self._shapes.get(key := (node_type, chosen))
        except TypeError:  # (a list where a model id should be: worked out the long way)
            return None
        if shape is None:
            catalog = self.graph.registry.catalog
            specs = node_type.param_specs(catalog, None if chosen is _ABSENT else chosen)
            params = node_type.effective_params(catalog, stored)  # (the model: from these)
            shape = self._shapes[key] = (
                tuple(spec.name for spec in specs),
                tuple((spec.name, spec.default) for spec in specs),
                node_type.resolve_model(catalog, params, _NOTHING_CONNECTED),
            )
        return shape

    def get(self, node_id: str) -> ResolvedNode | None:
        """The node resolved; None for a node of an unknown type."""
        found = self.nodes.get(node_id)
        if found is None:
            self.resolve((node_id,))
            found = self.nodes.get(node_id)
        return found

    def __getitem__(self, node_id: str) -> ResolvedNode:
        found = self.get(node_id)
        if found is None:  # of an unknown type: the KeyError the registry raises, naming it
            raise KeyError(self.graph.nodes[node_id].type)
        return found


# -- the planner ----------------------------------------------------------------------------

#: the units whose price depends on the prompt's length
_PRICED_BY_PROMPT = frozenset((PriceUnit.TOKENS, PriceUnit.CHARACTER))


class Estimates:
    """``PriceTable.estimate`` remembered for one plan or one run: a graph's nodes call a
    few models with a few settings, and working a price out costs several times as much as
    recalling it. A call's price depends on its model, that model's own params and, for
    the units priced by the text, the prompt's length: nothing else goes in the key."""

    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices
        self._known: dict[tuple[Any, ...], CostRange] = {}
        #: by the model's identity: the model (kept alive, so its id is not reused), whether
        #: the prompt's length prices it, and its own params' (name, default) (a ModelSpec
        #: is frozen: these do not change)
        self._models: dict[int, tuple[ModelSpec, bool, tuple[tuple[str, Any], ...]]] = {}

    def estimate(
        self, model: ModelSpec, params: Mapping[str, Any], *, prompt_chars: int | None = None
    ) -> CostRange:
        shape = self._models.get(id(model))
        if shape is None:
            shape = self._models[id(model)] = (
                model,
                model.price_rule.unit in _PRICED_BY_PROMPT,
                tuple((p.name, p.default) for p in model.params),
            )
        key: list[Any] = [id(model), prompt_chars if shape[1] else None]
        for name, default in shape[2]:
            value = params.get(name, default)
            key += (type(value), value)  # True and 1 are equal keys, yet not the same setting
        try:
            known = self._known.get(known_key := tuple(key))
        except TypeError:  # a list or a dict among the values: worked out every time
            return self.prices.estimate(model, params, prompt_chars=prompt_chars)
        if known is None:
            known = self._known[known_key] = self.prices.estimate(
                model, params, prompt_chars=prompt_chars
            )
        return known


class Planner:
    def __init__(
        self, library: Library, prices: PriceTable, *, limits: Mapping[str, int] | None = None
    ) -> None:
        self.library = library
        self.prices = prices
        self.limits = dict(limits or {})
        self._typical: dict[str, float] = {}
        self._estimates = Estimates(prices)
        #: each model's (typical seconds, parallel calls) for one plan (see ``_pace``)
        self._paces: dict[int, tuple[ModelSpec, float, int]] = {}
        #: the cost of ``runs`` runs at one estimate, by (the estimate's identity, runs), for
        #: one plan (a CostRange is frozen: one for all the nodes alike)
        self._costs: dict[tuple[int, int], tuple[CostRange, CostRange]] = {}

    def typical_seconds(self, model: ModelSpec) -> float:
        """Median of the user's own runs of this model, else the catalog's midpoint."""
        known = self._typical.get(model.id)
        if known is None:
            learned = self.library.typical_run_seconds(model.id)
            known = learned if learned is not None else statistics.fmean(model.typical_seconds)
            self._typical[model.id] = known
        return known

    def forget_timings(self, model_id: str | None = None) -> None:
        if model_id is None:
            self._typical = {}  # replaced, not cleared: another thread may be reading it
        else:
            self._typical.pop(model_id, None)

    def plan(
        self,
        graph: Graph,
        targets: Iterable[str] | None = None,
        graph_dir: Path | None = None,
        *,
        simulated: bool = False,
        resolution: Resolution | None = None,
    ) -> Plan:
        """What a run of ``graph`` would do. ``simulated``: a run against the provider
        simulator (its results serve only such runs, see ``CacheScope``). ``resolution``:
        the graph's nodes as the check that plans it resolved them."""
        registry = graph.registry
        scope = CacheScope(str(graph.meta.get("graph_id") or ""), simulated)
        catalog = registry.catalog
        self.forget_timings()  # learn from the runs finished since the last plan
        self._estimates = Estimates(self.prices)  # and from a price table edited since
        self._paces = {}
        self._costs = {}
        if resolution is None or resolution.graph is not graph:
            resolution = Resolution(graph)
        if targets is None and resolution.topology is not None:  # the one validation found
            order, waves = resolution.topology
            order = list(order)
        else:
            wanted = set(graph.nodes) if targets is None else needed_nodes(graph, targets)
            order, waves = graph.topological_waves(wanted)
        resolution.resolve(order)
        resolved_nodes = resolution.nodes
        plans: dict[str, NodePlan] = {}

        def outputs_of(node_id: str) -> Mapping[str, Value] | None:
            plan = plans.get(node_id)
            return plan.outputs if plan else None

        # wave by wave (a wave's nodes depend only on earlier waves), so the cache is asked
        # about a whole wave's work in one query rather than a query a node
        for wave in waves:
            known: list[tuple[Any, ...]] = []
            for node_id in wave:
                resolved = resolved_nodes.get(node_id) or resolution[node_id]
                node, node_type, edges = resolved.node, resolved.node_type, resolved.edges
                connected, params, model = resolved.connected, resolved.params, resolved.model
                if node_type.is_source:
                    plans[node_id] = self._plan_source(node_type, params, graph_dir, node_id)
                    plans[node_id].params = params
                    continue
                inputs, ready, missing = gather_inputs(graph, node, node_type, edges, outputs_of)
                if missing:
                    plans[node_id] = NodePlan(
                        node_id, PlanStatus.INVALID, model, problem="; ".join(missing)
                    )
                    continue
                if not ready:
                    plans[node_id] = self._plan_unknown(resolved, plans, graph, scope)
                    continue
                items = self._known_items(
                    node, node_type, catalog, model, params, inputs, fed=bool(edges)
                )
                if isinstance(items, NodePlan):  # invalid
                    plans[node_id] = items
                    continue
                known.append((node, node_type, model, params, inputs, connected, *items))
            if not known:  # (a chain's waves, but its first: one node, waiting)
                continue
            found = self.library.lookup_many(
                [
                    i.key
                    for entry in known
                    for i in entry[-1]  # (its items)
                    if i.status == ItemStatus.LOOKUP and i.key
                ],
                scope,
            )
            for node, node_type, model, params, inputs, connected, count, items in known:
                for item in items:
                    if item.status == ItemStatus.LOOKUP:
                        _answered(item, found.get(item.key or ""))  # (answered in place)
                plans[node.id] = self._plan_known(
                    node, node_type, catalog, model, params, inputs, connected, count, items
                )
        ordered: dict[str, NodePlan] = {}
        for node_id in order:
            node_plan = ordered[node_id] = plans[node_id]
            if not node_plan.params:  # an invalid node's: its params with defaults
                node_plan.params = resolved_nodes[node_id].params
        quote = self._quote(graph, order, ordered, resolution)
        return Plan(order, ordered, quote)

    def _plan_unknown(
        self,
        waiting: ResolvedNode,
        plans: Mapping[str, NodePlan],
        graph: Graph,
        scope: CacheScope,
    ) -> NodePlan:
        """A node some of whose inputs are made in this run (``waiting``, as the plan
        resolved it)."""
        node_type, params, edges = waiting.node_type, waiting.params, waiting.edges
        for edge in edges:  # items of it may be known: some of its list input is made already
            up = plans.get(edge.src_node)
            if up is None or (up.outputs is None and up.partial_outputs is None):
                break
        else:
            partial = self._plan_over_partial(waiting, plans, graph, scope)
            if partial is not None:
                return partial
        hint = self._count_hint_from_upstream(node_type, edges, plans)
        return self._priced(
            NodePlan(
                waiting.node.id,
                PlanStatus.WAITING,
                waiting.model,
                mapped=hint is not None,
                count_hint=hint if hint is not None else node_type.output_count_hint(params),
            ),
            node_type,
            graph.registry.catalog,
            params,
            waiting.connected,
            hint or 1,
            prompt_chars=None,
        )

    def _plan_source(
        self,
        node_type: type[NodeType],
        params: Mapping[str, Any],
        graph_dir: Path | None,
        node_id: str,
    ) -> NodePlan:
        try:
            outputs = dict(
                node_type().source_outputs(SourceContext(self.library, params, graph_dir))
            )
        except CoreError as exc:
            return NodePlan(node_id, PlanStatus.INVALID, problem=str(exc))
        return NodePlan(node_id, PlanStatus.SOURCE, outputs=outputs)

    def _count_hint_from_upstream(
        self, node_type: type[NodeType], edges: Iterable[Edge], plans: Mapping[str, NodePlan]
    ) -> int | None:
        for edge in edges:
            upstream = plans.get(edge.src_node)
            if upstream is None or upstream.count_hint is None:
                continue
            port = node_type.input(edge.dst_port)  # (asked second: most upstreams give no hint)
            if port is not None and not port.is_list and not port.multiple:
                return upstream.count_hint
        return None

    def _known_items(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        *,
        fed: bool = True,
    ) -> tuple[int | None, list[ItemPlan]] | NodePlan:
        """The items of a node whose inputs are all known (how many, if it is mapped over a
        list), each decided but for the cache ("lookup"); or an invalid plan. ``fed``: some
        input is connected (a node fed nothing has no list to be mapped over)."""
        mapped = mapped_ports(node_type, inputs) if fed else []
        if not mapped:  # one item, of the node's inputs as they are
            return None, [
                self._item_plan(
                    node, node_type, catalog, model, params, inputs, None, mapped, fed=fed
                )
            ]
        try:
            count = item_count(node_type, inputs, mapped)
        except CoreError as exc:
            return NodePlan(node.id, PlanStatus.INVALID, model, problem=str(exc))
        items = [
            self._item_plan(
                node,
                node_type,
                catalog,
                model,
                params,
                inputs_for_item(inputs, mapped, index),
                index,
                mapped,
            )
            for index in range(count)
        ]
        return count, items

    def _plan_known(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        connected: frozenset[str],
        count: int | None,
        items: list[ItemPlan],
    ) -> NodePlan:
        runs: list[ItemPlan] = []
        done = 0
        pinned = made = True  # every item pinned; every item's outputs known
        for item in items:  # (one pass over the items, not four)
            item_status = item.status
            if item_status == ItemStatus.RUN:
                runs.append(item)
            elif item_status == ItemStatus.CACHED or item_status == ItemStatus.PINNED:
                done += 1
            if item_status != ItemStatus.PINNED:
                pinned = False
            if item.outputs is None:
                made = False
        if not runs and made and items:
            outputs = combine_outputs(node_type, items) if count is not None else items[0].outputs
            status = PlanStatus.PINNED if pinned else PlanStatus.CACHED
        else:
            outputs, status = None, (PlanStatus.PARTIAL if done else PlanStatus.RUN)
        partial = (
            combine_outputs(node_type, items) if count is not None and outputs is None else None
        )
        prompt_chars = None
        for port in node_type.prompt_ports:  # the first connected
            prompt = inputs.get(port)
            if prompt:
                if isinstance(prompt, Asset):
                    prompt_chars = prompt.size
                break
        plan = NodePlan(
            node.id,
            status,
            model,
            items=items,
            mapped=count is not None,
            outputs=outputs,
            count_hint=count if count is not None else node_type.output_count_hint(params),
        )
        plan.cached = done
        plan.partial_outputs = partial
        return self._priced(
            plan, node_type, catalog, params, connected, len(runs), prompt_chars, runs
        )

    def _plan_over_partial(
        self,
        waiting: ResolvedNode,
        plans: Mapping[str, NodePlan],
        graph: Graph,
        scope: CacheScope,
    ) -> NodePlan | None:
        """A node mapped over a list whose upstream is partly made (some items cached, some
        to run): its items whose inputs are known are looked up in the cache, the others
        count as runs. None when that cannot be worked out (then the node is "waiting")."""
        node, node_type, model = waiting.node, waiting.node_type, waiting.model
        params, connected, catalog = waiting.params, waiting.connected, graph.registry.catalog

        def outputs_or_partial(src: str) -> Mapping[str, Value] | None:
            upstream = plans.get(src)
            if upstream is None:
                return None
            return upstream.outputs if upstream.outputs is not None else upstream.partial_outputs

        inputs, known, missing = gather_inputs(
            graph, node, node_type, waiting.edges, outputs_or_partial
        )
        if not known or missing:
            return None
        mapped = mapped_ports(node_type, inputs)
        if not mapped or has_holes({k: v for k, v in inputs.items() if k not in mapped}):
            return None
        try:
            count = item_count(node_type, inputs, mapped)
        except CoreError:
            return None
        items: list[ItemPlan] = []
        for index in range(count):
            picked = inputs_for_item(inputs, mapped, index)
            if any(picked.get(name) is None for name in mapped):
                items.append(
                    ItemPlan(
                        index, picked, None, ItemStatus.RUN, reason="its input is made in this run"
                    )
                )
            else:
                items.append(
                    self.resolve_item(
                        node, node_type, catalog, model, params, picked, index, mapped, scope
                    )
                )
        runs = sum(1 for i in items if i.status == ItemStatus.RUN)
        done = [i for i in items if i.status in (ItemStatus.CACHED, ItemStatus.PINNED)]
        plan = NodePlan(
            node.id,
            PlanStatus.PARTIAL if done else PlanStatus.RUN,
            model,
            items=items,
            mapped=True,
            count_hint=count,
        )
        plan.cached = len(done)
        plan.partial_outputs = combine_outputs(node_type, items)
        # an item whose inputs are partly made in this run may still be priced by the
        # others (a routed shot by its shot, whatever its first frame)
        to_run = [i for i in items if i.status == ItemStatus.RUN]
        return self._priced(plan, node_type, catalog, params, connected, runs, None, to_run)

    def resolve_item(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        item: int | None,
        mapped: Iterable[str] = (),
        scope: CacheScope | None = None,
    ) -> ItemPlan:
        """Decide one node × item: skipped (a hole upstream), pinned, cached, or to run.
        Only results ``scope`` may use count as cached (none from a pack of another graph,
        none from the simulator for a real run)."""
        plan = self._item_plan(node, node_type, catalog, model, params, inputs, item, mapped)
        if plan.status == ItemStatus.LOOKUP:
            return _answered(plan, self.library.lookup(plan.key or "", scope or CacheScope("")))
        return plan

    def _item_plan(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        item: int | None,
        mapped: Iterable[str],
        *,
        fed: bool = True,
    ) -> ItemPlan:
        """``resolve_item`` but for the cache: status "lookup" when the cache decides.
        ``fed``: some input is connected."""
        if mapped and any(inputs.get(name) is None for name in mapped):
            return ItemPlan(item, inputs, None, ItemStatus.SKIP, reason="its upstream item failed")
        if not node_type.cacheable:
            return ItemPlan(item, inputs, None, ItemStatus.RUN)
        key, params_json, inputs_json = item_key(
            node, node_type, model, params, inputs, item, self.library, catalog, fed=fed
        )
        pin = node.pin_for(item)
        if pin:
            outputs = self.library.outputs_from_hashes(pin)
            if outputs is not None:
                return ItemPlan(item, inputs, key, ItemStatus.PINNED, outputs)
        return ItemPlan(item, inputs, key, ItemStatus.LOOKUP, None, None, params_json, inputs_json)

    def _priced(
        self,
        plan: NodePlan,
        node_type: type[NodeType],
        catalog: Catalog,
        params: Mapping[str, Any],
        connected: frozenset[str],
        runs: int,
        prompt_chars: int | None,
        known: Sequence[ItemPlan] = (),
    ) -> NodePlan:
        """Price the node's runs: each item whose inputs are known by itself where its
        inputs decide its cost (``estimate_item``), the others at the node's estimate."""
        plan.runs = runs
        plan.params = params
        plan.connected = connected
        if not runs:
            return plan
        if _PRICING_METHODS.isdisjoint(node_type.overridden):
            # priced as NodeType prices, in short: by the one model the plan resolved
            model = plan.model
            if model is None:
                return plan
            try:
                one = self._estimates.estimate(model, params, prompt_chars=prompt_chars)
                costed = self._costs.get((id(one), runs))  # (the estimate kept alive in it)
                if costed is None:
                    # (what ``CostRange() + one.times(runs)`` makes, with one object, not three)
                    costed = self._costs[(id(one), runs)] = (
                        one,
                        CostRange(0.0 + one.low * runs, 0.0 + one.high * runs),
                    )
                plan.cost = costed[1]
            except UnpricedModel as exc:
                plan.price_problem = f"not quoted: {exc}"
                plan.cost = CostRange()
            _model, per_item, limit = self._pace(model)
            plan.seconds = per_item * math.ceil(runs / limit)
            return plan
        models = node_type.models_in_use(catalog, params, connected)
        if models:
            try:
                cost, priced = CostRange(), 0
                for item in known:
                    one_item = node_type.estimate_item(
                        self.library, catalog, self.prices, params, item.inputs
                    )
                    if one_item is not None:
                        cost, priced = cost + one_item, priced + 1
                if priced < runs:
                    one = node_type.estimate(
                        catalog, self.prices, params, connected, prompt_chars=prompt_chars
                    )
                    cost = cost + one.times(runs - priced)
            except UnpricedModel as exc:
                plan.price_problem = f"not quoted: {exc}"
                cost = CostRange()
            plan.cost = cost
            per_item = max(self.typical_seconds(m) for m in models)
            limit = max(1, min(self.limits.get(m.provider.value, 4) for m in models))
            plan.seconds = per_item * math.ceil(runs / limit)
        return plan

    def _pace(self, model: ModelSpec) -> tuple[ModelSpec, float, int]:
        """(the model, its typical seconds, how many of its calls run at once), worked out
        once a plan: both are read at the plan's start (``plan`` forgets the timings, the
        limits do not change), so remembering them for the plan changes nothing."""
        known = self._paces.get(id(model))  # (the model kept alive in the value)
        if known is None:
            limit = max(1, self.limits.get(model.provider.value, 4))
            known = self._paces[id(model)] = (model, self.typical_seconds(model), limit)
        return known

    def _quote(
        self,
        graph: Graph,
        order: list[str],
        plans: Mapping[str, NodePlan],
        resolution: Resolution,
    ) -> Quote:
        quote = Quote()
        catalog = graph.registry.catalog
        upstream, resolved_nodes = resolution.upstream, resolution.nodes
        finish: dict[str, float] = {}
        low = high = 0.0
        to_run = cached = 0
        nodes = quote.nodes
        waiting = PlanStatus.WAITING
        #: the models that will run, for the drift warnings: id -> label (and the models
        #: seen, by identity: the same model gives the same answer)
        running: dict[str, str] = {}
        seen: set[int] = set()

        def overriding(node_id: str) -> bool:
            """Whether the node's type names its models itself (else the plan's is all)."""
            return "models_in_use" in resolved_nodes[node_id].node_type.overridden

        for node_id in order:
            plan = plans[node_id]
            edges = upstream[node_id]
            if len(edges) == 1:  # (most fed nodes)
                start = finish.get(edges[0].src_node, 0.0)
            else:
                start = max([finish.get(e.src_node, 0.0) for e in edges]) if edges else 0.0
            finish[node_id] = start + plan.seconds
            runs, model, cost = plan.runs, plan.model, plan.cost
            if model is None and not runs and cost.is_free:
                continue
            low += cost.low
            high += cost.high
            to_run += runs
            cached += plan.cached
            nodes[node_id] = NodeQuote(
                node_id,
                model.id if model else None,
                cost,
                plan.seconds,
                runs,
                plan.cached,
                plan.status != waiting,  # items known
                plan.price_problem,  # unpriced
            )
            if runs and (model is None or id(model) not in seen or overriding(node_id)):
                node_type = resolved_nodes[node_id].node_type
                for in_use in models_planned(node_type, catalog, plan):
                    if id(in_use) not in seen:
                        seen.add(id(in_use))
                        if not in_use.free:
                            running[in_use.id] = in_use.label
        quote.to_run, quote.cached = to_run, cached
        quote.cost = CostRange(low, high)
        quote.seconds = max(finish.values(), default=0.0)
        quote.warnings = self._drift_warnings(running)
        return quote

    def _drift_warnings(self, models: dict[str, str]) -> list[str]:
        """A line per model that will run (``models``: id -> label) and whose reported
        charges in the user's ledger went above their quote's max (the price table may be
        out of date)."""
        if not models:
            return []
        return drift_warnings(self.library.charge_totals(), list(models), models)


def _answered(plan: ItemPlan, hit: CachedResult | None) -> ItemPlan:
    """An item waiting for the cache, with its answer: cached, or to run."""
    if hit is not None:
        plan.status, plan.outputs = ItemStatus.CACHED, hit.outputs
    else:
        plan.status = ItemStatus.RUN
    return plan


def models_planned(node_type: type[NodeType], catalog: Catalog, plan: NodePlan) -> list[ModelSpec]:
    """Every model a node that will run may call (``models_in_use``): the one model its
    plan resolved, unless its type says otherwise (a router may call several)."""
    if "models_in_use" not in node_type.overridden:
        return [plan.model] if plan.model is not None else []
    return node_type.models_in_use(catalog, plan.params or {}, plan.connected)


#: the methods by which a type prices itself (a router, which may call several models)
_PRICING_METHODS = frozenset(("models_in_use", "estimate", "estimate_item"))


def combine_outputs(node_type: type[NodeType], items: list[ItemPlan]) -> dict[str, Value]:
    """Per-item outputs gathered into one list per output port (holes stay None)."""
    combined: dict[str, Value] = {}
    for port in node_type.outputs:
        values: list[Asset | None] = []
        for item in items:
            value = item.outputs.get(port.name) if item.outputs else None
            if isinstance(value, ItemList):  # an item that made several: keep its first
                value = next((a for a in value.items if a is not None), None)
            values.append(value)
        combined[port.name] = ItemList(tuple(values))
    return combined


def needed_nodes(graph: Graph, targets: Iterable[str]) -> set[str]:
    """The targets and every node they depend on."""
    targets = set(targets)
    unknown = targets - set(graph.nodes)
    if unknown:
        raise CoreError(f"no node {sorted(unknown)[0]} in the graph")
    return targets | graph.ancestors(targets)
