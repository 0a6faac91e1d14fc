"""The short paths planning and validation take agree with the long ones they stand for."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.assets import input_hashes
from canvastoon_desktop.core.cachekey import keyed
from canvastoon_desktop.core.catalog import Catalog, ModelSpec
from canvastoon_desktop.core.errors import ParamError
from canvastoon_desktop.core.fileformat import check_params
from canvastoon_desktop.core.graph import Edge, Graph, Node
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.plan import (
    Estimates,
    ItemPlan,
    NodePlan,
    Planner,
    Resolution,
    gather_inputs,
    item_key,
    models_planned,
)
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.pricing import CostRange, PriceTable, UnpricedModel
from canvastoon_desktop.core.status import ItemStatus, PlanStatus
from canvastoon_desktop.core.validation import graph_problems
from nodes import default_registry
from tests.support.fakes import fake_registry

REGISTRY = default_registry()
CATALOG = REGISTRY.catalog


class _Text(str):
    """A str that is not exactly ``str``: ``ParamSpec.coerce`` checks it the long way."""


SPECS = [
    ParamSpec("line", ParamKind.STRING, ""),
    ParamSpec("short", ParamKind.STRING, "", max_length=3),
    ParamSpec("prompt", ParamKind.TEXT, ""),
    ParamSpec("path", ParamKind.FILE, ""),
    ParamSpec("folder", ParamKind.FOLDER, ""),
    ParamSpec("mode", ParamKind.ENUM, "a", choices=("a", "bb", "été")),
    ParamSpec("free", ParamKind.ENUM, ""),
    ParamSpec("seconds", ParamKind.ENUM, 6, choices=(6, 10)),
    ParamSpec("count", ParamKind.INT, 1),
]


def _outcome(spec: ParamSpec, value: str) -> tuple[str, object]:
    try:
        return "ok", spec.coerce(value)
    except ParamError as exc:
        return "refused", str(exc)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SPECS),
    st.text(max_size=6) | st.sampled_from(["a", "bb", "été", "\x00", "\ud800", "x" * 4097]),
)
def test_text_checked_the_short_way_is_checked_as_the_long_way_checks_it(
    spec: ParamSpec, value: str
) -> None:
    assert _outcome(spec, value) == _outcome(spec, _Text(value))


def test_a_type_keeping_the_base_check_is_checked_with_the_model_it_resolved() -> None:
    for node_type in REGISTRY:
        ports = [p.name for p in node_type.inputs]
        for size in range(min(len(ports), 2) + 1):
            for picked in combinations(ports, size):
                connected = frozenset(picked)
                params = node_type.effective_params(CATALOG, node_type.new_params(CATALOG))
                model = node_type.resolve_model(CATALOG, params, connected)
                assert node_type.check_resolved(
                    CATALOG, params, connected, model
                ) == node_type.check(CATALOG, params, connected), node_type.type_id


def test_the_models_a_plan_names_are_the_models_in_use() -> None:
    for node_type in REGISTRY:
        params = node_type.effective_params(CATALOG, node_type.new_params(CATALOG))
        connected = frozenset(p.name for p in node_type.inputs)
        model = node_type.resolve_model(CATALOG, params, connected)
        plan = NodePlan("n", PlanStatus.RUN, model, params=params, connected=connected)
        assert models_planned(node_type, CATALOG, plan) == node_type.models_in_use(
            CATALOG, params, connected
        ), node_type.type_id


@pytest.mark.parametrize("shared", [False, True])
def test_validation_with_the_checks_resolution_finds_what_it_finds_alone(shared: bool) -> None:
    graph = Graph(REGISTRY)
    for type_id in [t.type_id for t in REGISTRY][:12]:
        graph.create_node(type_id)
    alone = graph_problems(graph)
    resolution = Resolution(graph) if shared else None
    assert graph_problems(graph, resolution=resolution) == alone
    if resolution is not None:
        assert set(resolution.nodes) == set(graph.nodes)


def test_provided_outputs_follow_a_replaced_declaration() -> None:
    class Two(NodeType):
        type_id = "test.two"
        title = "Two"
        outputs = (Port("a", PortType.TEXT), Port("b", PortType.TEXT))

    assert Two.provided_outputs({}) == {"a", "b"}
    Two.outputs = (Port("c", PortType.TEXT),)
    assert Two.provided_outputs({}) == {"c"}


def test_an_estimate_remembered_is_the_price_tables_and_tells_settings_apart() -> None:
    prices = PriceTable.load()
    estimates = Estimates(prices)
    for model in CATALOG.models.values():
        defaults = {p.name: p.default for p in model.params}
        variants = [defaults]
        for spec in model.params:
            picks = (True, False, 1, 0) if spec.kind is ParamKind.BOOL else spec.choices[:3]
            for choice in picks:  # (True and 1 are equal keys, yet not the same setting)
                variants.append({**defaults, spec.name: choice})
        for params in variants * 2:  # the second time from what was remembered
            for chars in (None, 10, 5000):
                try:
                    expected: object = prices.estimate(model, params, prompt_chars=chars)
                except UnpricedModel as exc:
                    expected = str(exc)
                try:
                    found: object = estimates.estimate(model, params, prompt_chars=chars)
                except UnpricedModel as exc:
                    found = str(exc)
                assert found == expected, (model.id, params, chars)


def test_a_copied_node_shares_no_list_or_dict_with_its_original() -> None:
    node = Node(
        "n",
        "test.step",
        {"text": "a", "n": 1, "shots": [{"a": [1]}], "map": {"k": [2]}},
        rerolls={"": 1},
        pins={"": {"text": "ab"}},
        extra={"x": [1]},
    )
    twin = node.clone()
    assert twin == node
    for name in ("shots", "map"):
        assert twin.params[name] is not node.params[name]
    assert twin.params["shots"][0] is not node.params["shots"][0]
    assert twin.rerolls is not node.rerolls and twin.pins[""] is not node.pins[""]
    assert twin.extra["x"] is not node.extra["x"]
    assert node.clone("m").id == "m"


def test_the_inputs_of_a_node_with_nothing_connected_are_new_each_time() -> None:
    node_type = REGISTRY["image_gen"]
    graph = Graph(REGISTRY)
    node = graph.create_node("image_gen")
    first, known, missing = gather_inputs(graph, node, node_type, [], lambda _: None)
    assert known and not missing
    assert first == {p.name: () if p.multiple else None for p in node_type.inputs}
    first["prompt"] = "changed"
    again, _, _ = gather_inputs(graph, node, node_type, [], lambda _: None)
    assert again["prompt"] is None


# -- a type's overrides, derived once, pick the path planning and validation take -----------


def _priced_plan(node_type: type[NodeType], runs: int) -> tuple[NodePlan, CostRange]:
    """A plan of ``runs`` runs of ``node_type`` priced by a planner, with what the model's
    own estimate is a run."""
    model = _PRICED_MODEL
    prices = PriceTable.load()
    planner = Planner(_NoTimings(), prices)  # type: ignore[arg-type]
    plan = NodePlan("n", PlanStatus.RUN, model)
    items = [ItemPlan(i, {"prompt": None}, None, ItemStatus.RUN) for i in range(runs)]
    planner._priced(plan, node_type, CATALOG, {}, frozenset(), runs, None, items)
    return plan, prices.estimate(model, {})


_PRICED_MODEL = next(m for m in CATALOG.models.values() if not m.free)


class _NoTimings:
    def typical_run_seconds(self, model_id: str) -> None:
        return None


class _Plain(NodeType):
    type_id = "test.plain"
    title = "Plain"
    inputs = (Port("prompt", PortType.TEXT),)


class _Router(_Plain):
    """Overrides what a router overrides: its own check, keys, models and prices."""

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        return ["routed nowhere"]

    @classmethod
    def key_params(
        cls, library: Any, catalog: Catalog, params: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        return {"role": "shot"}

    @classmethod
    def key_inputs(cls, library: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {"shot": "its hash"}

    @classmethod
    def models_in_use(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[ModelSpec]:
        return [_PRICED_MODEL]

    @classmethod
    def estimate(
        cls,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        connected: frozenset[str],
        *,
        prompt_chars: int | None = None,
    ) -> CostRange:
        return CostRange(1.0, 2.0)


class _RouterByItem(_Router):
    @classmethod
    def estimate_item(
        cls,
        library: Any,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> CostRange | None:
        return CostRange(0.25, 0.5)


def test_a_type_names_the_methods_it_overrides_and_a_subclass_inherits_them() -> None:
    assert NodeType.overridden == frozenset() and _Plain.overridden == frozenset()
    assert _Router.overridden == {
        "check",
        "key_params",
        "key_inputs",
        "models_in_use",
        "estimate",
    }
    assert _RouterByItem.overridden == _Router.overridden | {"estimate_item"}

    class Static(_Plain):
        @staticmethod
        def estimate(*args: Any, **kwargs: Any) -> CostRange:
            return CostRange(1.0, 1.0)

    assert Static.overridden == {"estimate"}  # (overridden, though not by a classmethod)


def test_a_type_overriding_check_is_checked_by_its_own_check() -> None:
    assert _Plain.check_resolved(CATALOG, {}, frozenset(), None) == [
        "the Prompt input is not connected"
    ]
    assert _Router.check_resolved(CATALOG, {}, frozenset(), None) == ["routed nowhere"]


def test_a_type_overriding_its_keys_is_keyed_by_what_its_overrides_give() -> None:
    node = Node("n", "test.plain")
    params, inputs = {"text": "a"}, {"prompt": None}
    plain = item_key(node, _Plain, None, params, inputs, None, None, CATALOG)  # type: ignore[arg-type]
    assert plain == keyed("test.plain", 1, None, params, input_hashes(inputs))
    routed = item_key(node, _Router, None, params, inputs, None, None, CATALOG)  # type: ignore[arg-type]
    key = keyed("test.plain", 1, None, {"role": "shot"}, {"shot": "its hash"})[0]
    assert routed == (
        key,
        None,
        None,
    )  # (a result's row keeps no params nor inputs it was not keyed by)


def test_a_type_overriding_its_models_names_them_in_its_plan() -> None:
    plan = NodePlan("n", PlanStatus.RUN, None, params={}, connected=frozenset())
    assert models_planned(_Plain, CATALOG, plan) == []
    assert models_planned(_Router, CATALOG, plan) == _Router.models_in_use(CATALOG, {}, frozenset())


def test_a_type_overriding_its_prices_is_priced_by_them() -> None:
    plain, one = _priced_plan(_Plain, 3)
    assert plain.cost == CostRange(one.low * 3, one.high * 3)
    routed, _ = _priced_plan(_Router, 3)
    assert routed.cost == CostRange(3.0, 6.0)
    by_item, _ = _priced_plan(_RouterByItem, 3)
    assert by_item.cost == CostRange(0.75, 1.5)


def test_a_node_of_an_unknown_type_is_the_registrys_key_error() -> None:
    graph = Graph(REGISTRY)
    graph.nodes["n"] = Node("n", "no.such.type")
    with pytest.raises(KeyError) as raised:
        Resolution(graph)["n"]
    assert raised.value.args == ("no.such.type",)
    with pytest.raises(KeyError) as raised:
        Resolution(graph)["missing"]
    assert raised.value.args == ("missing",)


def test_a_quotes_time_is_its_longest_path_of_nodes_one_after_another() -> None:
    graph = Graph(fake_registry())
    a, b, c, d, e = (graph.create_node("test.step").id for _ in range(5))
    graph.edges += [
        Edge(a, "text", b, "text"),
        Edge(a, "text", c, "text"),
        Edge(b, "text", d, "text"),
        Edge(c, "text", d, "text"),  # (d waits for the later of b and c)
    ]
    seconds = {a: 1.0, b: 2.0, c: 5.0, d: 1.5, e: 4.0}
    plans = {n: NodePlan(n, PlanStatus.RUN, runs=1, seconds=s) for n, s in seconds.items()}
    planner = Planner(_NoTimings(), PriceTable.load())  # type: ignore[arg-type]
    resolution = Resolution(graph)
    resolution.resolve(graph.nodes)
    quote = planner._quote(graph, list(graph.topological_order()), plans, resolution)
    assert quote.seconds == 7.5  # a, c, d
    assert quote.to_run == 5
    plans[c].seconds = 0.5
    assert planner._quote(graph, graph.topological_order(), plans, resolution).seconds == 4.5


def test_nodes_priced_at_one_estimate_cost_it_times_their_own_runs() -> None:
    prices = PriceTable.load()
    planner = Planner(_NoTimings(), prices)  # type: ignore[arg-type]
    one = prices.estimate(_PRICED_MODEL, {})
    for runs in (1, 3, 1, 2, 3):
        plan = NodePlan("n", PlanStatus.RUN, _PRICED_MODEL)
        planner._priced(plan, _Plain, CATALOG, {}, frozenset(), runs, None)
        assert plan.cost == CostRange(0.0 + one.low * runs, 0.0 + one.high * runs), runs


def test_nodes_resolved_alike_get_the_params_and_model_their_types_methods_give() -> None:
    graph = Graph(REGISTRY)
    stored_params: list[dict[str, Any]] = [{}, {"model": None}, {"model": "no such model"}]
    for node_type in REGISTRY:
        made = node_type.new_params(CATALOG)
        stored_params += [made, dict(reversed(made.items())), {**made, "model": 1}]
        stored_params += [{**made, "model": True}, {k: v for k, v in made.items() if k != "model"}]
        for model in node_type.models(CATALOG)[:3]:
            stored_params.append(node_type.new_params(CATALOG, {"model": model.id}))
    for node_type in REGISTRY:
        for params in stored_params:
            graph.nodes[f"{node_type.type_id} {len(graph.nodes)}"] = Node(
                f"{node_type.type_id} {len(graph.nodes)}", node_type.type_id, dict(params)
            )
    resolution = Resolution(graph)
    resolution.resolve(graph.nodes)
    for node_id, node in graph.nodes.items():
        node_type, resolved = REGISTRY[node.type], resolution[node_id]
        params = node_type.effective_params(CATALOG, node.params)
        assert list(resolved.params.items()) == list(params.items()), node_id
        assert [type(v) for v in resolved.params.values()] == [type(v) for v in params.values()]
        assert resolved.model is node_type.resolve_model(CATALOG, params, resolved.connected)


# -- params checked without ParamSpec.coerce's call ------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["model", "text", "suffix", "bogus"]),
        st.text(max_size=6)
        | st.sampled_from(["test/echo", "nope", "\x00", "\ud800", "x" * 4097, "été"])
        | st.integers()
        | st.none()
        | st.booleans(),
        max_size=4,
    )
)
def test_params_are_checked_as_each_param_spec_coerces_them(params: dict[str, Any]) -> None:
    registry = fake_registry()
    node_type, catalog = registry["test.step"], registry.catalog
    model_id = params.get("model")
    expected: list[str] = []
    chooser = node_type.model_param(catalog)
    if model_id is not None and chooser is not None and model_id not in chooser.choices:
        assert len(check_params(node_type, catalog, params)) == 1
        return
    specs = node_type.param_spec_map(catalog, model_id)
    for name, value in params.items():
        spec = specs.get(name)
        if spec is None:
            expected.append(f"unknown parameter {name[:60]!r}")
            continue
        outcome = _outcome(spec, _Text(value)) if isinstance(value, str) else None
        if outcome is not None and outcome[0] == "refused":
            expected.append(str(outcome[1]))
        elif outcome is None:
            try:
                spec.coerce(value)
            except ParamError as exc:
                expected.append(str(exc))
    assert check_params(node_type, catalog, params) == expected
