"""Never paid twice: a create whose answer was lost is reconciled (Replicate) or reported and
left alone until the artist re-rolls (AIML) — never blindly sent again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.providers import ProviderSetup
from canvastoon_desktop.simulator import FaultRule, Simulator
from tests.providers.hosted_rig import FAST_RETRY, Rig


def processed_creates(sim: Simulator, route: str) -> int:
    """Creates the provider acted on (answered 2xx, or dropped after doing the work)."""
    return sum(
        1
        for e in sim.log.entries(route)
        if (e.status is not None and e.status < 300) or e.fault == "drop_after_create"
    )


def zimage(rig: Rig, prompt: str = "sketch") -> tuple[object, str]:
    g = rig.graph()
    return g, rig.node(g, "image_gen", model="prunaai/z-image-turbo", prompt=prompt)


@pytest.mark.parametrize("kind", ["drop_after_create", "malformed"])
def test_a_lost_replicate_create_is_reconciled_not_resent(
    rig: Rig, sim: Simulator, kind: str
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", kind, times=1))
    g, node = zimage(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done", summary.nodes[node]
    assert sim.log.count("replicate.predictions.create") == 1
    assert sim.log.count("replicate.predictions.list") >= 1
    (prediction_id,) = sim.predictions
    assert [(j["state"], j["job_id"]) for j in rig.jobs()] == [("done", prediction_id)]
    assert summary.nodes[node].outputs["image"].path.is_file()


def lama(rig: Rig, seed: int) -> tuple[object, str]:
    g = rig.graph()
    image = rig.picture(g, 384, 680, seed=seed)
    mask = rig.picture(g, 384, 680, mode="L")
    return g, rig.node(g, "inpaint", {"image": image, "mask": mask}, model="allenhooo/lama")


def test_a_lost_create_is_recognised_although_replicate_reserialises_its_input(
    rig: Rig, sim: Simulator
) -> None:
    """Z-Image sends guidance_scale 0.0 and a seed; Replicate shows 0 back (a whole float
    re-serialised as an integer): still the same request, adopted, not paid again."""
    sim.faults.add(FaultRule("replicate.predictions.create", "drop_after_create", times=1))
    g, node = zimage(rig)
    g.set_param(node, "seed", 7)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    (job,) = sim.predictions.values()
    assert '"guidance_scale": 0.0' in json.dumps(job.input)
    assert '"guidance_scale": 0,' in json.dumps(job.echoed_input)
    assert sim.log.count("replicate.predictions.create") == 1


@pytest.mark.slow
def test_a_lost_create_with_files_adopts_its_own_prediction_not_a_twins(
    rig: Rig, sim: Simulator
) -> None:
    """Two LaMa cleanups have the same settings and differ only in their image, which
    Replicate shows back as a URL: the files are read back and compared."""
    g1, _ = lama(rig, seed=1)
    rig.run(g1)
    (twin,) = [j["job_id"] for j in rig.jobs()]
    sim.faults.add(FaultRule("replicate.predictions.create", "drop_after_create", times=1))
    g2, second = lama(rig, seed=2)
    summary, _ = rig.run(g2)
    assert summary.nodes[second].status == "done", summary.nodes[second]
    assert sim.log.count("replicate.predictions.create") == 2  # one per image, none resent
    assert len(sim.predictions) == 2
    (adopted,) = [j["job_id"] for j in rig.jobs() if j["job_id"] != twin]
    assert adopted in sim.predictions  # its own prediction, not the twin's


@pytest.mark.slow
def test_when_the_echoed_files_cannot_be_read_back_the_create_is_not_sent_again(
    rig: Rig, sim: Simulator
) -> None:
    g1, _ = lama(rig, seed=1)
    rig.run(g1)
    sim.faults.add(FaultRule("replicate.predictions.create", "drop_after_create", times=1))
    sim.faults.add(FaultRule("output", "500", times=4))  # the kept inputs cannot be read
    g2, second = lama(rig, seed=2)
    summary, _ = rig.run(g2)
    outcome = summary.nodes[second]
    assert outcome.error_kind == "outcome_unknown", outcome
    assert "could not be read back" in outcome.error
    assert sim.log.count("replicate.predictions.create") == 2  # the first run's and this one


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_a_replicate_create_that_was_not_made_is_sent_again_after_checking(
    rig: Rig, sim: Simulator, kind: str
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", kind, times=1))
    g, node = zimage(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    assert sim.log.count("replicate.predictions.create") == 2
    assert processed_creates(sim, "replicate.predictions.create") == 1
    assert sim.log.count("replicate.predictions.list") == 1  # looked before sending again
    assert len(sim.predictions) == 1


def test_when_replicate_cannot_be_asked_the_create_is_not_sent_again(
    rig: Rig, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "drop_after_create", times=1))
    listing = sim.faults.add(FaultRule("replicate.predictions.list", "500"))
    g, node = zimage(rig)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "failed"
    assert summary.nodes[node].error_kind == "outcome_unknown"
    assert "Run again to check again" in summary.nodes[node].error
    assert [j["state"] for j in rig.jobs()] == ["unknown"]
    # the next run looks again, finds the prediction and delivers it
    sim.faults.remove(listing)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    assert sim.log.count("replicate.predictions.create") == 1
    assert [j["state"] for j in rig.jobs()] == ["done"]


def test_a_lost_aiml_video_create_is_reported_once_as_possibly_charged(
    rig: Rig, sim: Simulator
) -> None:
    """AIML cannot look a video up without the id its lost answer carried: the node fails
    once, the estimate goes in the ledger as possibly charged, and the next run sends it
    again (no re-roll needed, and nothing sent twice in silence)."""
    sim.faults.add(FaultRule("aiml.video.create", "drop_after_create", times=1))
    g = rig.graph()
    node = rig.video(g, "minimax/hailuo-2.3-fast", duration=6)
    summary, _ = rig.run(g)
    outcome = summary.nodes[node]
    assert outcome.status == "failed" and outcome.error_kind == "outcome_unknown"
    assert "may have been charged" in outcome.error and "run again to send it" in outcome.error
    assert "Re-roll" not in outcome.error
    assert sim.log.count("aiml.video.create") == 1 and len(sim.video_jobs) == 1
    assert [j["state"] for j in rig.jobs()] == ["possibly_charged"]
    (possible,) = rig.charges()
    assert possible[1].startswith("possibly charged:") and possible[0] > 0
    # the artist runs it again: it is sent (once) and delivered
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    assert sim.log.count("aiml.video.create") == 2
    assert [r for _, r in rig.charges()] == [possible[1], "result"]


@pytest.mark.parametrize("kind", ["drop_after_create", "500", "drop"])
def test_a_lost_or_failed_chat_is_reported_once_then_sent_by_the_next_run(
    rig: Rig, sim: Simulator, kind: str
) -> None:
    sim.faults.add(FaultRule("aiml.chat", kind, times=1))
    g = rig.graph()
    node = rig.node(g, "prompt_llm", {"text": rig.text(g, "idea")}, model="gpt-4o")
    summary, _ = rig.run(g)
    assert summary.nodes[node].error_kind == "outcome_unknown"
    assert "recorded as possibly charged" in summary.nodes[node].error
    assert sim.log.count("aiml.chat") == 1
    assert [j["state"] for j in rig.jobs()] == ["possibly_charged"]
    assert [r.split(":")[0] for _, r in rig.charges()] == ["possibly charged"]
    summary, _ = rig.run(g)  # the next run sends it: the artist asked for it again
    assert summary.nodes[node].status == "done"
    assert sim.log.count("aiml.chat") == 2
    assert [j["state"] for j in rig.jobs()] == ["possibly_charged", "done"]


def test_a_connection_that_never_opened_is_not_an_unknown_outcome(
    sim: Simulator, tmp_path: Path
) -> None:
    # nothing listens at this AIML address: the create cannot have been sent
    setup = ProviderSetup.simulated(
        "http://127.0.0.1:9/v1", sim.replicate_base_url, poll_interval_s=0.05, retry=FAST_RETRY
    )
    rig = Rig(sim, tmp_path, setup)
    g = rig.graph()
    node = rig.video(g, "minimax/hailuo-2.3-fast", duration=6)
    summary, _ = rig.run(g)
    outcome = summary.nodes[node]
    assert outcome.error_kind == "provider_failure" and "could not connect" in outcome.error
    assert [j["state"] for j in rig.jobs()] == ["failed"]  # not "unknown": it never left
    rig.close()
