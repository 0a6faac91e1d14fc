"""Hosted adapters against the provider simulator (issue: hosted providers).

``simulated_kpop_wall_over_critical_path``: the K-pop example (3 chats, an image, a preview,
LaMa, three videos, an export) with fixed per-model latencies; its wall time over the sum of
the latencies along its critical path (chat → chat → image → LaMa → the slowest video).
Polls run every 0.1 s here: the simulated jobs are some 30× shorter than real ones, and the
poll interval scales with them (1 s by default against minute-long videos).

``adapter_overhead_ms``: one hosted call at a time, every hosted model; the wall time of
``generate`` beyond the simulator's latency and beyond the wait between a job ending and the
poll that sees it (that wait is the poll interval's, by design). What remains is ours:
building the request, the clients, the create and poll round trips, the download, sniffing
and decoding the file, storing it. The per-model medians are reported too, for reading.

``cli_simulate_kpop_s``: ``canvastoon run kpop_short.ctoon --simulate --json --yes`` in a
fresh process, start to exit (the simulator's own default latencies; a test once held it).

``simulator_soak_200_creates_s``: 200 Replicate creates at once, then 50 of them polled
together every 0.2 s until they succeed (0.5 s queued, 1 s running).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from canvastoon_desktop.cli.commands import load
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers import ProviderSetup, build_adapters
from canvastoon_desktop.simulator import Latencies, Latency, Simulator, SimulatorConfig
from nodes import default_registry
from tests.providers.hosted_rig import EXAMPLE, RecordingJob, copy_example, write_png
from tests.simulator.simhelpers import soak

from .figures import Figure

KPOP_LATENCIES = {
    "gpt-4o": Latency(0.0, 0.5),
    "google/nano-banana-pro": Latency(0.0, 1.0),
    "google/gemini-3-pro-image-edit": Latency(0.0, 1.0),
    "prunaai/z-image-turbo": Latency(0.1, 0.4),
    "allenhooo/lama": Latency(0.1, 0.4),
    "minimax/hailuo-2.3-fast": Latency(0.5, 2.5),
    "bytedance/seedance-1-pro-fast": Latency(0.5, 2.5),
    "google/veo-3.1-fast": Latency(0.5, 2.5),
}
CRITICAL_PATH = (
    "gpt-4o",
    "gpt-4o",
    "google/nano-banana-pro",
    "allenhooo/lama",
    "minimax/hailuo-2.3-fast",
)
OVERHEAD_LATENCY = Latency(0.0, 0.2)
OVERHEAD_POLL_S = 0.1
CALLS_PER_MODEL = 6


def _kpop_wall(sim: Simulator, root: Path) -> float:
    graph_path = copy_example(root / "project")
    setup = ProviderSetup.simulated(sim.aiml_base_url, sim.replicate_base_url, poll_interval_s=0.1)
    prices = PriceTable.load()
    library = Library(root / "library")
    executor = Executor(default_registry(), library, prices, adapters=build_adapters(setup, prices))
    graph = load(str(graph_path))

    async def go() -> float:
        started = time.perf_counter()
        summary = await executor.run(graph, graph_path=graph_path)
        assert summary.status == "done", {k: v.error for k, v in summary.nodes.items()}
        return time.perf_counter() - started

    try:
        return asyncio.run(go())
    finally:
        library.close()


def kpop_ratio() -> float:
    latencies = Latencies(per_model=dict(KPOP_LATENCIES))
    critical = sum(KPOP_LATENCIES[m].total_s for m in CRITICAL_PATH)
    with Simulator(SimulatorConfig(latencies=latencies)) as sim:
        walls = []
        for _ in range(4):  # the first warms imports and the simulator's renders
            with tempfile.TemporaryDirectory() as tmp:
                walls.append(_kpop_wall(sim, Path(tmp)))
        return min(walls[1:]) / critical


def _calls(library: Library, root: Path) -> list[ModelCall]:
    catalog = default_catalog()

    def image(name: str, width: int, height: int, mode: str = "RGB") -> Asset:
        path = write_png(root / f"{name}.png", width, height, seed=len(name), mode=mode)
        return library.put_file(path, AssetKind.IMAGE, "image/png", width=width, height=height)

    frame, last = image("frame", 400, 720), image("last", 400, 720)
    mask = image("mask", 400, 720, mode="L")

    def call(model: str, prompt: str = "a rooftop at night", **files: tuple[Asset, ...]):
        spec = catalog[model]
        return ModelCall(spec, spec.call_params({}), prompt=prompt, files=files)

    return [
        call("gpt-4o"),
        call("google/nano-banana-pro"),
        call("google/gemini-3-pro-image-edit", references=(frame, last)),
        call("prunaai/z-image-turbo"),
        call("allenhooo/lama", "", image=(frame,), mask=(mask,)),
        call("minimax/hailuo-2.3-fast", image=(frame,)),
        call("bytedance/seedance-1-pro-fast", image=(frame,)),
        call("google/veo-3.1-fast", image=(frame,), last_frame=(last,)),
    ]


def _poll_wait(sim: Simulator, job_ids: set[str]) -> float:
    """Seconds between the job ending at the provider and the poll that saw it end."""
    jobs = {**sim.predictions, **sim.video_jobs}
    for job_id in job_ids:
        job = jobs.get(job_id)
        if job is None:
            continue
        polls = [
            e.time
            for e in sim.log.entries(job_id=job_id)
            if e.route in ("replicate.predictions.get", "aiml.video.poll")
        ]
        seen = [t for t in polls if t >= job.end]
        return max(0.0, seen[0] - job.end) if seen else 0.0
    return 0.0


def adapter_overhead() -> tuple[float, dict[str, float]]:
    latencies = Latencies(per_model={}, default=OVERHEAD_LATENCY)
    with (
        Simulator(SimulatorConfig(latencies=latencies)) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        root = Path(tmp)
        setup = ProviderSetup.simulated(
            sim.aiml_base_url, sim.replicate_base_url, poll_interval_s=OVERHEAD_POLL_S
        )
        adapters = build_adapters(setup, PriceTable.load())
        library = Library(root / "library")
        calls = _calls(library, root)
        overheads: dict[str, list[float]] = {c.model.id: [] for c in calls}

        async def measure() -> None:
            for round_ in range(CALLS_PER_MODEL + 1):  # round 0 warms clients and renders
                for call in calls:
                    adapter = adapters[call.model.provider.value]
                    before = {e.job_id for e in sim.log if e.job_id}
                    started = time.perf_counter()
                    await adapter.generate(call, RecordingJob(library))
                    wall = time.perf_counter() - started
                    made = {e.job_id for e in sim.log if e.job_id} - before
                    wait = _poll_wait(sim, {j for j in made if j})
                    if round_:
                        overheads[call.model.id].append(wall - OVERHEAD_LATENCY.total_s - wait)

        asyncio.run(measure())
        library.close()
    flat = [v for values in overheads.values() for v in values]
    per_model = {m: statistics.median(v) * 1000 for m, v in overheads.items()}
    return statistics.median(flat) * 1000, per_model


def cli_simulate_kpop_s() -> float:
    env = dict(os.environ)
    for name in ("AIML_API_KEY", "REPLICATE_API_TOKEN", "CANVASTOON_AIML_BASE_URL"):
        env.pop(name, None)
    env.pop("REPLICATE_BASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        graph = copy_example(Path(tmp) / "project")
        command = [sys.executable, "-m", "canvastoon_desktop", "run", str(graph)]
        command += ["--simulate", "--json", "--yes", "--library", str(Path(tmp) / "library")]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=graph.parent, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return time.perf_counter() - started


def simulator_soak_s() -> float:
    with Simulator(SimulatorConfig(latencies=Latencies.short())) as sim:
        sim.set_latency("prunaai/z-image-turbo", queue_s=0.5, run_s=1.0)
        started = time.perf_counter()
        statuses = asyncio.run(soak(sim, creates=200, concurrent_polls=50))
        assert statuses == ["succeeded"] * 50
        return time.perf_counter() - started


def run() -> Iterator[Figure]:
    assert EXAMPLE.exists()
    yield Figure("simulated_kpop_wall_over_critical_path", kpop_ratio(), 1.15)
    overhead, per_model = adapter_overhead()
    yield Figure("adapter_overhead_ms", overhead, 20.0)
    for model, value in per_model.items():  # for reading; the target is the median's
        yield Figure(f"adapter_overhead_ms.{model.split('/')[-1]}", value, 100.0)
    yield Figure("cli_simulate_kpop_s", cli_simulate_kpop_s(), 20.0)
    yield Figure("simulator_soak_200_creates_s", simulator_soak_s(), 15.0)
