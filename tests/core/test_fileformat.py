"""Graph files: round trips, migrations, and clear errors for broken or hostile files."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.atomic import NEW_FILE_MODE
from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import (
    CURRENT_VERSION,
    FORMAT_TAG,
    dumps_graph,
    load_graph,
    parse_graph,
    save_graph,
)
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.secrets import remember_secret
from nodes import default_registry

REGISTRY = default_registry()


def sample_graph() -> Graph:
    graph = Graph(REGISTRY)
    text = graph.create_node(
        "text", params={"text": "a girl on a neon rooftop"}, position=(10, 20), title="Idea"
    )
    gen = graph.create_node("image_gen", position=(300, 20))
    graph.connect(Edge(text.id, "text", gen.id, "prompt"))
    graph.set_param(gen.id, "resolution", "2K")
    graph.reroll(gen.id)
    return graph


def write(tmp_path: Path, doc: object, name: str = "g.ctoon") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, "utf-8")
    return path


def doc_of(graph: Graph) -> dict:
    return json.loads(dumps_graph(graph))


def test_save_and_load_gives_the_same_graph(tmp_path: Path) -> None:
    graph = sample_graph()
    save_graph(graph, tmp_path / "g.ctoon")
    again = load_graph(tmp_path / "g.ctoon", REGISTRY)
    assert list(again.nodes) == list(graph.nodes)
    for node_id, node in graph.nodes.items():
        twin = again.nodes[node_id]
        assert (twin.type, twin.params, twin.position, twin.title, twin.rerolls) == (
            node.type,
            node.params,
            node.position,
            node.title,
            node.rerolls,
        )
    assert again.edges == graph.edges
    assert again.meta["graph_id"] == graph.meta["graph_id"]
    assert [p.name for p in tmp_path.iterdir()] == ["g.ctoon"]  # no temp file left behind


def test_unknown_future_fields_survive_a_round_trip(tmp_path: Path) -> None:
    doc = doc_of(sample_graph())
    doc["layout_hints"] = {"zoom": 2}
    doc["nodes"][0]["colour"] = "#ff00aa"
    doc["edges"][0]["style"] = "dashed"
    graph = load_graph(write(tmp_path, doc), REGISTRY)
    again = doc_of(graph)
    assert again["layout_hints"] == {"zoom": 2}
    assert again["nodes"][0]["colour"] == "#ff00aa"


def test_a_key_pasted_into_a_prompt_is_never_written(tmp_path: Path) -> None:
    secret = "sk-canary-0123456789abcdef0123"
    remember_secret(secret)
    graph = sample_graph()
    text_id = next(iter(graph.nodes))
    graph.set_param(text_id, "text", f"my key is {secret}")
    save_graph(graph, tmp_path / "g.ctoon")
    content = (tmp_path / "g.ctoon").read_text("utf-8")
    assert secret not in content and "[redacted]" in content


def test_version_1_files_are_migrated(tmp_path: Path) -> None:
    doc = doc_of(sample_graph())
    doc["version"] = 1
    for node in doc["nodes"]:
        x, y = node.pop("position")
        node["position"] = {"x": x, "y": y}
        node["reroll"] = node.pop("rerolls", {}).get("", 0)
    graph = load_graph(write(tmp_path, doc), REGISTRY)
    gen = list(graph.nodes.values())[1]
    assert gen.position == (300.0, 20.0) and gen.reroll_count() == 1
    assert CURRENT_VERSION == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'{"format": "canvastoon-graph", "version": 2, "nodes": [', "truncated"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"format": "comfyui-workflow", "version": 1}', "not a CanvasToon graph"),
        (b"[1, 2, 3]", "top level is not an object"),
        (b'{"format": "canvastoon-graph", "version": 99}', "newer CanvasToon"),
        (b'{"format": "canvastoon-graph", "version": "2"}', "no valid format version"),
        (b'{"format": "canvastoon-graph", "format": "x", "version": 2}', "appears twice"),
        (b'{"format": "canvastoon-graph", "version": 2, "nodes": NaN}', "NaN is not allowed"),
    ],
)
def test_broken_files_get_a_clear_error_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "broken.ctoon"
    path.write_bytes(content)
    with pytest.raises(GraphFileError) as caught:
        load_graph(path, REGISTRY)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "Traceback" not in str(caught.value)


def _problems_of(tmp_path: Path, doc: dict) -> str:
    with pytest.raises(GraphFileError) as caught:
        load_graph(write(tmp_path, doc), REGISTRY)
    return str(caught.value)


def test_semantic_problems_are_all_reported_per_node(tmp_path: Path) -> None:
    graph = sample_graph()
    doc = doc_of(graph)
    text_id, gen_id = list(graph.nodes)
    doc["nodes"].append(dict(doc["nodes"][0]))  # duplicate id
    doc["nodes"].append({"id": "alien", "type": "teleporter"})
    doc["nodes"].append({"id": "vid", "type": "video", "params": {"model": "openai/sora-9"}})
    doc["nodes"].append(
        {"id": "gen2", "type": "image_gen", "params": {"num_images": 12, "aspect_ratio": 5}}
    )
    doc["edges"].append({"from": [text_id, "text"], "to": ["ghost", "prompt"]})
    doc["edges"].append({"from": [text_id, "nope"], "to": [gen_id, "prompt"]})
    doc["edges"].append({"from": ["vid", "video"], "to": ["gen2", "prompt"]})
    message = _problems_of(tmp_path, doc)
    assert f"node {text_id}: this node id is used twice" in message
    assert "node alien: unknown node type 'teleporter'" in message
    assert "node vid: model 'openai/sora-9' is not a known model" in message
    assert "node gen2: Images must be at most 4" in message
    assert "node gen2: Aspect ratio must be text" in message
    assert "there is no node ghost" in message
    assert "has no output 'nope'" in message
    assert "a Video output cannot feed a Text input" in message


def test_a_cycle_is_refused(tmp_path: Path) -> None:
    doc = {
        "format": FORMAT_TAG,
        "version": 2,
        "nodes": [{"id": "a", "type": "prompt_llm"}, {"id": "b", "type": "prompt_llm"}],
        "edges": [
            {"from": ["a", "text"], "to": ["b", "text"]},
            {"from": ["b", "text"], "to": ["a", "text"]},
        ],
    }
    assert "loop" in _problems_of(tmp_path, doc)


def test_wrongly_typed_fields_name_the_node(tmp_path: Path) -> None:
    doc = {
        "format": FORMAT_TAG,
        "version": 2,
        "nodes": [{"id": "n1", "type": "text", "position": ["left", 3]}],
    }
    assert "node n1: position" in _problems_of(tmp_path, doc)


@pytest.mark.slow
def test_absurd_sizes_are_refused_without_reading_them_all(tmp_path: Path) -> None:
    big = tmp_path / "huge.ctoon"
    with open(big, "wb") as handle:
        handle.write(b'{"format": "canvastoon-graph", "version": 2, "meta": {"x": "')
        handle.write(b"a" * (100 * 1024 * 1024))
        handle.write(b'"}}')
    with pytest.raises(GraphFileError, match="graph files are at most 64 MB"):
        load_graph(big, REGISTRY)
    many = {
        "format": FORMAT_TAG,
        "version": 2,
        "nodes": [{"id": f"n{i}", "type": "text"} for i in range(10**6)],
    }
    with pytest.raises(GraphFileError, match="1,000,000 nodes"):
        parse_graph(json.dumps(many).encode(), REGISTRY, source="many.ctoon")
    deep = (
        '{"format": "canvastoon-graph", "version": 2, "meta": '
        + "[" * 100_000
        + "]" * 100_000
        + "}"
    )
    with pytest.raises(GraphFileError, match="nested too deeply"):
        parse_graph(deep.encode(), REGISTRY, source="deep.ctoon")
    param_deep = {
        "format": FORMAT_TAG,
        "version": 2,
        "nodes": [
            {
                "id": "n",
                "type": "text",
                "params": {"text": [[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]},
            }
        ],
    }
    with pytest.raises(GraphFileError, match="node n"):
        parse_graph(json.dumps(param_deep).encode(), REGISTRY, source="p.ctoon")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_only_ever_give_a_graph_file_error(data: bytes) -> None:
    with contextlib.suppress(GraphFileError):
        parse_graph(data, REGISTRY, source="fuzz.ctoon")


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    nodes=st.lists(
        st.fixed_dictionaries(
            {
                "id": st.text(min_size=1, max_size=6),
                "type": st.sampled_from(["text", "image_gen", "video", "bogus", "prompt_llm"]),
            },
            optional={
                "params": st.dictionaries(
                    st.sampled_from(["text", "model", "prompt", "num_images", "duration", "x"]),
                    json_values,
                    max_size=3,
                ),
                "position": json_values,
                "title": json_values,
                "pins": json_values,
                "rerolls": json_values,
            },
        ),
        max_size=5,
    ),
    edges=st.lists(json_values, max_size=4),
    meta=json_values,
)
def test_fuzz_structured_documents_load_or_fail_cleanly(
    nodes: list, edges: list, meta: object
) -> None:
    doc = {"format": FORMAT_TAG, "version": 2, "nodes": nodes, "edges": edges, "meta": meta}
    try:
        graph = parse_graph(json.dumps(doc).encode(), REGISTRY, source="fuzz.ctoon")
    except GraphFileError as exc:
        assert "fuzz.ctoon" in str(exc)
        return
    assert parse_graph(dumps_graph(graph).encode(), REGISTRY).nodes.keys() == graph.nodes.keys()


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")
def test_a_saved_file_gets_the_usual_mode_not_the_temp_files(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "mine.ctoon"
    save_graph(sample_graph(), path)  # new: what open() gives under the umask (not 0600)
    assert path.stat().st_mode & 0o777 == NEW_FILE_MODE == 0o666 & ~mask
    os.chmod(path, 0o640)  # an existing file keeps the mode its owner gave it
    save_graph(sample_graph(), path)
    assert path.stat().st_mode & 0o777 == 0o640
