"""Episodes through the provider simulator: the hosted K-pop episode (8 shots, characters,
cleanup, videos routed by role, the assembled cut) run by the real executor and adapters —
real ``openai`` / ``replicate`` / ``httpx`` clients — against a loopback simulator with
short latencies (``tests/providers/hosted_rig.py`` wires it).

One first run is shared by the folder (it takes seconds, most of them assembling the
episode); tests that change things work on a copy of its graph and count what the
simulator saw from their own start.
"""

from __future__ import annotations

import base64
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.events import RunEvent
from canvastoon_desktop.core.executor import RunSummary
from canvastoon_desktop.core.fileformat import load_graph
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.resources import examples_dir
from canvastoon_desktop.simulator import LogEntry, Simulator
from canvastoon_desktop.simulator import middleware as sim_middleware
from tests.providers.hosted_rig import REGISTRY, Rig, fast_simulator, make_rig

EXAMPLE = "kpop_episode.ctoon"

#: the routes on which a model call is created (what costs money at a real provider)
CREATE_ROUTES = ("aiml.chat", "aiml.images", "aiml.video.create", "replicate.predictions.create")


def copy_episode(dest: Path) -> Path:
    """The bundled episode with its ``characters/`` and ``masks/`` folders, in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(examples_dir() / EXAMPLE, dest / EXAMPLE)
    for folder in ("characters", "masks"):
        shutil.copytree(examples_dir() / folder, dest / folder, dirs_exist_ok=True)
    return dest / EXAMPLE


def creates(entries: Iterable[LogEntry]) -> Counter[tuple[str, str | None]]:
    """(route, model) → how many model calls were created among these requests."""
    return Counter((e.route, e.model) for e in entries if e.route in CREATE_ROUTES)


def requests_since(sim: Simulator, since: int) -> list[LogEntry]:
    return list(sim.log)[since:]


def data_uri_bytes(uri: str) -> bytes:
    assert uri.startswith("data:") and ";base64," in uri, uri[:80]
    return base64.b64decode(uri.split(",", 1)[1])


@pytest.fixture
def whole_request_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator's log keeps request bodies whole (it shortens long strings — data URIs
    — by default), so a test can decode the files a client sent."""
    monkeypatch.setattr(sim_middleware, "shorten", lambda value: value)


@dataclass
class EpisodeRun:
    sim: Simulator
    rig: Rig
    path: Path
    graph: Graph
    summary: RunSummary
    events: list[RunEvent]
    #: the request log as it stood after the first run (bodies whole)
    log: list[LogEntry]
    shots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def library(self):
        return self.rig.library

    def outputs(self, node: str, port: str) -> Any:
        return self.summary.nodes[node].outputs[port]


@pytest.fixture(scope="package")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EpisodeRun]:
    root = tmp_path_factory.mktemp("episode")
    path = copy_episode(root / "project")
    with fast_simulator() as sim:
        rig = make_rig(sim, root)
        graph = load_graph(path, REGISTRY)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sim_middleware, "shorten", lambda value: value)
            summary, events = rig.run(graph, graph_path=path)
        shots = summary.nodes["shots"].outputs["shots"]
        run = EpisodeRun(
            sim,
            rig,
            path,
            graph,
            summary,
            events,
            list(sim.log),
            [rig.library.read_json(a) for a in shots.items],
        )
        yield run
        rig.close()
