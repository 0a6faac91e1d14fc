"""``canvastoon run``'s progress lines: one per node, a view of the core's run state."""

from __future__ import annotations

import io

from rich.console import Console

from canvastoon_desktop.cli.progress import RunProgress
from canvastoon_desktop.core import events as ev
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.plan import Plan
from canvastoon_desktop.core.pricing import Quote
from canvastoon_desktop.core.status import NodeStatus
from tests.support.fakes import fake_registry

RUN = "r1"
TITLES = ("Cut", "Shots", "Later")


def _display() -> tuple[RunProgress, Console, str, str, str]:
    graph = Graph(fake_registry())
    cut = graph.create_node("test.step", params={"text": "a"}, title="Cut")
    shots = graph.create_node("test.step", params={"text": "b"}, title="Shots")
    later = graph.create_node("test.step", params={"text": "c"}, title="Later")
    console = Console(file=io.StringIO(), width=140, color_system=None)
    order = [cut.id, shots.id, later.id]
    return RunProgress(graph, Plan(order, {}, Quote()), console), console, *order  # type: ignore[return-value]


def _line(display: RunProgress, node_id: str) -> str:
    return str(display.progress.tasks[display.tasks[node_id]].fields["status"])


def test_each_node_says_what_it_is_doing_then_how_it_ended() -> None:
    display, console, cut, shots, later = _display()
    with display:
        display.handle(ev.RunStarted(RUN, (cut, shots, later)))
        assert _line(display, cut) == "waiting"  # not queued by the executor yet
        display.handle(ev.NodeQueued(RUN, cut, None))
        assert _line(display, cut) == "queued"
        display.handle(ev.NodeStarted(RUN, cut, None, eta_s=20.0))
        assert _line(display, cut) == "running"
        display.handle(ev.JobSubmitted(RUN, cut, None, "replicate", "abcdefghijklmnop"))
        assert _line(display, cut) == "submitted abcdefghij"
        display.handle(ev.NodeProgress(RUN, cut, None, "processing", 3.0, 17.0, 0.25))
        assert _line(display, cut) == "processing · ETA 17s"
        assert display.progress.tasks[display.tasks[cut]].completed == 0.25
        display.handle(ev.NodeDone(RUN, cut, None, {}, 0.05))
        assert _line(display, cut) == "done"
        display.handle(ev.NodeSettled(RUN, cut, None, NodeStatus.DONE, {}, 0.05))

        display.handle(ev.NodeItems(RUN, shots, None, 3))
        assert _line(display, shots) == "0/3 items"
        display.handle(ev.NodeQueued(RUN, shots, 0))
        display.handle(ev.NodeDone(RUN, shots, 0, {}, 0.01))
        display.handle(ev.NodeFailed(RUN, shots, 1, "provider", "nsfw"))
        assert _line(display, shots) == "2/3 items"
        display.handle(ev.NodeCancelled(RUN, shots, 2))
        display.handle(
            ev.NodeSettled(RUN, shots, None, NodeStatus.FAILED, {}, 0.01, "1 of 3 items: nsfw")
        )
        display.handle(ev.NodeSkipped(RUN, later, None, "skipped: Shots did not finish"))
        assert _line(display, later) == "skipped: Shots did not finish"
        display.handle(ev.NodeSettled(RUN, later, None, NodeStatus.SKIPPED))
        display.handle(ev.RunFinished(RUN, "failed", 0.06, {}, 1.0))
    assert _line(display, cut) == "[green]done[/]"
    assert _line(display, shots) == "[red]failed: 1 of 3 items: nsfw[/]"
    assert _line(display, later) == "[yellow]skipped[/]"
    out = console.file.getvalue()  # type: ignore[attr-defined]
    lines = {name: next(line for line in out.splitlines() if name in line) for name in TITLES}
    assert "done" in lines["Cut"] and "$0.05" in lines["Cut"]
    assert "failed: 1 of 3 items: nsfw" in lines["Shots"] and "$0.01" in lines["Shots"]
    assert "skipped" in lines["Later"]


def test_a_node_of_another_graph_or_run_changes_no_line() -> None:
    display, _console, cut, _shots, _later = _display()
    display.handle(ev.RunStarted(RUN, (cut,)))
    display.handle(ev.NodeQueued("an older run", cut, None))
    display.handle(ev.NodeQueued(RUN, "not in this plan", None))
    assert _line(display, cut) == "waiting"
