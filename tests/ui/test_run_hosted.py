"""The hosted example against the in-process provider simulator (real clients, no keys):
cancelling mid-run cancels the provider jobs too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.providers import ProviderSetup
from canvastoon_desktop.simulator import Latencies, Simulator, SimulatorConfig
from tests.ui.uihelpers import copy_example, make_workspace, wait_plan, wait_run

pytest.importorskip("canvastoon_desktop.providers.replicate")

VIDEOS = ("minimax/hailuo-2.3-fast", "bytedance/seedance-1-pro-fast", "google/veo-3.1-fast")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    latencies = Latencies.short().scaled(0.5)
    for model in VIDEOS:
        # far longer than the test: a video still runs at the provider when Cancel is
        # pressed, however slow the machine
        latencies.set(model, queue_s=0.2, run_s=600.0)
    with Simulator(SimulatorConfig(latencies=latencies, seed=3)) as simulator:
        yield simulator


@pytest.fixture
def hosted_window(make_window: Any, sim: Simulator, tmp_path: Path) -> Any:
    setup = ProviderSetup.simulated(sim.aiml_base_url, sim.replicate_base_url, poll_interval_s=0.1)
    return make_window(make_workspace(tmp_path / "hosted", setup=setup))


@pytest.mark.slow
def test_cancel_mid_run_cancels_at_the_provider(
    qtbot: Any, hosted_window: Any, sim: Simulator, tmp_path: Path
) -> None:
    window = hosted_window
    path = copy_example("kpop_short.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.workspace.executor.budget = type(window.workspace.executor.budget)()  # no limits
    window.run_all()

    def videos_running() -> bool:
        jobs = [j for j in sim.running_jobs() if j.provider == "replicate"]
        return any(j.model in VIDEOS for j in jobs)

    qtbot.waitUntil(videos_running, timeout=30_000)
    graph = window.document.graph
    video_nodes = [n for n in graph.nodes if graph.nodes[n].type == "video"]
    qtbot.waitUntil(
        lambda: any(window.states.get(n).state == "running" for n in video_nodes), timeout=10_000
    )
    # a running card shows elapsed time and its provider status
    running = next(n for n in video_nodes if window.states.get(n).state == "running")
    assert window.states.get(running).elapsed() is not None

    window.actions_by_name["cancel"].trigger()
    record = wait_run(qtbot, window, timeout=30_000)
    assert record.status == "cancelled"
    for node_id in video_nodes:
        assert window.states.get(node_id).state in ("cancelled", "done"), node_id
    assert any(window.states.get(n).state == "cancelled" for n in video_nodes)
    assert sim.log.count(route="replicate.predictions.cancel") > 0
    qtbot.waitUntil(
        lambda: not [j for j in sim.running_jobs() if j.provider == "replicate"], timeout=10_000
    )
