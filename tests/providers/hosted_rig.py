"""A test rig for the hosted adapters: the real executor, library and adapters (real
``openai`` / ``replicate`` / ``httpx`` clients) against a loopback simulator.

Graphs are built from the real node types, so every call goes through the journal, the
budget and the library exactly as in the app.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from canvastoon_desktop.core.events import RunEvent
from canvastoon_desktop.core.executor import Executor, RunSummary
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers import ProviderSetup, build_adapters
from canvastoon_desktop.providers.retry import RetryPolicy
from canvastoon_desktop.simulator import Latencies, Latency, Simulator, SimulatorConfig
from nodes import default_registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "examples" / "kpop_short.ctoon"
REGISTRY = default_registry()

#: backoff short enough for tests; Retry-After (whole seconds in the simulator) still honoured,
#: and a rate-limited create waits 2.5 s in all before it is given up
FAST_RETRY = RetryPolicy(
    attempts=5, base_s=0.02, cap_s=0.2, max_retry_after_s=1.5, max_rate_limit_wait_s=2.5
)

#: every hosted model takes a fraction of a second
FAST_LATENCIES: dict[str, Latency] = {
    "gpt-4o": Latency(0.0, 0.05),
    "google/nano-banana-pro": Latency(0.0, 0.05),
    "google/gemini-3-pro-image-edit": Latency(0.0, 0.05),
    "prunaai/z-image-turbo": Latency(0.02, 0.05),
    "allenhooo/lama": Latency(0.02, 0.1),
    "minimax/hailuo-2.3-fast": Latency(0.05, 0.3),
    "bytedance/seedance-1-pro-fast": Latency(0.05, 0.3),
    "google/veo-3.1-fast": Latency(0.05, 0.3),
}


def fast_simulator(**config: Any) -> Simulator:
    latencies = config.pop("latencies", None) or Latencies(per_model=dict(FAST_LATENCIES))
    return Simulator(SimulatorConfig(latencies=latencies, seed=config.pop("seed", 7), **config))


def write_png(path: Path, width: int, height: int, seed: int = 0, mode: str = "RGB") -> Path:
    """A smooth, varied picture (or, with mode "L", a mask with a white box)."""
    if mode == "L":
        arr = np.zeros((height, width), np.uint8)
        arr[height // 8 : height // 4, width // 2 : width - width // 8] = 255
    else:
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        arr = (
            np.stack(
                [
                    120 + 80 * np.sin(x / 23 + seed),
                    100 + 60 * np.cos(y / 31 - seed),
                    90 + 70 * np.sin((x + y) / 47),
                ],
                axis=-1,
            )
            .clip(0, 255)
            .astype(np.uint8)
        )
    Image.fromarray(arr, mode).save(path, "PNG")
    return path


def decode_image(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        copy = im.copy()
        copy.format = im.format
        return copy


def decode_video(path: Path) -> dict[str, Any]:
    """Decode every frame: size, frame count, duration."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        rate = float(stream.average_rate)
        return {
            "width": stream.width,
            "height": stream.height,
            "frames": frames,
            "duration": frames / rate,
        }


@dataclass
class Rig:
    sim: Simulator
    root: Path
    setup: ProviderSetup
    prices: PriceTable = field(default_factory=PriceTable.load)
    limits: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.library = Library(self.root / "library")
        self.adapters = build_adapters(self.setup, self.prices)
        self.executor = Executor(
            REGISTRY,
            self.library,
            self.prices,
            adapters=self.adapters,
            limits=self.limits,
            key_problem=self.setup.key_problem(),
        )
        self.images = self.root / "images"
        self.images.mkdir(exist_ok=True)
        #: cancels the run in progress from any thread (set while :meth:`run` runs)
        self.cancel_from_thread: Callable[..., None] = lambda after_s=0.0: None

    # -- graphs ------------------------------------------------------------------------
    def graph(self) -> Graph:
        return Graph(REGISTRY)

    def picture(
        self, graph: Graph, width: int = 400, height: int = 720, seed: int = 0, mode: str = "RGB"
    ) -> str:
        path = write_png(
            self.images / f"{mode}_{width}x{height}_{seed}.png", width, height, seed, mode
        )
        return graph.create_node("load_image", params={"path": str(path)}).id

    def video(self, graph: Graph, model: str, prompt: str = "spin", **params: Any) -> str:
        """A video node of ``model`` on a fresh 9:16 first frame; returns its id."""
        frame = self.picture(graph)
        return self.node(graph, "video", {"image": frame}, model=model, prompt=prompt, **params)

    def text(self, graph: Graph, text: str) -> str:
        return graph.create_node("text", params={"text": text}).id

    def node(
        self,
        graph: Graph,
        type_id: str,
        inputs: Mapping[str, str | Iterable[str]] | None = None,
        **params: Any,
    ) -> str:
        node = graph.create_node(type_id, params=params)
        for port, sources in (inputs or {}).items():
            for src in [sources] if isinstance(sources, str) else sources:
                out = graph.nodes[src].type
                out_port = {
                    "text": "text",
                    "prompt_llm": "text",
                    "load_image": "image",
                    "image_gen": "image",
                    "inpaint": "image",
                    "video": "video",
                    "speech": "audio",
                    "music": "music",
                }[out]
                graph.connect(Edge(src, out_port, node.id, port))
        return node.id

    # -- running -----------------------------------------------------------------------
    def run(
        self,
        graph: Graph,
        *,
        cancel_when: Callable[[RunEvent], bool] | None = None,
        cancel_after_s: float | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        **kwargs: Any,
    ) -> tuple[RunSummary, list[RunEvent]]:
        """Run ``graph``; cancel it when an event matches ``cancel_when`` or after a delay;
        ``on_event`` sees each event as it comes."""
        events: list[RunEvent] = []

        async def go() -> RunSummary:
            run = self.executor.start(graph, on_event=events.append, **kwargs)
            if on_event is not None:
                run.events.connect(on_event)
            loop = asyncio.get_running_loop()

            def cancel_from_thread(after_s: float = 0.0) -> threading.Event:
                """Press Cancel from another thread; the event is set once it was pressed."""
                pressed = threading.Event()

                def press() -> None:
                    run.cancel()
                    pressed.set()

                loop.call_soon_threadsafe(loop.call_later, after_s, press)
                return pressed

            self.cancel_from_thread = cancel_from_thread
            if cancel_after_s is not None:
                asyncio.get_running_loop().call_later(cancel_after_s, run.cancel)
            if cancel_when is not None:

                def watch(event: RunEvent) -> None:
                    if not run.cancelled and cancel_when(event):
                        run.cancel()

                run.events.connect(watch)
            return await run.wait()

        return asyncio.run(go()), events

    def close(self) -> None:
        self.library.close()

    # -- the library, as a test sees it --------------------------------------------------
    def jobs(self) -> list[dict[str, Any]]:
        return [
            {"state": j.state, "job_id": j.job_id, "model": j.model, "info": j.info}
            for j in self.library.jobs()
        ]

    def charges(self) -> list[tuple[float, str]]:
        return [(float(c["usd"]), str(c["reason"])) for c in self.library.charges()]


def make_rig(sim: Simulator, root: Path, **setup: Any) -> Rig:
    limits = setup.pop("limits", {})
    options = {"poll_interval_s": 0.05, "retry": FAST_RETRY, **setup}
    keys = options.pop("keys", None)
    config = ProviderSetup.simulated(sim.aiml_base_url, sim.replicate_base_url, **options)
    if keys is not None:
        config.key_overrides = dict(keys)
    return Rig(sim, root, config, limits=limits)


# -- the CLI as a subprocess -------------------------------------------------------------------
def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, dest / EXAMPLE.name)
    shutil.copytree(EXAMPLE.parent / "masks", dest / "masks", dirs_exist_ok=True)
    return dest / EXAMPLE.name


def cli_env(sim: Simulator, **extra: str) -> dict[str, str]:
    env = {**os.environ, **sim.env(), "PYTHONUNBUFFERED": "1", **extra}
    env.pop("CANVASTOON_DEBUG", None)
    return env


def canvastoon(
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "canvastoon_desktop", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_canvastoon(*args: str, env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "canvastoon_desktop", *args],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def dump_library(library_dir: Path) -> str:
    """Every table of library.sqlite as text (blobs decoded as far as they go)."""
    db = sqlite3.connect(library_dir / "library.sqlite")
    try:
        out = io.StringIO()
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            out.write(f"## {table}\n")
            for row in db.execute(f"SELECT * FROM {table}"):
                cells = [
                    c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in row
                ]
                out.write(json.dumps(cells) + "\n")
        return out.getvalue()
    finally:
        db.close()


# -- one adapter call without the executor -----------------------------------------------------
@dataclass
class RecordingJob:
    """A JobControl over a real library that records what the adapter journaled."""

    library: Library
    previous: Any = None
    run_id: str = "test-run"
    cache_key: str = "test-key"
    journal: list[tuple[str, Any]] = field(default_factory=list)
    statuses: list[tuple[str, bool]] = field(default_factory=list)
    charged: list[tuple[float | None, str]] = field(default_factory=list)

    async def creating(self, info: Mapping[str, Any] | None = None) -> None:
        self.journal.append(("creating", dict(info or {})))

    async def submitted(self, job_id: str, info: Mapping[str, Any] | None = None) -> None:
        self.journal.append(("submitted", job_id))

    def progress(self, status: str, fraction: float | None = None, *, running: bool = True) -> None:
        self.statuses.append((status, running))

    async def store_bytes(self, data: bytes, kind: Any, mime: str, **meta: Any) -> Any:
        return await asyncio.to_thread(lambda: self.library.put_bytes(data, kind, mime, **meta))

    async def store_file(self, path: Path, kind: Any, mime: str, **meta: Any) -> Any:
        return await asyncio.to_thread(
            lambda: self.library.put_file(path, kind, mime, move=True, **meta)
        )

    def temp_path(self, suffix: str = "") -> Path:
        return self.library.temp_path(suffix)

    async def charge(self, usd: float | None, reason: str) -> None:
        self.charged.append((usd, reason))

    async def possibly_charged(self, usd: float, what: str) -> None:
        self.charged.append((usd, f"possibly charged: {what} (estimated)"))
