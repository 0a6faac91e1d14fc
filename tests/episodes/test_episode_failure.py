"""One shot's work failing at the provider stays with that shot: the other seven finish, the
items downstream of the failed one are skipped, the Assemble Short (a list with a hole) is
skipped with a reason, and ``canvastoon run`` reports the run failed with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.simulator import FaultRule
from tests.episodes.conftest import copy_episode, creates
from tests.providers.hosted_rig import canvastoon, cli_env, fast_simulator

# a whole episode run (package fixture) behind every test here: end to end
pytestmark = pytest.mark.slow


def test_one_failed_cleanup_leaves_the_other_shots_done(tmp_path: Path) -> None:
    project = copy_episode(tmp_path / "project")
    library_dir = tmp_path / "library"
    with fast_simulator() as sim:
        # the first cleanup created at Replicate crashes while running (and only that one)
        sim.faults.add(
            FaultRule("replicate.predictions.create", "fail", model="allenhooo/lama", times=1)
        )
        result = canvastoon(
            "run",
            str(project),
            "--json",
            "--yes",
            "--budget",
            "50",
            "--library",
            str(library_dir),
            env=cli_env(sim),
            cwd=project.parent,
        )
        seen = creates(sim.log)
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    nodes = {n["id"]: n for n in summary["nodes"]}
    assert nodes["cuts"]["status"] == "done" and len(nodes["cuts"]["assets"]) == 8
    cleanup = nodes["cleanup"]
    assert cleanup["status"] == "failed" and len(cleanup["assets"]) == 7
    assert cleanup["error"] == (
        "1 of 8 items did not finish: the model failed at Replicate: "
        "Simulated failure: CUDA error: out of memory (the model "
        "crashed while running)"
    )
    clips = nodes["clips"]
    assert clips["status"] == "failed" and len(clips["assets"]) == 7
    assert clips["error"] == "1 of 8 items did not finish: its upstream item failed"
    assert nodes["episode"]["status"] == "skipped"
    assert nodes["episode"]["error"] == "skipped: some items upstream failed"
    assert nodes["export"]["status"] == "skipped"
    # nothing was asked twice: 8 cleanups created (one failed), 7 videos for the 7 others
    assert seen[("replicate.predictions.create", "allenhooo/lama")] == 8
    assert (
        sum(
            n
            for (_route, model), n in seen.items()
            if model
            in ("minimax/hailuo-2.3-fast", "bytedance/seedance-1-pro-fast", "google/veo-3.1-fast")
        )
        == 7
    )

    # the library says which shot failed: the same one is missing downstream, the rest is there
    library = Library(library_dir)
    try:

        def shots_of(node: str) -> set[int]:
            rows = lq.query_assets(library, lq.parse_filters([f"node={node}"]))
            return {r.shot for r in rows if r.shot is not None}

        assert shots_of("cuts") == set(range(1, 9))
        cleaned = shots_of("cleanup")
        assert len(cleaned) == 7
        assert shots_of("clips") == cleaned
        failed = (set(range(1, 9)) - cleaned).pop()
        assert lq.query_assets(library, lq.parse_filters(["node=clips", f"shot={failed}"])) == []
    finally:
        lq.close_reader(library)
        library.close()
