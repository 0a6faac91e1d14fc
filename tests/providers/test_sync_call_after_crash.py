"""The app dies while a synchronous AIML call (chat) is on the wire. AIML cannot be asked
about it afterwards: the next run reports it once, with the estimate recorded as possibly
charged, sends nothing, and the run after that sends it — no re-roll needed, no silent
second payment."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from canvastoon_desktop.core.fileformat import save_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.simulator import FaultRule
from tests.providers.hosted_rig import (
    REGISTRY,
    canvastoon,
    cli_env,
    fast_simulator,
    start_canvastoon,
)
from tests.providers.test_resume_after_kill import journal, wait_for


def chat_graph(folder: Path) -> Path:
    folder.mkdir(parents=True)
    graph = Graph(REGISTRY)
    idea = graph.create_node("text", params={"text": "a rooftop at night"}, title="Idea")
    chat = graph.create_node("prompt_llm", params={"model": "gpt-4o"}, title="Scenario")
    graph.connect(Edge(idea.id, "text", chat.id, "text"))
    path = folder / "chat.ctoon"
    save_graph(graph, path)
    return path


def ledger(library: Path) -> list[str]:
    db = sqlite3.connect(f"file:{library / 'library.sqlite'}?mode=ro", uri=True)
    try:
        return [r[0] for r in db.execute("SELECT reason FROM charges ORDER BY id")]
    finally:
        db.close()


@pytest.mark.slow
def test_a_chat_call_cut_off_by_a_crash_is_reported_once_then_sent_again(
    tmp_path: Path,
) -> None:
    with fast_simulator() as sim:
        held = sim.faults.add(FaultRule("aiml.chat", "slow", delay_s=3.0))
        graph = chat_graph(tmp_path / "project")
        library = tmp_path / "library"
        args = ("run", str(graph), "--library", str(library), "--json", "--yes")
        env = cli_env(sim)
        first = start_canvastoon(*args, env=env, cwd=graph.parent)
        try:
            wait_for(
                lambda: (
                    journal(library).get("gpt-4o", ("", None))[0] == "creating"
                    and sim.log.count("aiml.chat") == 0
                ),
                60,
                "the chat call to be on the wire",
            )
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate(timeout=30)
        sim.faults.remove(held)

        def sent_after_the_crash() -> int:  # the held call (if logged at all) had the fault
            return sum(1 for e in sim.log.entries("aiml.chat") if e.fault is None)

        second = canvastoon(*args, env=env, cwd=graph.parent)
        assert second.returncode == 1, second.stderr
        (scenario,) = [n for n in json.loads(second.stdout)["nodes"] if n["type"] == "prompt_llm"]
        assert scenario["status"] == "failed"
        assert "recorded as possibly charged" in scenario["error"]
        assert "Re-roll" not in scenario["error"]
        assert sent_after_the_crash() == 0  # not sent again in silence
        assert [r.split(":")[0] for r in ledger(library)] == ["possibly charged"]

        third = canvastoon(*args, env=env, cwd=graph.parent)
        assert third.returncode == 0, third.stderr
        assert json.loads(third.stdout)["status"] == "done"
        assert sent_after_the_crash() == 1  # the artist ran it again: sent, once
        assert journal(library)["gpt-4o"][0] == "done"
