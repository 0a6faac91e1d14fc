"""The graph model: typed connections, edits and their signals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.errors import GraphError
from canvastoon_desktop.core.graph import Edge, Graph
from nodes import default_registry

REGISTRY = default_registry()


@pytest.fixture
def graph() -> Graph:
    return Graph(default_registry())


def test_a_new_node_gets_its_declared_defaults_and_a_uuid(graph: Graph) -> None:
    node = graph.create_node("image_gen")
    assert len(node.id) == 32
    assert node.params["model"] == "google/nano-banana-pro"
    assert node.params["aspect_ratio"] == "9:16"
    assert node.params["num_images"] == 1


def test_an_image_output_may_feed_a_mask_input(graph: Graph) -> None:
    image = graph.create_node("load_image")
    inpaint = graph.create_node("inpaint")
    graph.connect(Edge(image.id, "image", inpaint.id, "mask"))
    assert len(graph.edges) == 1


def test_incompatible_ports_are_refused_with_the_reason(graph: Graph) -> None:
    video = graph.create_node("video")
    inpaint = graph.create_node("inpaint")
    with pytest.raises(GraphError, match="a Video output cannot feed an Image input"):
        graph.connect(Edge(video.id, "video", inpaint.id, "image"))
    assert graph.edges == []


def test_a_connection_that_would_make_a_loop_is_refused(graph: Graph) -> None:
    a = graph.create_node("prompt_llm")
    b = graph.create_node("prompt_llm")
    graph.connect(Edge(a.id, "text", b.id, "text"))
    assert (
        graph.connection_problem(Edge(b.id, "text", a.id, "text"))
        == "this connection would make a loop"
    )


def test_a_single_input_takes_one_connection_but_references_take_several(graph: Graph) -> None:
    text1, text2 = graph.create_node("text"), graph.create_node("text")
    gen = graph.create_node("image_gen")
    graph.connect(Edge(text1.id, "text", gen.id, "prompt"))
    assert "already has a connection" in graph.connection_problem(
        Edge(text2.id, "text", gen.id, "prompt")
    )
    refs = [graph.create_node("load_image") for _ in range(3)]
    for ref in refs:
        graph.connect(Edge(ref.id, "image", gen.id, "references"))
    assert len(graph.incoming(gen.id)) == 4


def test_removing_a_node_removes_and_returns_its_connections(graph: Graph) -> None:
    text = graph.create_node("text")
    llm = graph.create_node("prompt_llm")
    edge = graph.connect(Edge(text.id, "text", llm.id, "text"))
    node, removed = graph.remove_node(text.id)
    assert node is text and removed == [edge] and graph.edges == []


def test_set_param_checks_the_declaration(graph: Graph) -> None:
    gen = graph.create_node("image_gen")
    with pytest.raises(GraphError, match="Images must be at most 4"):
        graph.set_param(gen.id, "num_images", 9)
    with pytest.raises(GraphError, match="must be one of"):
        graph.set_param(gen.id, "aspect_ratio", "7:5")
    with pytest.raises(GraphError, match="has no parameter"):
        graph.set_param(gen.id, "size", "1024x1792")


JSON_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # nan and the infinities too
    | st.text()  # lone surrogates too
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
PARAMS = sorted(
    (type_id, spec.name)
    for type_id, node_type in REGISTRY.types.items()
    for spec in node_type.param_specs(REGISTRY.catalog, None)
)


@settings(max_examples=400, deadline=None)
@given(param=st.sampled_from(PARAMS), value=JSON_LIKE)
def test_any_value_for_any_parameter_is_stored_checked_or_refused_with_a_graph_error(
    param: tuple[str, str], value: object
) -> None:
    """What a script, the CLI or a widget hands set_param never escapes as another error."""
    graph = Graph(REGISTRY)
    type_id, name = param
    node = graph.create_node(type_id)
    try:
        graph.set_param(node.id, name, value)
    except GraphError:
        return
    assert name in node.params


def test_switching_model_keeps_values_the_new_model_accepts(graph: Graph) -> None:
    video = graph.create_node("video")  # hailuo: duration 6|10, resolution 768P
    graph.set_param(video.id, "prompt", "she jumps")
    graph.set_param(video.id, "model", "bytedance/seedance-1-pro-fast")
    assert video.params["prompt"] == "she jumps"
    assert video.params["duration"] == 10  # accepted by seedance (2-12)
    assert video.params["resolution"] == "720p"  # 768P is not a seedance value: default
    assert "enhance_prompt" not in video.params


def test_signals_fire_once_per_real_change(graph: Graph) -> None:
    seen: list[tuple] = []
    graph.param_changed.connect(lambda *args: seen.append(args))
    graph.node_moved.connect(lambda *args: seen.append(("moved", *args)))
    text = graph.create_node("text")
    graph.set_param(text.id, "text", "hello")
    graph.set_param(text.id, "text", "hello")
    graph.set_position(text.id, (10, 20))
    graph.set_position(text.id, (10, 20))
    assert seen == [(text.id, "text", "hello"), ("moved", text.id, (10.0, 20.0))]


def test_nodes_are_found_by_id_prefix_or_unique_title(graph: Graph) -> None:
    a = graph.create_node("text", title="Idea")
    graph.create_node("text", title="Twin")
    graph.create_node("text", title="Twin")
    assert graph.find("Idea") is a
    assert graph.find(a.id[:8]) is a
    assert graph.find("Twin") is None


def test_topological_order_puts_inputs_first(graph: Graph) -> None:
    text = graph.create_node("text")
    llm = graph.create_node("prompt_llm")
    gen = graph.create_node("image_gen")
    graph.connect(Edge(llm.id, "text", gen.id, "prompt"))
    graph.connect(Edge(text.id, "text", llm.id, "text"))
    order = graph.topological_order()
    assert order.index(text.id) < order.index(llm.id) < order.index(gen.id)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 12).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.tuples(st.integers(0, n), st.integers(0, n))))
    )
)
def test_the_waves_of_a_graph_are_its_order_with_each_node_a_wave_after_its_latest_input(
    shape: tuple[int, set[tuple[int, int]]],
) -> None:
    count, pairs = shape
    graph = Graph(REGISTRY)
    ids = [graph.create_node("text").id for _ in range(count + 1)]
    for a, b in pairs:
        if a < b:  # (no loop)
            graph.edges.append(Edge(ids[a], "text", ids[b], "text"))
    subset = set(ids[: count // 2 + 1])  # closed under its inputs: edges go up the list only
    for wanted in (None, subset):
        order, waves = graph.topological_waves(wanted)
        assert order == graph.topological_order(wanted) == _order_by_ids(graph, wanted)
        wave_of = {node_id: i for i, wave in enumerate(waves) for node_id in wave}
        assert [n for wave in waves for n in wave] == sorted(order, key=wave_of.__getitem__)
        assert len(wave_of) == len(order) and all(waves)
        for node_id in order:
            inputs = [wave_of[e.src_node] for e in graph.edges if e.dst_node == node_id]
            assert wave_of[node_id] == 1 + max(inputs, default=-1)


def test_the_waves_of_a_graph_with_a_loop_are_refused_as_its_order_is() -> None:
    graph = Graph(REGISTRY)
    a, b, c = (graph.create_node("text", title=f"T{i}").id for i in range(3))
    graph.edges += [Edge(c, "text", a, "text"), Edge(a, "text", b, "text")]
    graph.edges.append(Edge(b, "text", a, "text"))
    names = ", ".join(graph.display_name(n) for n in sorted((a, b)))  # (not c, before it)
    for sort in (graph.topological_order, graph.topological_waves):
        with pytest.raises(GraphError) as refused:
            sort()
        assert str(refused.value) == f"the graph has a loop through {names}"


def _order_by_ids(graph: Graph, subset: set[str] | None) -> list[str]:
    """The topological order as the executor has always started nodes in: each node ready
    (its inputs sorted) taken last-in, first-out, its outputs in the order of the edges."""
    wanted = set(graph.nodes) if subset is None else subset
    indegree = dict.fromkeys(wanted, 0)
    down: dict[str, list[str]] = {n: [] for n in wanted}
    for edge in graph.edges:
        if edge.src_node in wanted and edge.dst_node in wanted:
            indegree[edge.dst_node] += 1
            down[edge.src_node].append(edge.dst_node)
    ready = [n for n in graph.nodes if n in wanted and indegree[n] == 0]
    order: list[str] = []
    while ready:
        current = ready.pop()
        order.append(current)
        for nxt in down[current]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return order
