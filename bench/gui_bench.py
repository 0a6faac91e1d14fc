"""The desktop editor (issue: the window), measured offscreen.

* ``gui_open_500_nodes_s`` / ``gui_open_1000_nodes_s`` / ``gui_open_5000_nodes_s``: open a
  graph file of that many connected nodes in the main window, until the canvas has painted
  (each in a fresh process, best of a few; the window itself exists already);
* ``gui_open_5k_over_1k``: how opening grows (5.0 would be exactly linear);
* ``gui_loop_p99_ms_32_jobs``: the 99th percentile of how late a 10 ms timer fires on the
  GUI thread while 32 hosted jobs run against the provider simulator, each card updating;
* ``app_start_to_window_s``: from starting the process to the main window shown, with the
  same start-up as ``canvastoon`` (Qt, qasync, the workspace with its provider adapters);
* ``gui_rss_mb_1000_nodes``: resident memory of a process with the 1000-node graph open.

Every measurement runs in a subprocess of ``python -m bench.gui_bench CHILD ...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .figures import Figure

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_API": "pyside6",
        "CANVASTOON_CONFIG_DIR": str(home / "config"),
        "CANVASTOON_LIBRARY": str(home / "library"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    for var in (
        "AIML_API_KEY",
        "REPLICATE_API_TOKEN",
        "CANVASTOON_AIML_BASE_URL",
        "REPLICATE_BASE_URL",
    ):
        env.pop(var, None)
    return env


def _child(args: list[str], home: Path, timeout: float = 600) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.gui_bench", *args],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"gui_bench {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- graphs ------------------------------------------------------------------------------------


def write_graph(path: Path, count: int) -> Path:
    """``count`` connected nodes of the usual kinds: idea → prompt → image → video chains,
    offline models (no keys), laid out on a grid."""
    from canvastoon_desktop.core.fileformat import save_graph
    from canvastoon_desktop.core.graph import Edge, Graph
    from nodes import default_registry

    graph = Graph(default_registry())
    kinds = (
        ("text", {"text": "an idol on a rooftop, neon rain"}),
        ("prompt_llm", {"model": "local/template-writer"}),
        ("image_gen", {"model": "local/storyboard-card"}),
        ("video", {"model": "local/pan-zoom"}),
    )
    links = {
        "prompt_llm": ("text", "text"),
        "image_gen": ("text", "prompt"),
        "video": ("image", "image"),
    }
    previous = None
    for i in range(count):
        kind, params = kinds[i % 4]
        node = graph.create_node(
            kind, params=params, position=((i % 40) * 320.0, (i // 40) * 300.0)
        )
        if previous is not None and kind in links:
            out_port, in_port = links[kind]
            graph.edges.append(Edge(previous, out_port, node.id, in_port))
        previous = node.id
    save_graph(graph, path)
    return path


def _window(app: Any) -> Any:
    from canvastoon_desktop.ui.main_window import MainWindow
    from canvastoon_desktop.workspace import Workspace

    window = MainWindow(Workspace.open())
    window.resize(1600, 960)
    window.show()
    app.processEvents()
    return window


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024


# -- children ----------------------------------------------------------------------------------


def child_open(path: str) -> None:
    """Open a graph file in a shown window; seconds until the canvas has painted it."""
    from canvastoon_desktop.ui.app import create_app, create_loop

    app = create_app(["gui-bench"])
    create_loop(app)
    window = _window(app)
    started = time.perf_counter()
    assert window.open_file(path, ask_unsaved=False)
    app.processEvents()  # the deferred fit, layout
    window.viewer.viewport().repaint()  # a synchronous paint of the whole canvas
    elapsed = time.perf_counter() - started
    nodes = len(window.document.graph)
    # settle: plan applied, then memory with the graph open
    deadline = time.perf_counter() + 60
    while window.runner.planning and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    window.viewer.viewport().repaint()
    print(json.dumps({"seconds": elapsed, "nodes": nodes, "rss_mb": _rss_mb()}))
    os._exit(0)  # skip teardown: the measurement is done


def child_start() -> None:
    """From interpreter start (the parent's clock) to the main window shown."""
    from canvastoon_desktop.ui.app import create_app, create_loop, open_windows
    from canvastoon_desktop.workspace import Workspace

    app = create_app(["gui-bench"])
    workspace = Workspace.open()
    create_loop(app)
    windows = open_windows(workspace, [])
    app.processEvents()
    windows[0].repaint()
    print(json.dumps({"shown_at": time.time()}), flush=True)
    os._exit(0)


def child_loop(jobs: str) -> None:
    """Loop lateness while ``jobs`` hosted jobs run against the simulator."""
    from PySide6 import QtCore

    from canvastoon_desktop.core.pricing import Budget
    from canvastoon_desktop.providers import ProviderSetup, warm_adapters
    from canvastoon_desktop.simulator import Latencies, Latency, Simulator, SimulatorConfig
    from canvastoon_desktop.ui.app import create_app, create_loop
    from canvastoon_desktop.ui.loop_probe import LoopProbe
    from canvastoon_desktop.ui.main_window import MainWindow
    from canvastoon_desktop.workspace import Workspace
    from tests.ui.test_responsiveness import many_jobs_graph

    count = int(jobs)
    latencies = Latencies(
        per_model={
            m: Latency(0.5, 3.0) for m in ("google/nano-banana-pro", "prunaai/z-image-turbo")
        }
    )
    sim = Simulator(SimulatorConfig(latencies=latencies, seed=11)).start()
    app = create_app(["gui-bench"])
    loop = create_loop(app)
    setup = ProviderSetup.simulated(sim.aiml_base_url, sim.replicate_base_url, poll_interval_s=0.25)
    workspace = Workspace.open(setup=setup, budget=Budget())
    for provider in ("aiml", "replicate"):
        workspace.executor.set_limit(provider, count)
    window = MainWindow(workspace)
    window.resize(1600, 960)
    window.show()
    warming = warm_adapters(workspace.executor.adapters)  # as ui.app.main does
    window.show_graph(many_jobs_graph(workspace.registry, count), None)
    probe = LoopProbe(10)
    result: dict[str, Any] = {}

    def start() -> None:
        warming.join()  # the app has started: the SDKs it loads meanwhile are not measured
        probe.start()
        window.run_all()

    def check() -> None:
        if window.runner.records and window.runner.active is None:
            probe.stop()
            record = window.runner.records[0]
            result.update(
                status=record.status,
                p99=probe.percentile(99),
                p50=probe.percentile(50),
                worst=probe.worst_ms,
                ticks=len(probe.lateness_ms),
            )

    QtCore.QTimer.singleShot(800, start)  # after the first plan
    watcher = QtCore.QTimer()
    watcher.timeout.connect(check)
    watcher.start(50)
    with loop:
        loop.run_until_complete(_until(lambda: bool(result), 120))
    sim.stop()
    print(json.dumps(result))
    os._exit(0)


async def _until(done: Any, timeout: float) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


# -- the suite ---------------------------------------------------------------------------------


def run() -> Iterator[Figure]:
    with tempfile.TemporaryDirectory(prefix="gui-bench-") as tmp:
        home = Path(tmp)
        sizes = (500, 1000, 5000)
        graphs = {n: write_graph(home / f"graph_{n}.ctoon", n) for n in sizes}
        # interleaved, so a machine that slows down mid-way weighs on every size alike
        measured: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
        for _ in range(RUNS):
            for count in sizes:
                measured[count].append(_child(["open", str(graphs[count])], home))
        assert all(m["nodes"] == n for n in sizes for m in measured[n])
        best = {n: min(m["seconds"] for m in measured[n]) for n in sizes}
        yield Figure("gui_open_500_nodes_s", best[500], 2.0)
        yield Figure("gui_open_1000_nodes_s", best[1000], 4.0)
        yield Figure("gui_open_5000_nodes_s", best[5000], None)
        # opening is linear when 5× the nodes takes about 5× the time
        yield Figure("gui_open_5k_over_1k", best[5000] / best[1000], 5.5)
        rss = max(m["rss_mb"] for m in measured[1000])
        loop = _child(["loop", "32"], home)
        assert loop["status"] == "done", loop
        yield Figure("gui_loop_p99_ms_32_jobs", loop["p99"], 50.0)
        starts = []
        for _ in range(RUNS):
            started = time.time()
            starts.append(_child(["start"], home)["shown_at"] - started)
        yield Figure("app_start_to_window_s", min(starts), 2.0)
        yield Figure("gui_rss_mb_1000_nodes", rss, 600.0)


if __name__ == "__main__":
    commands = {"open": child_open, "start": child_start, "loop": child_loop}
    if len(sys.argv) >= 2 and sys.argv[1] in commands:
        commands[sys.argv[1]](*sys.argv[2:])
    else:
        for figure in run():
            print(f"{figure.name}: {figure.value:.4g} (target {figure.target_text})")
