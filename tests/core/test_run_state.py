"""The one reducer of run events: what each event does to a node's state, shared by the
canvas and the terminal's progress lines (plain Python, no Qt)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core import events as ev
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.run_state import ITEM_STATES, RunState
from canvastoon_desktop.core.status import DisplayState, ItemStatus, NodeStatus, RunStatus

IMAGE = Asset("a" * 64, AssetKind.IMAGE, "image/png", 10, Path("/x.png"), 720, 1280)
RUN, NODE = "r1", "n1"


@dataclass(frozen=True)
class Case:
    name: str
    events: tuple[ev.RunEvent, ...]  # after RunStarted(RUN, (NODE,)), each at now=100 + index
    expect: dict[str, Any]  # NodeState fields
    items: tuple[DisplayState, ...] | None = None
    changed: frozenset[str] = field(default_factory=lambda: frozenset({NODE}))


CASES = [
    Case("run started: queued, this run's", (), {"state": "queued", "from_run": True, "cost": 0}),
    Case(
        "items: one queued per item",
        (ev.NodeItems(RUN, NODE, None, 3),),
        {"state": "queued"},
        items=(DisplayState.QUEUED,) * 3,
    ),
    Case("queued", (ev.NodeQueued(RUN, NODE, None),), {"state": "queued"}),
    Case(
        "started: the clock and the ETA start",
        (ev.NodeStarted(RUN, NODE, None, eta_s=40.0),),
        {"state": "running", "started_at": 101.0, "eta_s": 40.0, "eta_at": 101.0},
    ),
    Case(
        "a job submitted",
        (ev.JobSubmitted(RUN, NODE, None, "replicate", "job-123"),),
        {"status_text": "submitted", "job_id": "job-123"},
    ),
    Case(
        "a job resumed",
        (ev.JobSubmitted(RUN, NODE, None, "replicate", "job-123", resumed=True),),
        {"status_text": "resumed", "job_id": "job-123"},
    ),
    Case(
        "progress: the provider's word, elapsed, ETA and fraction",
        (ev.NodeProgress(RUN, NODE, None, "processing", 12.0, 30.0, 0.5),),
        {
            "state": "running",
            "status_text": "processing",
            "started_at": 89.0,
            "eta_s": 30.0,
            "fraction": 0.5,
        },
    ),
    Case(
        "done: its outputs, cost and note",
        (ev.NodeDone(RUN, NODE, None, {"image": IMAGE}, 0.05, "reported", note="trimmed"),),
        {"state": "done", "outputs": {"image": IMAGE}, "cost": 0.05, "note": "trimmed"},
    ),
    Case(
        "cached",
        (ev.NodeCached(RUN, NODE, None, {"image": IMAGE}),),
        {"state": "cached", "outputs": {"image": IMAGE}},
    ),
    Case("pinned", (ev.NodeCached(RUN, NODE, None, {}, pinned=True),), {"state": "pinned"}),
    Case(
        "failed: with its reason",
        (ev.NodeFailed(RUN, NODE, None, "provider", "model refused"),),
        {"state": "failed", "message": "model refused"},
    ),
    Case(
        "skipped: with its reason",
        (ev.NodeSkipped(RUN, NODE, None, "skipped: Cut did not finish"),),
        {"state": "skipped", "message": "skipped: Cut did not finish"},
    ),
    Case("cancelled", (ev.NodeCancelled(RUN, NODE, None),), {"state": "cancelled"}),
    Case(
        "settled: the run's verdict, the clock stops",
        (
            ev.NodeStarted(RUN, NODE, None, eta_s=40.0),
            ev.NodeSettled(RUN, NODE, None, NodeStatus.DONE, {"image": IMAGE}, 0.07),
        ),
        {
            "state": "done",
            "cost": 0.07,
            "outputs": {"image": IMAGE},
            "started_at": None,
            "eta_s": None,
            "settled_run": RUN,
        },
    ),
    Case(
        "settled failed: keeps the reason",
        (ev.NodeSettled(RUN, NODE, None, NodeStatus.FAILED, message="2 of 3 items failed"),),
        {"state": "failed", "message": "2 of 3 items failed"},
    ),
    Case(
        "an item done: counted on its item, the node goes on",
        (
            ev.NodeItems(RUN, NODE, None, 2),
            ev.NodeStarted(RUN, NODE, 0),
            ev.NodeDone(RUN, NODE, 0, {"image": IMAGE}, 0.02),
        ),
        {"state": "running", "cost": 0.02},
        items=(DisplayState.DONE, DisplayState.QUEUED),
    ),
    Case(
        "an item failed: its reason on the item and the node",
        (ev.NodeItems(RUN, NODE, None, 2), ev.NodeFailed(RUN, NODE, 1, "provider", "nsfw")),
        {"state": "queued", "message": "nsfw"},
        items=(DisplayState.QUEUED, DisplayState.FAILED),
    ),
    Case(
        "items cached, skipped and cancelled",
        (
            ev.NodeCached(RUN, NODE, 0, {}),
            ev.NodeSkipped(RUN, NODE, 1, "hole upstream"),
            ev.NodeCancelled(RUN, NODE, 2),
        ),
        {"state": "queued"},
        items=(DisplayState.CACHED, DisplayState.SKIPPED, DisplayState.CANCELLED),
    ),
    Case(
        "run finished: what never started is cancelled",
        (ev.RunFinished(RUN, RunStatus.CANCELLED, 0.0, {}, 1.0),),
        {"state": "cancelled", "started_at": None},
    ),
    Case(
        "run finished: a settled node keeps its verdict",
        (
            ev.NodeSettled(RUN, NODE, None, NodeStatus.DONE),
            ev.RunFinished(RUN, RunStatus.DONE, 0.0, {}, 1.0),
        ),
        {"state": "done"},
        changed=frozenset(),
    ),
    Case(
        "news after the node settled is stale",
        (
            ev.NodeSettled(RUN, NODE, None, NodeStatus.CANCELLED),
            ev.NodeProgress(RUN, NODE, None, "processing", 3.0),
        ),
        {"state": "cancelled", "status_text": None},
        changed=frozenset(),
    ),
    Case(
        "news of another run is ignored",
        (ev.NodeDone("another run", NODE, None, {}, 1.0),),
        {"state": "queued", "cost": 0},
        changed=frozenset(),
    ),
]


def fold(case: Case) -> tuple[RunState, set[str]]:
    state = RunState()
    changed = state.apply(ev.RunStarted(RUN, (NODE,)), now=100.0)
    for index, event in enumerate(case.events, start=1):
        changed = state.apply(event, now=100.0 + index)
    return state, changed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_what_each_event_does_to_a_node(case: Case) -> None:
    state, changed = fold(case)
    st = state.get(NODE)
    assert {name: getattr(st, name) for name in case.expect} == case.expect
    if case.items is not None:
        assert tuple(item.state for item in st.items or ()) == case.items
    assert changed == case.changed


def test_every_kind_of_event_has_a_case() -> None:
    kinds = {
        cls
        for _, cls in inspect.getmembers(ev, inspect.isclass)
        if issubclass(cls, ev.RunEvent) and cls not in (ev.RunEvent, ev.NodeEvent)
    }
    covered = {type(e) for case in CASES for e in case.events} | {ev.RunStarted}
    assert kinds - covered == set()


def test_a_settled_node_counts_its_items_made() -> None:
    case = CASES[[c.name for c in CASES].index("items cached, skipped and cancelled")]
    st = fold(case)[0].get(NODE)
    assert st.items_done() == (1, 3)  # only the cached one has a result


def test_a_node_running_shows_the_providers_fraction_or_elapsed_against_eta() -> None:
    state = RunState()
    state.apply(ev.RunStarted(RUN, (NODE,)), now=0.0)
    state.apply(ev.NodeStarted(RUN, NODE, None, eta_s=30.0), now=100.0)
    st = state.get(NODE)
    assert st.elapsed(now=110.0) == 10.0 and st.eta(now=110.0) == 20.0
    assert st.progress(now=110.0) == pytest.approx(1 / 3)
    state.apply(ev.NodeProgress(RUN, NODE, None, "generating", 12.0, None, 0.8), now=112.0)
    assert st.progress(now=112.0) == 0.8


def test_every_item_status_the_plan_can_decide_has_a_state_to_show():
    assert set(ITEM_STATES) == set(ItemStatus)
    assert ITEM_STATES[ItemStatus.LOOKUP] == DisplayState.QUEUED  # the cache decides later
