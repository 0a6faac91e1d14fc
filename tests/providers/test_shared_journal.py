"""One library, two processes running the same graph at once: the second waits for or
adopts the first's jobs. Every paid request is created exactly once, and neither run fails
or asks the artist to re-roll (which would pay again)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from canvastoon_desktop.core.library import JobBusy, Library
from canvastoon_desktop.simulator import Latencies, Latency
from tests.providers.hosted_rig import (
    FAST_LATENCIES,
    REGISTRY,
    cli_env,
    copy_example,
    fast_simulator,
    start_canvastoon,
)
from tests.providers.test_resume_after_kill import CREATE_ROUTES, creates, journal, wait_for
from tests.support.index_file import index_file


def hosted_calls(graph_file: Path) -> int:
    """How many paid creates one run of the graph makes: one per hosted node."""
    from canvastoon_desktop.core.fileformat import load_graph

    graph = load_graph(graph_file, REGISTRY)
    catalog = REGISTRY.catalog
    count = 0
    for node in graph.nodes.values():
        node_type = REGISTRY[node.type]
        params = node_type.effective_params(catalog, node.params)
        connected = frozenset(e.dst_port for e in graph.incoming(node.id))
        model = node_type.resolve_model(catalog, params, connected)
        count += model is not None and model.provider.value != "local"
    return count


@pytest.mark.slow
def test_two_processes_running_one_graph_create_each_paid_job_once(tmp_path: Path) -> None:
    # every hosted call takes long enough for the second process to meet it on the wire
    latencies = Latencies(per_model={m: Latency(0.3, 1.2) for m in FAST_LATENCIES})
    with fast_simulator(latencies=latencies) as sim:
        graph = copy_example(tmp_path / "project")
        library = tmp_path / "library"
        args = ("run", str(graph), "--library", str(library), "--json", "--yes")
        env = cli_env(sim)
        first = start_canvastoon(*args, env=env, cwd=graph.parent)
        try:
            wait_for(lambda: bool(journal(library)), 60, "the first run's first job")
            second = start_canvastoon(*args, env=env, cwd=graph.parent)
            out_second, err_second = second.communicate(timeout=240)
            out_first, err_first = first.communicate(timeout=240)
        finally:
            for proc in (first,):
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
        assert first.returncode == 0, err_first
        assert second.returncode == 0, err_second
        for out in (out_first, out_second):
            summary = json.loads(out)
            assert summary["status"] == "done"
            assert {n["status"] for n in summary["nodes"]} <= {"done", "cached"}
            assert not [n for n in summary["nodes"] if n["error"]]
        assert creates(sim) == hosted_calls(graph), [
            (e.route, e.model) for e in sim.log.entries() if e.route in CREATE_ROUTES
        ]
        assert {state for state, _ in journal(library).values()} == {"done"}


def test_a_second_create_of_a_request_a_live_run_has_open_is_refused(tmp_path: Path) -> None:
    first = Library(tmp_path / "library")
    second = Library(tmp_path / "library")  # another process, as the journal sees it
    row = first.journal_creating("key", "aiml", "gpt-4o", fingerprint="fp")
    with pytest.raises(JobBusy) as busy:
        second.journal_creating("key", "aiml", "gpt-4o", fingerprint="fp")
    assert busy.value.job.id == row and busy.value.job.owner == first.owner
    # a different request of the same node is not held up
    second.journal_creating("key", "aiml", "gpt-4o", fingerprint="other")
    with pytest.raises(JobBusy):  # taking it over to resume it is refused too
        second.journal_take(row)
    first.journal_release([row])  # the first run let go (cancelled, failed later): take it
    assert second.journal_take(row) is not None
    first.close()
    second.close()


def test_a_job_whose_owner_died_is_taken_over_at_once(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    library = Library(tmp_path / "library")
    row = library.journal_creating("key", "replicate", "prunaai/z-image-turbo", fingerprint="f")
    with index_file(library) as db:  # as a process that was killed would have left it
        host = library.owner.split(":")[0]
        db.execute(
            "UPDATE jobs SET owner=?, heartbeat_at=? WHERE id=?",
            (f"{host}:{dead.stdout.strip()}:cafe", time.time(), row),
        )
    other = Library(tmp_path / "library")
    taken = other.journal_take(row)
    assert taken is not None and taken.state == "creating"
    assert other.job(row).owner == other.owner
    # a silent owner on another machine is taken for dead once its lease runs out
    with index_file(library) as db:
        db.execute(
            "UPDATE jobs SET owner='elsewhere:1:beef', heartbeat_at=? WHERE id=?",
            (time.time() - 3600, row),
        )
    assert library.journal_take(row) is not None
    library.close()
    other.close()
