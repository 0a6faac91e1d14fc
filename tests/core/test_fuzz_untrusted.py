"""Fuzzing what strangers send: graph files and pack manifests full of hostile values
(lone surrogates, 310-digit and infinite numbers, deep nesting, paths out of the folder,
unknown fields) give a clear error or a graph that checks and saves — never a traceback,
a hang, or a file written outside the target. Bounded to a few seconds each."""

from __future__ import annotations

import contextlib
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.errors import CoreError, GraphFileError
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import FORMAT_TAG, dumps_graph, parse_graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pack import PackError, unpack
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry
from tests.core.test_pack import made_pack, members  # noqa: F401 (a fixture)

REGISTRY = default_registry()
PRICES = PriceTable.load()

hostile_text = st.sampled_from(
    [
        "\ud800",
        "x\udfffy",
        "/etc/passwd",
        "~/.ssh/id_ed25519",
        "../../../escape",
        "C:\\Windows\\win.ini",
        "\x1b[2J",
        "",
        "ok",
        "inputs/" + "a" * 64 + ".png",
    ]
) | st.text(max_size=12)
hostile_numbers = st.sampled_from([10**310, -(10**310), 2**63, 2**53 + 1, 1e308, -0.0, 0, 7])
INF = "__INFINITY__"  # written into the JSON text as 1e400 (json.dumps cannot)
leaves = st.none() | st.booleans() | hostile_numbers | hostile_text | st.just(INF)


def nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=12,
) | st.builds(nested, st.sampled_from([70, 900]))

node_types = st.sampled_from(["text", "load_image", "export", "image_gen", "video", "bogus"])
param_names = st.sampled_from(["text", "path", "folder", "model", "duration", "seed", "size"])
node = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", "\ud800", "x" * 70]), "type": node_types},
    optional={
        "params": st.dictionaries(param_names, values, max_size=3),
        "title": values,
        "position": values,
        "future_field": values,
    },
)


def as_text(doc: object) -> bytes:
    text = json.dumps(doc, ensure_ascii=True)  # lone surrogates survive as \ud800 escapes
    return text.replace(f'"{INF}"', "1e400").encode()


def outside_listing(root: Path, allowed: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if allowed not in (p, *p.parents))


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(nodes=st.lists(node, max_size=4), meta=values, extra=values)
def test_hostile_graph_files_load_check_and_save_or_fail_cleanly(
    nodes: list, meta: object, extra: object
) -> None:
    doc = {"format": FORMAT_TAG, "version": 2, "nodes": nodes, "edges": [], "meta": meta}
    doc["unknown"] = extra
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = root / "project"
        project.mkdir()
        library = Library(root / "library")
        try:
            graph = parse_graph(as_text(doc), REGISTRY, source="fuzz.ctoon")
        except GraphFileError as exc:
            assert str(exc).startswith("fuzz.ctoon")
            library.close()
            return
        executor = Executor(REGISTRY, library, PRICES, adapters={"local": LocalAdapter()})
        with contextlib.suppress(CoreError):
            executor.check(graph, graph_path=project / "g.ctoon")
        text = dumps_graph(graph)  # what loads, saves
        assert parse_graph(text.encode(), REGISTRY).nodes.keys() == graph.nodes.keys()
        library.close()
        assert sorted(p.name for p in root.iterdir()) == ["library", "project"]
        assert not list(project.iterdir())  # checking it wrote nothing, there or elsewhere


MANIFEST_KEYS = st.sampled_from(
    ["format", "version", "members", "assets", "graph_name", "graph", "created_at"]
)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.dictionaries(MANIFEST_KEYS, values, max_size=3),
    name=st.sampled_from(["../../evil", "/tmp/abs", "\ud800", "a" * 300, "ok", "con"]),
)
def test_hostile_pack_manifests_are_refused_and_write_nothing_outside(
    made_pack: dict,  # noqa: F811
    changes: dict,
    name: str,
) -> None:
    files = members(made_pack["pack"])
    manifest = json.loads(files["manifest.json"])
    manifest["graph_name"] = name
    manifest.update(changes)
    files["manifest.json"] = as_text(manifest)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pack = root / "fuzz.ctoonpack"
        with zipfile.ZipFile(pack, "w") as zf:
            for member, data in files.items():
                zf.writestr(member, data)
        library = Library(root / "library")
        target = root / "target"
        before = outside_listing(root, target)
        try:
            summary = unpack(pack, target, library, REGISTRY)
        except PackError as exc:
            assert str(exc).startswith(str(pack))
            assert not target.exists()
        else:
            assert summary.graph_path.parent == target
        library.close()
        after = [p for p in outside_listing(root, target) if root / "library" not in p.parents]
        assert after == [p for p in before if root / "library" not in p.parents]
