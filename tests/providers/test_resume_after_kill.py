"""A run killed mid-flight (SIGKILL: no cleanup at all) is resumed by the next ``canvastoon
run`` of the same graph and library: submitted jobs are polled, a create that was on the
wire is found again at Replicate, and nothing is paid twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from canvastoon_desktop.simulator import FaultRule, Latencies, Latency, Simulator
from tests.providers.hosted_rig import (
    FAST_LATENCIES,
    canvastoon,
    cli_env,
    copy_example,
    decode_image,
    decode_video,
    fast_simulator,
    start_canvastoon,
)

CREATE_ROUTES = ("aiml.chat", "aiml.images", "aiml.video.create", "replicate.predictions.create")
VIDEOS = ("minimax/hailuo-2.3-fast", "bytedance/seedance-1-pro-fast", "google/veo-3.1-fast")


def journal(library: Path) -> dict[str, tuple[str, str | None]]:
    """model -> (state, job id) of its newest journal row, read as another process would."""
    path = library / "library.sqlite"
    if not path.exists():
        return {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            rows = db.execute("SELECT model, state, job_id FROM jobs ORDER BY id").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    return {model: (state, job_id) for model, state, job_id in rows}


def creates(sim: Simulator) -> int:
    return sum(sim.log.count(route) for route in CREATE_ROUTES)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_run_is_resumed_without_paying_again(tmp_path: Path) -> None:
    latencies = Latencies(per_model={**FAST_LATENCIES, **{m: Latency(0.2, 4.0) for m in VIDEOS}})
    with fast_simulator(latencies=latencies) as sim:
        # Veo's create is held at the provider: the app dies while it is on the wire
        sim.faults.add(
            FaultRule(
                "replicate.predictions.create", "slow", delay_s=1.5, model="google/veo-3.1-fast"
            )
        )
        graph = copy_example(tmp_path / "project")
        library = tmp_path / "library"
        args = ("run", str(graph), "--library", str(library), "--json", "--yes")
        env = cli_env(sim)
        first = start_canvastoon(*args, env=env, cwd=graph.parent)
        try:

            def in_flight() -> bool:
                rows = journal(library)
                return (
                    all(rows.get(m, ("", None))[1] for m in VIDEOS[:2])
                    and rows.get(VIDEOS[2], ("", None))[0] == "creating"
                )

            wait_for(in_flight, 60, "the video jobs to be journaled")
            assert sim.log.count("aiml.video.create") == 1
            assert (
                sim.log.count("replicate.predictions.create", model="bytedance/seedance-1-pro-fast")
                == 1
            )
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL
        # the held create still lands at Replicate after the app is gone
        wait_for(
            lambda: sim.log.count("replicate.predictions.create", model="google/veo-3.1-fast") == 1,
            10,
            "the Veo create",
        )
        assert {j.status for j in sim.predictions.values() if j.model in VIDEOS} <= {
            "starting",
            "processing",
        }
        before = creates(sim)

        second = canvastoon(*args, env=env, cwd=graph.parent)

        assert second.returncode == 0, second.stderr
        assert creates(sim) == before, "a resumed run sent a create again"
        assert sim.log.count("replicate.predictions.list") >= 1  # Veo was looked up
        summary = json.loads(second.stdout)
        statuses = {n["id"]: n["status"] for n in summary["nodes"]}
        assert summary["status"] == "done"
        assert set(statuses.values()) <= {"done", "cached"}
        assert {statuses[n] for n in ("action", "motion", "cinematic", "export")} == {"done"}
        assert statuses["cleanup"] == statuses["main_cut"] == "cached"
        made = {
            j.id for j in [*sim.predictions.values(), *sim.video_jobs.values()] if j.model in VIDEOS
        }
        assert {job_id for state, job_id in journal(library).values()} >= made
        assert all(state == "done" for state, _ in journal(library).values())
        for node in summary["nodes"]:
            for asset in node["assets"]:
                path = Path(asset["path"])
                if asset["kind"] == "video":
                    assert decode_video(path)["duration"] > 5
                elif asset["kind"] == "image":
                    assert decode_image(path).width > 0
