"""Checks before a run: every problem of the graph, per node, all at once; nothing is spent.

Two levels: ``graph_problems`` (the graph itself: types, connections, params, required
inputs, loops) and ``run_problems`` (this run: missing provider keys for work that will
actually run, work without a price, budgets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .catalog import Provider
from .errors import GraphError
from .fileformat import check_params
from .graph import LOOP_REASON, EdgeRule, Graph
from .plan import Plan, Resolution, models_planned
from .pricing import Budget, budget_problems
from .status import WILL_RUN, PlanStatus


@dataclass(frozen=True)
class Problem:
    message: str
    node_id: str | None = None
    node_name: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.node_name}: {self.message}" if self.node_name else self.message

    def as_dict(self) -> dict[str, str | None]:
        return {
            "node": self.node_id,
            "name": self.node_name,
            "code": self.code,
            "message": self.message,
        }


def graph_problems(
    graph: Graph, nodes: Iterable[str] | None = None, *, resolution: Resolution | None = None
) -> list[Problem]:
    """``resolution``: the graph's nodes resolved for this check, which its planning reads
    after (made here when not given)."""
    registry = graph.registry
    catalog = registry.catalog
    problems: list[Problem] = []
    wanted = set(graph.nodes) if nodes is None else set(nodes)
    if resolution is None or resolution.graph is not graph:
        resolution = Resolution(graph)
    in_order = list(graph.nodes) if nodes is None else [n for n in graph.nodes if n in wanted]
    resolution.resolve(in_order)
    resolved_nodes = resolution.nodes
    for node_id in in_order:
        resolved = resolved_nodes.get(node_id)
        if resolved is None:
            node = graph.nodes[node_id]
            problems.append(
                Problem(
                    f"unknown node type {node.type!r}",
                    node_id,
                    graph.display_name(node_id),
                    "unknown_type",
                )
            )
            continue
        node_type, params, model = resolved.node_type, resolved.params, resolved.model
        param_problems = check_params(node_type, catalog, resolved.node.params)
        input_problems = node_type.check_resolved(catalog, params, resolved.connected, model)
        # combinations of values the provider refuses (a model without rules refuses none)
        refused = model.problems(model.call_params(params)) if model and model.rules else ()
        if param_problems or input_problems or refused:
            found = [(m, "param") for m in param_problems]
            found += [(m, "missing_input") for m in input_problems]
            found += [(m, "param") for m in refused]
            name = graph.display_name(node_id)
            problems.extend(Problem(message, node_id, name, code) for message, code in found)
    try:
        resolution.topology = graph.topological_waves()  # (planning reads them)
        loop: Problem | None = None
    except GraphError as exc:
        loop = Problem(str(exc), code="cycle")
    rule = EdgeRule(graph, loops=loop is not None)
    loop_outside = False  # a loop closed by an edge into a node not asked about
    for edge in graph.edges:
        reason = rule.problem(edge)
        if reason is None:
            rule.accept(edge)
        elif reason == LOOP_REASON and edge.dst_node not in wanted:
            loop_outside = True
        source = resolved_nodes.get(edge.src_node)
        if source is None and edge.src_node in graph.nodes:  # a node not asked about
            source = resolution.get(edge.src_node)
        # (a type that keeps provided_outputs fills every output: the rule found this one)
        if not reason and source is not None and "provided_outputs" in source.node_type.overridden:
            src_type = source.node_type
            if edge.src_port not in src_type.provided_outputs(source.params):
                out = src_type.output(edge.src_port)
                reason = (
                    f"{graph.display_name(edge.src_node)} does not fill its "
                    f"{out.display if out else edge.src_port} output with its current "
                    "settings"
                )
        if reason and edge.dst_node in wanted:
            problems.append(
                Problem(
                    f"connection from {graph.display_name(edge.src_node)}: {reason}",
                    edge.dst_node if edge.dst_node in graph.nodes else None,
                    graph.display_name(edge.dst_node),
                    # a loop keeps its own code: the executor and `validate` stop before
                    # planning a graph that has one
                    "cycle" if reason == LOOP_REASON else "connection",
                )
            )
    if loop is not None and (loop_outside or rule.gave_up_on_loops):
        problems.append(loop)  # not named on a connection above
    return problems


def run_problems(
    graph: Graph,
    plan: Plan,
    *,
    key_problem: Callable[[str], str | None],
    budget: Budget,
    spent_today: float,
) -> list[Problem]:
    problems: list[Problem] = []
    asked: dict[Provider, str | None] = {}  # each provider's key problem
    catalog = graph.registry.catalog
    types = graph.registry.types
    will_run = WILL_RUN
    for node_id in plan.order:
        node_plan = plan.nodes[node_id]
        if node_plan.status == PlanStatus.INVALID:
            problems.append(
                Problem(
                    node_plan.problem or "cannot run",
                    node_id,
                    graph.display_name(node_id),
                    "invalid",
                )
            )
            continue
        if node_plan.status not in will_run:
            continue
        if node_plan.price_problem:
            problems.append(
                Problem(node_plan.price_problem, node_id, graph.display_name(node_id), "unpriced")
            )
        models = models_planned(types[graph.nodes[node_id].type], catalog, node_plan)
        providers = [m.provider for m in models]
        if len(providers) > 1:  # each once, in order
            providers = list(dict.fromkeys(providers))
        for provider in providers:
            if provider not in asked:
                asked[provider] = key_problem(provider.value)
            if asked[provider]:
                problems.append(
                    Problem(
                        str(asked[provider]), node_id, graph.display_name(node_id), "missing_key"
                    )
                )
    for message in budget_problems(plan.quote, budget, spent_today):
        problems.append(Problem(message, code="budget"))
    return problems
