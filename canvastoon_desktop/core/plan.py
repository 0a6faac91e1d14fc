"""Planning a run: which node × items will run, which come from the cache, what it costs.

The same resolution (gather a node's inputs, expand list items, compute each item's cache
key, consult pins and the cache) serves the quote, the canvas's stale marks and the executor.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assets import Asset, ItemList, Value
from .cachekey import keyed
from .catalog import Catalog, ModelSpec
from .charges import drift_warnings
from .errors import CoreError
from .graph import Edge, Graph, Node
from .library import CachedResult, CacheScope, Library
from .nodetype import NodeType
from .pricing import CostRange, NodeQuote, PriceTable, Quote, UnpricedModel
from .runtime import SourceContext


@dataclass
class ItemPlan:
    item: int | None
    inputs: dict[str, Any]
    key: str | None
    status: str  # cached | pinned | run | skip (and, while planning, lookup)
    outputs: dict[str, Value] | None = None
    reason: str | None = None
    #: the canonical JSON of the key's params (when they are the node's) and inputs, which
    #: the result's row keeps
    params_json: str | None = None
    inputs_json: str | None = None


@dataclass
class NodePlan:
    node_id: str
    #: source | cached | pinned | run | partial (some items cached) | waiting (inputs will
    #: come from nodes that run first) | invalid
    status: str
    model: ModelSpec | None = None
    items: list[ItemPlan] | None = None
    mapped: bool = False
    outputs: dict[str, Value] | None = None
    count_hint: int | None = None  # how many items the outputs will hold (None: single)
    cost: CostRange = field(default_factory=CostRange)
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
        return plan is not None and plan.status in ("run", "partial", "waiting")


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
        return {port.name: () if port.multiple else None for port in node_type.inputs}, True, []
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
) -> tuple[str, str | None, str | None]:
    """The cache key of a node × item, with the canonical JSON of the node's params and of its input
    hashes as a result's row keeps them (each None when the key takes others: a router's
    shot takes its role's params, an image made from a shot not the shot's dialogue)."""
    key_params = node_type.key_params(library, catalog, params, inputs)
    key_inputs = node_type.key_inputs(library, inputs)
    key, params_json, inputs_json = keyed(
        node_type.type_id,
        node_type.version,
        model.id if model else None,
        key_params,
        key_inputs,
        node.reroll_count(item),
    )
    whole_inputs = node_type.key_inputs.__func__ is NodeType.key_inputs.__func__  # type: ignore[attr-defined]
    return (
        key,
        params_json if key_params is params else None,
        inputs_json if whole_inputs else None,
    )


def connected_ports(edges: Iterable[Edge]) -> frozenset[str]:
    return frozenset(edge.dst_port for edge in edges)


def has_holes(inputs: Mapping[str, Any]) -> bool:
    return any(isinstance(v, ItemList) and not v.complete() for v in inputs.values())


# -- the planner ----------------------------------------------------------------------------


class Planner:
    def __init__(
        self, library: Library, prices: PriceTable, *, limits: Mapping[str, int] | None = None
    ) -> None:
        self.library = library
        self.prices = prices
        self.limits = dict(limits or {})
        self._typical: dict[str, float] = {}

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
    ) -> Plan:
        """What a run of ``graph`` would do. ``simulated``: a run against the provider
        simulator (its results serve only such runs, see ``CacheScope``)."""
        registry = graph.registry
        scope = CacheScope(str(graph.meta.get("graph_id") or ""), simulated)
        catalog = registry.catalog
        self.forget_timings()  # learn from the runs finished since the last plan
        wanted = set(graph.nodes) if targets is None else needed_nodes(graph, targets)
        order = graph.topological_order(wanted)
        upstream = graph.upstream_index()
        plans: dict[str, NodePlan] = {}

        def outputs_of(node_id: str) -> Mapping[str, Value] | None:
            plan = plans.get(node_id)
            return plan.outputs if plan else None

        # wave by wave (a wave's nodes depend only on earlier waves), so the cache is asked
        # about a whole wave's work in one query rather than a query a node
        for wave in _waves(order, upstream):
            known: list[tuple[Any, ...]] = []
            for node_id in wave:
                node = graph.nodes[node_id]
                node_type = registry[node.type]
                edges = upstream[node_id]
                connected = connected_ports(edges)
                params = node_type.effective_params(catalog, node.params)
                model = node_type.resolve_model(catalog, params, connected)
                if node_type.is_source:
                    plans[node_id] = self._plan_source(node_type, params, graph_dir, node_id)
                    plans[node_id].params = params
                    continue
                inputs, ready, missing = gather_inputs(graph, node, node_type, edges, outputs_of)
                if missing:
                    plans[node_id] = NodePlan(node_id, "invalid", model, problem="; ".join(missing))
                    continue
                if not ready:
                    plans[node_id] = self._plan_unknown(
                        node,
                        node_type,
                        catalog,
                        model,
                        params,
                        edges,
                        connected,
                        plans,
                        graph,
                        scope,
                    )
                    continue
                items = self._known_items(node, node_type, catalog, model, params, inputs)
                if isinstance(items, NodePlan):  # invalid
                    plans[node_id] = items
                    continue
                known.append((node, node_type, model, params, inputs, connected, *items))
            found = self.library.lookup_many(
                [i.key for *_n, items in known for i in items if i.status == "lookup" and i.key],
                scope,
            )
            for node, node_type, model, params, inputs, connected, count, items in known:
                for n, item in enumerate(items):
                    if item.status == "lookup":
                        items[n] = _answered(item, found.get(item.key or ""))
                plans[node.id] = self._plan_known(
                    node, node_type, catalog, model, params, inputs, connected, count, items
                )
        for node_id in order:
            plans[node_id].params = plans[node_id].params or registry[
                graph.nodes[node_id].type
            ].effective_params(catalog, graph.nodes[node_id].params)
        plans = {node_id: plans[node_id] for node_id in order}
        quote = self._quote(graph, order, plans, upstream)
        return Plan(order, plans, quote)

    def _plan_unknown(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        edges: list[Edge],
        connected: frozenset[str],
        plans: Mapping[str, NodePlan],
        graph: Graph,
        scope: CacheScope,
    ) -> NodePlan:
        """A node some of whose inputs are made in this run."""
        if all(  # items of it may be known: some of its list input is made already
            (up := plans.get(e.src_node)) is not None
            and (up.outputs is not None or up.partial_outputs is not None)
            for e in edges
        ):
            partial = self._plan_over_partial(
                node, node_type, catalog, model, params, edges, connected, plans, graph, scope
            )
            if partial is not None:
                return partial
        hint = self._count_hint_from_upstream(node_type, edges, plans)
        return self._priced(
            NodePlan(
                node.id,
                "waiting",
                model,
                mapped=hint is not None,
                count_hint=hint if hint is not None else node_type.output_count_hint(params),
            ),
            node_type,
            catalog,
            params,
            connected,
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
            return NodePlan(node_id, "invalid", problem=str(exc))
        return NodePlan(node_id, "source", outputs=outputs)

    def _count_hint_from_upstream(
        self, node_type: type[NodeType], edges: Iterable[Edge], plans: Mapping[str, NodePlan]
    ) -> int | None:
        for edge in edges:
            port = node_type.input(edge.dst_port)
            if port is None or port.is_list or port.multiple:
                continue
            upstream = plans.get(edge.src_node)
            if upstream is not None and upstream.count_hint is not None:
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
    ) -> tuple[int | None, list[ItemPlan]] | NodePlan:
        """The items of a node whose inputs are all known (how many, if it is mapped over a
        list), each decided but for the cache ("lookup"); or an invalid plan."""
        mapped = mapped_ports(node_type, inputs)
        try:
            count = item_count(node_type, inputs, mapped) if mapped else None
        except CoreError as exc:
            return NodePlan(node.id, "invalid", model, problem=str(exc))
        items: list[ItemPlan] = []
        indices: list[int | None] = list(range(count)) if count is not None else [None]
        for index in indices:
            picked = inputs_for_item(inputs, mapped, index) if index is not None else inputs
            items.append(
                self._item_plan(node, node_type, catalog, model, params, picked, index, mapped)
            )
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
        runs = [i for i in items if i.status == "run"]
        done = [i for i in items if i.status in ("cached", "pinned")]
        if not runs and all(i.outputs is not None for i in items) and items:
            outputs = combine_outputs(node_type, items) if count is not None else items[0].outputs
            status = "pinned" if all(i.status == "pinned" for i in items) else "cached"
        else:
            outputs, status = None, ("partial" if done else "run")
        partial = (
            combine_outputs(node_type, items) if count is not None and outputs is None else None
        )
        prompt_chars = None
        prompt = next((inputs[p] for p in node_type.prompt_ports if inputs.get(p)), None)
        if isinstance(prompt, Asset):
            prompt_chars = prompt.size
        plan = NodePlan(
            node.id,
            status,
            model,
            items=items,
            mapped=count is not None,
            outputs=outputs,
            count_hint=count if count is not None else node_type.output_count_hint(params),
        )
        plan.cached = len(done)
        plan.partial_outputs = partial
        return self._priced(
            plan, node_type, catalog, params, connected, len(runs), prompt_chars, runs
        )

    def _plan_over_partial(
        self,
        node: Node,
        node_type: type[NodeType],
        catalog: Catalog,
        model: ModelSpec | None,
        params: Mapping[str, Any],
        edges: list[Edge],
        connected: frozenset[str],
        plans: Mapping[str, NodePlan],
        graph: Graph,
        scope: CacheScope,
    ) -> NodePlan | None:
        """A node mapped over a list whose upstream is partly made (some items cached, some
        to run): its items whose inputs are known are looked up in the cache, the others
        count as runs. None when that cannot be worked out (then the node is "waiting")."""

        def outputs_or_partial(src: str) -> Mapping[str, Value] | None:
            upstream = plans.get(src)
            if upstream is None:
                return None
            return upstream.outputs if upstream.outputs is not None else upstream.partial_outputs

        inputs, known, missing = gather_inputs(graph, node, node_type, edges, outputs_or_partial)
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
                    ItemPlan(index, picked, None, "run", reason="its input is made in this run")
                )
            else:
                items.append(
                    self.resolve_item(
                        node, node_type, catalog, model, params, picked, index, mapped, scope
                    )
                )
        runs = sum(1 for i in items if i.status == "run")
        done = [i for i in items if i.status in ("cached", "pinned")]
        plan = NodePlan(
            node.id, "partial" if done else "run", model, items=items, mapped=True, count_hint=count
        )
        plan.cached = len(done)
        plan.partial_outputs = combine_outputs(node_type, items)
        # an item whose inputs are partly made in this run may still be priced by the
        # others (a routed shot by its shot, whatever its first frame)
        to_run = [i for i in items if i.status == "run"]
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
        if plan.status == "lookup":
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
    ) -> ItemPlan:
        """``resolve_item`` but for the cache: status "lookup" when the cache decides."""
        if any(inputs.get(name) is None for name in mapped):
            return ItemPlan(item, inputs, None, "skip", reason="its upstream item failed")
        if not node_type.cacheable:
            return ItemPlan(item, inputs, None, "run")
        key, params_json, inputs_json = item_key(
            node, node_type, model, params, inputs, item, self.library, catalog
        )
        pin = node.pin_for(item)
        if pin:
            outputs = self.library.outputs_from_hashes(pin)
            if outputs is not None:
                return ItemPlan(item, inputs, key, "pinned", outputs)
        return ItemPlan(item, inputs, key, "lookup", None, None, params_json, inputs_json)

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
        by_model = _priced_by_its_model(node_type)  # then the plan resolved that model already
        if by_model:
            models = [plan.model] if plan.model is not None else []
        else:
            models = node_type.models_in_use(catalog, params, connected)
        if models:
            try:
                cost, priced = CostRange(), 0
                for item in () if by_model else known:  # (by_model: no item prices itself)
                    one_item = node_type.estimate_item(
                        self.library, catalog, self.prices, params, item.inputs
                    )
                    if one_item is not None:
                        cost, priced = cost + one_item, priced + 1
                if priced < runs:
                    one = (
                        self.prices.estimate(models[0], params, prompt_chars=prompt_chars)
                        if by_model
                        else node_type.estimate(
                            catalog, self.prices, params, connected, prompt_chars=prompt_chars
                        )
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

    def _quote(
        self,
        graph: Graph,
        order: list[str],
        plans: Mapping[str, NodePlan],
        upstream: Mapping[str, list[Edge]],
    ) -> Quote:
        quote = Quote()
        finish: dict[str, float] = {}
        low = high = 0.0
        for node_id in order:
            plan = plans[node_id]
            edges = upstream[node_id]
            start = max((finish.get(e.src_node, 0.0) for e in edges), default=0.0) if edges else 0.0
            finish[node_id] = start + plan.seconds
            if plan.model is None and plan.cost.is_free and not plan.runs:
                continue
            low += plan.cost.low
            high += plan.cost.high
            quote.to_run += plan.runs
            quote.cached += plan.cached
            quote.nodes[node_id] = NodeQuote(
                node_id,
                plan.model.id if plan.model else None,
                plan.cost,
                plan.seconds,
                plan.runs,
                plan.cached,
                items_known=plan.status != "waiting",
                unpriced=plan.price_problem,
            )
        quote.cost = CostRange(low, high)
        quote.seconds = max(finish.values(), default=0.0)
        quote.warnings = self._drift_warnings(graph, plans, quote)
        return quote

    def _drift_warnings(
        self, graph: Graph, plans: Mapping[str, NodePlan], quote: Quote
    ) -> list[str]:
        """A line per model that will run and whose reported charges in the user's ledger
        went above their quote's max (the price table may be out of date)."""
        catalog = graph.registry.catalog
        models: dict[str, str] = {}
        for node_id, plan in plans.items():
            if node_id in quote.nodes and plan.runs:
                node_type = graph.registry[graph.nodes[node_id].type]
                for model in node_type.models_in_use(catalog, plan.params or {}, plan.connected):
                    if not model.free:
                        models[model.id] = model.label
        if not models:
            return []
        return drift_warnings(self.library.charge_totals(), list(models), models)


def _answered(plan: ItemPlan, hit: CachedResult | None) -> ItemPlan:
    """An item waiting for the cache, with its answer: cached, or to run."""
    if hit is not None:
        plan.status, plan.outputs = "cached", hit.outputs
    else:
        plan.status = "run"
    return plan


def _waves(order: list[str], upstream: Mapping[str, list[Edge]]) -> list[list[str]]:
    """``order`` (topological) cut into waves: each node one wave after its latest input."""
    depth: dict[str, int] = {}
    waves: list[list[str]] = []
    for node_id in order:
        level = 1 + max((depth.get(e.src_node, -1) for e in upstream[node_id]), default=-1)
        depth[node_id] = level
        if level == len(waves):
            waves.append([])
        waves[level].append(node_id)
    return waves


_PRICED_BY_MODEL: dict[type[NodeType], bool] = {}


def _priced_by_its_model(node_type: type[NodeType]) -> bool:
    """Whether the node type is priced as ``NodeType`` prices: by the one model it resolves,
    every item alike (a router, which may call several, prices itself)."""
    known = _PRICED_BY_MODEL.get(node_type)
    if known is None:
        known = _PRICED_BY_MODEL[node_type] = all(
            getattr(node_type, name).__func__ is getattr(NodeType, name).__func__
            for name in ("models_in_use", "estimate", "estimate_item")
        )
    return known


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
