"""Every way a provider call fails ends as one of a few plain-language error kinds on the node
— never a traceback, never the key — and transient trouble is retried where that is safe."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.executor import RunSummary
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.providers.errors import ProviderError
from canvastoon_desktop.simulator import FaultRule, Simulator
from tests.providers.hosted_rig import RecordingJob, Rig, fast_simulator, make_rig

CATALOG = default_catalog()


def failure(summary: RunSummary, node: str) -> tuple[str, str]:
    outcome = summary.nodes[node]
    assert outcome.status == "failed", outcome
    assert outcome.error and "Traceback" not in outcome.error
    return str(outcome.error_kind), outcome.error


def chat_graph(rig: Rig) -> tuple[object, str]:
    g = rig.graph()
    node = rig.node(g, "prompt_llm", {"text": rig.text(g, "rooftop")}, model="gpt-4o")
    return g, node


def zimage_graph(rig: Rig, prompt: str = "sketch") -> tuple[object, str]:
    g = rig.graph()
    return g, rig.node(g, "image_gen", model="prunaai/z-image-turbo", prompt=prompt)


def video_graph(rig: Rig, model: str, **params: object) -> tuple[object, str]:
    g = rig.graph()
    return g, rig.video(g, model, **params)


# -- keys and money ------------------------------------------------------------------------
def test_a_refused_aiml_key_is_an_auth_failure_that_never_shows_the_key(tmp_path: Path) -> None:
    with fast_simulator(aiml_keys=frozenset({"sk-the-right-key-000"})) as sim:
        rig = make_rig(sim, tmp_path, keys={"aiml": "sk-wrong-key-123456"})
        g, node = chat_graph(rig)
        summary, _ = rig.run(g)
        kind, message = failure(summary, node)
        assert kind == "auth"
        assert message.startswith("the AIML API key was refused (401)")
        assert "sk-wrong-key-123456" not in message
        assert sim.log.count("aiml.chat") == 1  # a refusal is not retried
        rig.close()


def test_a_refused_replicate_token_is_an_auth_failure(tmp_path: Path) -> None:
    with fast_simulator(replicate_tokens=frozenset({"r8_right"})) as sim:
        rig = make_rig(sim, tmp_path, keys={"replicate": "r8_wrong_token_42"})
        g, node = zimage_graph(rig)
        summary, _ = rig.run(g)
        kind, message = failure(summary, node)
        assert kind == "auth" and "Replicate key was refused" in message
        assert "r8_wrong_token_42" not in message
        rig.close()


def test_a_missing_key_fails_cleanly_even_if_validation_is_bypassed(rig: Rig) -> None:
    rig.setup.key_overrides = {}
    call = ModelCall(CATALOG["gpt-4o"], {"temperature": 0.5, "max_tokens": 50}, prompt="hi")
    with pytest.raises(ProviderError) as info:
        asyncio.run(rig.adapters["aiml"].generate(call, RecordingJob(rig.library)))
    assert info.value.kind.value == "auth" and "AIML_API_KEY" in str(info.value)


def test_out_of_credits_on_aiml(rig: Rig, sim: Simulator) -> None:
    sim.aiml_credits = 10
    g = rig.graph()
    node = rig.node(g, "image_gen", model="google/nano-banana-pro", prompt="x")
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "out_of_credits"
    assert "out of credits" in message and "Top up" in message  # the provider's own words


def test_out_of_credits_on_replicate(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "out_of_credits"))
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "out_of_credits" and "insufficient credit" in message


# -- rate limits ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("retry_after", [None, 1.0])
def test_429_on_polls_is_retried(rig: Rig, sim: Simulator, retry_after: float | None) -> None:
    sim.faults.add(
        FaultRule(
            "aiml.video.poll", "429", times=2 if retry_after is None else 1, retry_after=retry_after
        )
    )
    g, node = video_graph(rig, "minimax/hailuo-2.3-fast", duration=6)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    polls = sim.log.entries("aiml.video.poll")
    statuses = [e.status for e in polls]
    assert statuses[: 2 if retry_after is None else 1] == [429] * (2 if retry_after is None else 1)
    assert statuses[-1] == 200
    if retry_after:  # the provider's wait was honoured
        assert polls[1].time - polls[0].time >= 0.95


def test_429_on_replicate_polls_is_retried_by_the_client_and_by_us(
    rig: Rig, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.get", "429", times=3))
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    assert sim.log.count("replicate.predictions.get", status=429) == 3


@pytest.mark.slow
def test_a_create_refused_with_429_is_sent_again_and_succeeds(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "429", times=2, retry_after=0.5))
    sim.faults.add(FaultRule("aiml.chat", "429", times=1, retry_after=1))
    g, z = zimage_graph(rig)
    chat = rig.node(g, "prompt_llm", {"text": rig.text(g, "idea")}, model="gpt-4o")
    summary, _ = rig.run(g)
    assert summary.nodes[z].status == summary.nodes[chat].status == "done"
    creates = sim.log.entries("replicate.predictions.create")
    assert [e.status for e in creates] == [429, 429, 201]
    assert creates[2].time - creates[0].time >= 1.9  # waited as asked, twice
    chats = sim.log.entries("aiml.chat")
    assert [e.status for e in chats] == [429, 200]
    assert chats[1].time - chats[0].time >= 0.95  # Retry-After honoured on a create too
    assert len(sim.predictions) == 1  # a 429 is not taken: made once


@pytest.mark.slow
@pytest.mark.parametrize("header", [True, False])
def test_a_rate_limited_create_waits_for_the_reset_replicate_names(
    rig: Rig, sim: Simulator, header: bool
) -> None:
    """Replicate's 429 says "Your rate limit resets in ~Ns."; with or without Retry-After
    the create waits that long (not our own short backoff) and is sent once more."""
    sim.faults.add(
        FaultRule("replicate.predictions.create", "429", times=1, retry_after=1.2, header=header)
    )
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    first, second = sim.log.entries("replicate.predictions.create")
    assert (first.status, second.status) == (429, 201)
    assert second.time - first.time >= 1.95  # Retry-After: 2, or "resets in ~2s."
    assert len(sim.predictions) == 1


@pytest.mark.slow
def test_a_create_that_stays_rate_limited_ends_rate_limited(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "429", retry_after=1))
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "rate_limited" and "kept rate limiting the request (429)" in message
    assert "nothing was made or charged" in message
    # waits of 1 s each, at most 2.5 s in all: the third 429 ends it
    assert sim.log.count("replicate.predictions.create") == 3
    assert not sim.predictions
    assert [j["state"] for j in rig.jobs()] == ["failed"]


def test_a_reset_longer_than_the_wait_allowed_ends_at_once(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "429"))  # "resets in ~30s."
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "rate_limited" and "asks for 30 s more" in message
    assert sim.log.count("replicate.predictions.create") == 1


# -- refusals and failures ------------------------------------------------------------------------
def test_an_aiml_400_is_rejected_with_the_providers_reason(rig: Rig) -> None:
    call = ModelCall(CATALOG["google/nano-banana-pro"], {"num_images": 7}, prompt="x")
    with pytest.raises(ProviderError) as info:
        asyncio.run(rig.adapters["aiml"].generate(call, RecordingJob(rig.library)))
    assert info.value.kind.value == "rejected"
    assert str(info.value) == (
        "the AIML API refused the request (400): num_images must be less than or equal to 4"
    )


def test_a_replicate_422_is_rejected_with_the_providers_reason(rig: Rig) -> None:
    call = ModelCall(CATALOG["prunaai/z-image-turbo"], {"width": 4000}, prompt="x")
    with pytest.raises(ProviderError) as info:
        asyncio.run(rig.adapters["replicate"].generate(call, RecordingJob(rig.library)))
    assert info.value.kind.value == "rejected"
    assert "(422)" in str(info.value) and "input.width" in str(info.value)


@pytest.mark.parametrize("model", ["bytedance/seedance-1-pro-fast", "minimax/hailuo-2.3-fast"])
def test_a_job_that_fails_at_the_provider_is_a_provider_failure(
    rig: Rig, sim: Simulator, model: str
) -> None:
    route = "aiml.video.create" if model.startswith("minimax") else "replicate.predictions.create"
    sim.faults.add(FaultRule(route, "fail"))
    g, node = video_graph(rig, model, duration=6)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "provider_failure"
    assert "CUDA error: out of memory" in message  # the provider's reason, not its traceback
    assert [j["state"] for j in rig.jobs()] == ["failed"]


def test_a_prediction_cancelled_on_the_website_is_reported_as_cancelled(
    rig: Rig, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "cancel"))
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "cancelled" and "cancelled at Replicate" in message


# -- time ----------------------------------------------------------------------------------------------
def test_a_job_that_runs_too_long_times_out_and_stays_resumable(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.set_latency("bytedance/seedance-1-pro-fast", queue_s=0.0, run_s=5.0)
    rig = make_rig(sim, tmp_path, timeout_s=0.4)
    g, node = video_graph(rig, "bytedance/seedance-1-pro-fast", duration=2)
    summary, events = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "timeout" and "next run" in message
    assert next(e for e in events if type(e).__name__ == "NodeFailed").retryable
    (job,) = rig.jobs()
    assert job["state"] == "submitted" and job["job_id"] in sim.predictions
    rig.close()


@pytest.mark.slow
def test_queue_time_does_not_count_towards_the_timeout(sim: Simulator, tmp_path: Path) -> None:
    sim.set_latency("bytedance/seedance-1-pro-fast", queue_s=1.2, run_s=0.2)
    rig = make_rig(sim, tmp_path, timeout_s=0.5)
    g, node = video_graph(rig, "bytedance/seedance-1-pro-fast", duration=2)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    rig.close()


# -- cancelling ----------------------------------------------------------------------------------------
def test_cancelling_a_node_cancels_its_prediction_at_replicate(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.set_latency("bytedance/seedance-1-pro-fast", queue_s=0.1, run_s=10.0)
    rig = make_rig(sim, tmp_path)
    g, node = video_graph(rig, "bytedance/seedance-1-pro-fast", duration=2)
    summary, _ = rig.run(g, cancel_when=lambda e: getattr(e, "status", "") == "processing")
    assert summary.status == "cancelled" and summary.nodes[node].status == "cancelled"
    (prediction_id,) = sim.predictions
    cancel = sim.log.last("replicate.predictions.cancel")
    assert cancel is not None and cancel.job_id == prediction_id and cancel.status == 200
    assert sim.predictions[prediction_id].status == "canceled"
    assert sim.running_jobs() == []
    assert [j["state"] for j in rig.jobs()] == ["cancelled"]
    rig.close()


def cancel_while_the_job_id_is_journaled(rig: Rig) -> None:
    """Press Cancel at the worst moment: the create has been answered and its id is being
    written to the journal."""
    journal_update = rig.library.journal_update

    def slow_journal_update(row: int, **changes: object) -> None:
        if changes.get("state") == "submitted":
            assert rig.cancel_from_thread().wait(10)  # pressed while the id is written
        journal_update(row, **changes)

    rig.library.journal_update = slow_journal_update  # type: ignore[method-assign]


def cancel_while_the_create_is_on_the_wire(rig: Rig, sim: Simulator, route: str) -> None:
    """Press Cancel 0.2 s after the create was journaled and sent; the provider holds it
    for 2 s before answering."""
    sim.faults.add(FaultRule(route, "slow", delay_s=2.0, times=1))
    journal_creating = rig.library.journal_creating

    def journaled_then_cancel(*args: object, **kwargs: object) -> int:
        row = journal_creating(*args, **kwargs)  # type: ignore[arg-type]
        rig.cancel_from_thread(after_s=0.2)
        return row

    rig.library.journal_creating = journaled_then_cancel  # type: ignore[method-assign]


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["create on the wire", "id being journaled"])
def test_a_prediction_whose_node_is_cancelled_as_it_is_made_is_cancelled_at_replicate(
    moment: str, sim: Simulator, tmp_path: Path
) -> None:
    sim.set_latency("google/veo-3.1-fast", queue_s=0.1, run_s=600.0)
    rig = make_rig(sim, tmp_path)
    g, node = video_graph(rig, "google/veo-3.1-fast")
    if moment == "create on the wire":
        cancel_while_the_create_is_on_the_wire(rig, sim, "replicate.predictions.create")
    else:
        cancel_while_the_job_id_is_journaled(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "cancelled"
    (prediction_id,) = sim.predictions
    assert sim.log.count("replicate.predictions.create") == 1
    cancel = sim.log.last("replicate.predictions.cancel")
    assert cancel is not None and cancel.job_id == prediction_id
    assert sim.running_jobs() == []
    assert [j["state"] for j in rig.jobs()] == ["cancelled"]
    rig.close()


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["create on the wire", "id being journaled"])
def test_an_aiml_video_whose_node_is_cancelled_as_it_is_made_is_collected_by_the_next_run(
    moment: str, sim: Simulator, tmp_path: Path
) -> None:
    sim.set_latency("minimax/hailuo-2.3-fast", queue_s=0.1, run_s=1.0)
    rig = make_rig(sim, tmp_path)
    g, node = video_graph(rig, "minimax/hailuo-2.3-fast", duration=6)
    if moment == "create on the wire":
        cancel_while_the_create_is_on_the_wire(rig, sim, "aiml.video.create")
        summary, _ = rig.run(g)
        del rig.library.journal_creating  # the next run is not cancelled
    else:
        cancel_while_the_job_id_is_journaled(rig)
        summary, _ = rig.run(g)
        del rig.library.journal_update  # the next run journals at normal speed
    assert summary.nodes[node].status == "cancelled"
    (generation_id,) = sim.video_jobs
    # AIML cannot cancel: the video runs on, billed, and stays journaled under its id
    assert [(j["state"], j["job_id"]) for j in rig.jobs()] == [("submitted", generation_id)]
    assert [reason for _, reason in rig.charges()] == [
        "cancelled in the app; AIML cannot cancel a started video"
    ]

    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    assert sim.log.count("aiml.video.create") == 1  # collected, not paid for again
    assert [(j["state"], j["job_id"]) for j in rig.jobs()] == [("done", generation_id)]
    assert len(rig.charges()) == 1  # the video's cost was counted once, at the cancel
    rig.close()


# -- outputs ------------------------------------------------------------------------------------------
def test_expired_replicate_outputs_fail_clearly_and_the_spend_is_recorded(
    rig: Rig, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("output", "expired"))
    g, node = zimage_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "bad_output"
    assert "expired before they could be downloaded" in message
    assert rig.charges() and rig.charges()[0][1] == "outputs not delivered"


@pytest.mark.slow
def test_an_expired_aiml_video_link_is_asked_for_again(rig: Rig, sim: Simulator) -> None:
    rule = sim.faults.add(FaultRule("output", "expired", times=1))
    g, node = video_graph(rig, "minimax/hailuo-2.3-fast", duration=6)
    summary, _ = rig.run(g)
    assert rule.fired == 1
    kind, message = failure(summary, node)  # the simulator hands out the same dead link
    assert "expired before it could be downloaded" in message and kind == "bad_output"
    outputs = sim.log.entries("output")
    polls_after = [e for e in sim.log.entries("aiml.video.poll") if e.time > outputs[0].time]
    assert len(outputs) == 2 and polls_after  # re-polled for a fresh link, then tried it


def test_a_malformed_chat_answer_is_a_bad_output_not_a_crash(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.chat", "malformed"))
    g, node = chat_graph(rig)
    summary, _ = rig.run(g)
    kind, message = failure(summary, node)
    assert kind == "bad_output" and "could not be read" in message
    assert sim.log.count("aiml.chat") == 1
    assert [reason for _, reason in rig.charges()] == [
        "possibly charged: answer unreadable (estimated)"
    ]


@pytest.mark.slow
def test_a_malformed_poll_answer_is_retried(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.get", "malformed", times=2))
    sim.faults.add(FaultRule("aiml.video.poll", "malformed", times=2))
    g, z = zimage_graph(rig)
    video = rig.video(g, "minimax/hailuo-2.3-fast", prompt="x", duration=6)
    summary, _ = rig.run(g)
    assert summary.nodes[z].status == summary.nodes[video].status == "done"


@pytest.mark.slow
def test_5xx_and_dropped_connections_on_polls_and_downloads_are_retried(
    rig: Rig, sim: Simulator
) -> None:
    for route, kind in [
        ("replicate.predictions.get", "500"),
        ("replicate.predictions.get", "drop"),
        ("aiml.video.poll", "503"),
        ("output", "drop"),
        ("output", "500"),
    ]:
        sim.faults.add(FaultRule(route, kind, times=1))
    g, z = zimage_graph(rig)
    video = rig.video(g, "minimax/hailuo-2.3-fast", prompt="x", duration=6)
    summary, _ = rig.run(g)
    assert summary.nodes[z].status == summary.nodes[video].status == "done"
    assert all(rule.fired == 1 for rule in sim.faults.rules)
