"""A fault soak: 200 hosted node runs while about one request in five misbehaves.

Every node ends done or failed with a clear reason; no request is paid for twice; no output
the provider made for us is lost without its node saying so; and after a run is cancelled,
nothing is left running at the provider.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.simulator import FaultRule, Latencies, Latency, Simulator
from tests.providers.hosted_rig import FAST_LATENCIES, Rig, fast_simulator, make_rig

CREATE_ROUTES = ("aiml.chat", "aiml.images", "aiml.video.create", "replicate.predictions.create")
#: how each mix of nodes is made: (count, model)
MIX = [
    (36, "gpt-4o"),
    (28, "google/nano-banana-pro"),
    (16, "google/gemini-3-pro-image-edit"),
    (32, "prunaai/z-image-turbo"),
    (24, "allenhooo/lama"),
    (22, "minimax/hailuo-2.3-fast"),
    (22, "bytedance/seedance-1-pro-fast"),
    (20, "google/veo-3.1-fast"),
]
#: words a failure must use when the provider made something we could not deliver
LOSS_WORDS = (
    "may have been charged",
    "expired",
    "could not be read",
    "not delivered",
    "next run",
    "could not be decoded",
)


def faults() -> list[FaultRule]:
    """About 20 % of requests on every route misbehave, in every way the simulator knows."""
    rules = []
    for route, kinds in {
        "aiml.chat": ["429", "500", "drop", "drop_after_create", "malformed", "slow"],
        "aiml.images": ["429", "503", "drop", "drop_after_create", "fail", "expired"],
        "aiml.video.create": ["429", "500", "drop", "drop_after_create", "fail", "malformed"],
        "aiml.video.poll": ["429", "503", "drop", "malformed", "slow", "expired"],
        "replicate.predictions.create": [
            "429",
            "500",
            "503",
            "drop",
            "drop_after_create",
            "fail",
            "malformed",
            "cancel",
        ],
        "replicate.predictions.get": ["429", "500", "503", "drop", "malformed", "slow"],
        "replicate.predictions.list": ["500", "drop"],
        "replicate.files.create": ["503"],
        "output": ["500", "drop", "expired"],
    }.items():
        for kind in kinds:
            rule = FaultRule(
                route,
                kind,
                rate=0.2 / len(kinds),
                retry_after=1 if kind == "429" and route.endswith("get") else None,
                delay_s=0.2 if kind == "slow" else None,
            )
            rules.append(rule)
    return rules


def soak_graph(rig: Rig) -> tuple[Graph, dict[str, str]]:
    """200 hosted nodes, each asking for something unique. Returns node -> model."""
    g = rig.graph()
    frame, last = rig.picture(g, 400, 720, seed=1), rig.picture(g, 400, 720, seed=2)
    mask = rig.picture(g, 160, 288, mode="L")
    idea = rig.text(g, "a rookie idol rehearses on a rooftop")
    nodes: dict[str, str] = {}
    n = 0
    for count, model in MIX:
        for _ in range(count):
            n += 1
            prompt = f"shot {n}: {model} in the rain"
            if model == "gpt-4o":
                node = rig.node(
                    g, "prompt_llm", {"text": idea}, model=model, instructions=prompt, max_tokens=60
                )
            elif model == "google/gemini-3-pro-image-edit":
                node = rig.node(g, "image_gen", {"references": [frame]}, prompt=prompt)
            elif model == "allenhooo/lama":
                image = rig.picture(g, 160, 288, seed=n)  # a different picture each time
                node = rig.node(g, "inpaint", {"image": image, "mask": mask}, model=model)
            elif model.startswith(("minimax", "bytedance", "google/veo")):
                inputs = (
                    {"image": frame, "last_frame": last} if "veo" in model else {"image": frame}
                )
                duration = {"minimax/hailuo-2.3-fast": 6, "bytedance/seedance-1-pro-fast": 2}.get(
                    model, 8
                )
                node = rig.node(g, "video", inputs, model=model, prompt=prompt, duration=duration)
            else:
                node = rig.node(g, "image_gen", model=model, prompt=prompt)
            nodes[node] = model
    assert len(nodes) == 200
    return g, nodes


def fingerprint(body: object) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def processed_creates(sim: Simulator) -> Counter[str]:
    """Creates the provider acted on, per request (the full input where the log shortened
    data URIs: LaMa requests differ only in their pictures)."""
    counts: Counter[str] = Counter()
    predictions = sim.predictions
    for route in CREATE_ROUTES:
        for e in sim.log.entries(route):
            if e.fault == "drop_after_create" or (e.status is not None and e.status < 300):
                job = predictions.get(e.job_id or "")
                counts[fingerprint(job.input if job is not None else e.body)] += 1
    return counts


def says_lost(error: str | None) -> bool:
    return any(word in (error or "") for word in LOSS_WORDS)


def undelivered(sim: Simulator, rig: Rig) -> list:
    """Jobs that succeeded at the provider whose outputs are not in the library (and that
    are not still journaled for the next run to collect)."""
    still_open = {j.job_id for j in rig.library.jobs(state="submitted")}
    missing = []
    for job in [*sim.predictions.values(), *sim.video_jobs.values()]:
        if job.status != "succeeded" or not job.outputs or job.id in still_open:
            continue
        shas = [hashlib.sha256(o.data).hexdigest() for o in job.outputs]
        if not all(rig.library.asset(sha) is not None for sha in shas):
            missing.append(job)
    return missing


def journal_nodes(rig: Rig) -> dict[str, str]:
    return {job.job_id: job.node_id for job in rig.library.jobs() if job.job_id is not None}


def prompt_node(job: object, nodes: dict[str, str], g: Graph) -> str | None:
    prompt = str(job.input.get("prompt") or "")  # type: ignore[attr-defined]
    return next((n for n in nodes if g.nodes[n].params.get("prompt") == prompt and prompt), None)


@pytest.mark.slow
def test_two_hundred_hosted_runs_under_faults(tmp_path: Path) -> None:
    latencies = Latencies(per_model=dict(FAST_LATENCIES))
    with fast_simulator(latencies=latencies, seed=2024) as sim:
        rig = make_rig(sim, tmp_path, limits={"aiml": 12, "replicate": 12})
        g, nodes = soak_graph(rig)
        rules = faults()
        sim.faults.extend(rules)
        summary, _ = rig.run(g)
        sim.faults.clear()
        fired = Counter(r.kind for r in rules for _ in range(r.fired))
        # the soak really exercised faults: which requests draw one depends on the order
        # they arrive in (about 90 of them fire), so the floor is well below that
        assert len(fired) >= 9 and sum(fired.values()) >= 50, fired

        # every node ends done or failed, with a reason an artist can read
        outcomes = {node: summary.nodes[node] for node in nodes}
        assert Counter(o.status for o in outcomes.values()).keys() <= {"done", "failed"}
        for outcome in outcomes.values():
            if outcome.status == "failed":
                assert outcome.error_kind not in ("internal", None), outcome
                assert outcome.error and "Traceback" not in outcome.error
        done = sum(o.status == "done" for o in outcomes.values())
        assert done >= 120, Counter(o.error_kind for o in outcomes.values())

        # nothing was paid for twice
        duplicates = {k: c for k, c in processed_creates(sim).items() if c > 1}
        assert duplicates == {}

        # every job the provider finished for us reached the library, or its node says why
        lost = undelivered(sim, rig)
        by_node = journal_nodes(rig)
        claimed: set[str] = set()
        for job in lost:
            node = by_node.get(job.id) or prompt_node(job, nodes, g)
            if node is None:  # an unknown outcome: no id was ever learned; match by model
                node = next(
                    (
                        n
                        for n, o in outcomes.items()
                        if n not in claimed and nodes[n] == job.model and says_lost(o.error)
                    ),
                    None,
                )
            assert node is not None, f"{job.model} {job.id} finished but was never delivered"
            claimed.add(node)
            assert outcomes[node].status == "failed" and says_lost(outcomes[node].error), (
                job.model,
                outcomes[node],
            )
        rig.close()


@pytest.mark.slow
def test_cancelling_mid_run_leaves_nothing_running_at_the_providers(tmp_path: Path) -> None:
    videos = {
        m: Latency(0.1, 20.0)
        for m in ("bytedance/seedance-1-pro-fast", "google/veo-3.1-fast", "minimax/hailuo-2.3-fast")
    }
    with fast_simulator(latencies=Latencies(per_model={**FAST_LATENCIES, **videos})) as sim:
        sim.faults.extend(
            [
                FaultRule("replicate.predictions.create", "slow", rate=0.3, delay_s=0.3),
                FaultRule("replicate.predictions.get", "503", rate=0.2),
            ]
        )
        rig = make_rig(sim, tmp_path, limits={"aiml": 20, "replicate": 20})
        g = rig.graph()
        frame = rig.picture(g)
        for i in range(16):
            model = [
                "bytedance/seedance-1-pro-fast",
                "google/veo-3.1-fast",
                "minimax/hailuo-2.3-fast",
                "bytedance/seedance-1-pro-fast",
            ][i % 4]
            rig.node(
                g,
                "video",
                {"image": frame},
                model=model,
                prompt=f"take {i}",
                duration=6 if "hailuo" in model else 8 if "veo" in model else 2,
            )
        submitted: list[str] = []

        def enough(event: object) -> bool:
            if type(event).__name__ == "JobSubmitted":
                submitted.append(event.job_id)  # type: ignore[attr-defined]
            return len(submitted) >= 10

        summary, _ = rig.run(g, cancel_when=enough)
        assert summary.status == "cancelled"
        statuses = Counter(o.status for o in summary.nodes.values())
        assert statuses["cancelled"] == 16
        running = [j for j in sim.running_jobs() if j.provider == "replicate"]
        assert running == []
        assert {j.status for j in sim.predictions.values()} == {"canceled"}
        # AIML has no cancel: its videos run on, and their cost is recorded as spent
        aiml_running = [j for j in sim.running_jobs() if j.provider == "aiml"]
        charged = [r for r in rig.charges() if "AIML cannot cancel" in r[1]]
        assert len(charged) == len(aiml_running) == len(sim.video_jobs)
        rig.close()
