"""Polling is gentle: about one poll per interval per job, jittered, slower for long jobs."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import pytest

from canvastoon_desktop.providers.polling import PollSchedule
from canvastoon_desktop.simulator import Simulator
from tests.providers.hosted_rig import make_rig


def test_the_interval_holds_for_thirty_intervals_then_grows_to_five() -> None:
    schedule = PollSchedule(interval_s=1.0)
    early = [schedule.delay(t) for t in (0, 5, 29) for _ in range(200)]
    assert min(early) >= 0.8 and max(early) <= 1.2
    assert statistics.mean(early) == pytest.approx(1.0, abs=0.05)
    late = [schedule.delay(600) for _ in range(200)]
    assert min(late) >= 4.0 and max(late) <= 6.0
    assert schedule.delay(60) * 0.8 <= schedule.delay(120) * 1.2  # grows steadily between


def test_the_schedule_scales_with_the_interval() -> None:
    fast = PollSchedule(interval_s=0.1)
    assert 0.08 <= fast.delay(1.0) <= 0.12
    assert 0.4 <= fast.delay(60.0) <= 0.6


@pytest.mark.slow
def test_many_concurrent_jobs_poll_about_once_per_interval(sim: Simulator, tmp_path: Path) -> None:
    sim.set_latency("bytedance/seedance-1-pro-fast", queue_s=0.2, run_s=1.8)
    rig = make_rig(sim, tmp_path, poll_interval_s=0.25, limits={"replicate": 30})
    g = rig.graph()
    frame = rig.picture(g)
    for i in range(30):
        rig.node(
            g,
            "video",
            {"image": frame},
            model="bytedance/seedance-1-pro-fast",
            prompt=f"take {i}",
            duration=2,
        )
    summary, _ = rig.run(g)
    assert summary.status == "done"
    polls = Counter(e.job_id for e in sim.log.entries("replicate.predictions.get"))
    assert len(polls) == 30
    # 2 s of work at one poll per 0.25 s (±20 %) is about 8 polls, never a flood
    assert max(polls.values()) <= 12 and statistics.mean(polls.values()) <= 10
    times = sorted(e.time for e in sim.log.entries("replicate.predictions.get"))
    busiest = max(sum(1 for t in times if start <= t < start + 0.25) for start in times)
    assert busiest <= 30 * 1.5  # jitter spreads the jobs out: no lockstep bursts
    rig.close()
