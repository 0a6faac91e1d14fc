"""A provider answer of the wrong shape — ``[]``, ``null``, an HTML page with 200, strings
where numbers belong — is a provider error of its node (the estimate recorded as possibly
charged), never an internal error, and its job leaves ``creating``."""

from __future__ import annotations

import pytest

from canvastoon_desktop.simulator import FaultRule, Simulator
from tests.providers.hosted_rig import Rig

CASES = [
    ("aiml.chat", "prompt_llm", "gpt-4o"),
    ("aiml.images", "image_gen", "google/nano-banana-pro"),
    ("aiml.video.create", "video", "minimax/hailuo-2.3-fast"),
]


def hosted_node(rig: Rig, node_type: str, model: str) -> tuple[object, str]:
    graph = rig.graph()
    if node_type == "video":
        return graph, rig.video(graph, model)
    text = rig.text(graph, "a rooftop at night")
    port = "text" if node_type == "prompt_llm" else "prompt"
    return graph, rig.node(graph, node_type, {port: text}, model=model)


@pytest.mark.parametrize("kind", ["answer_list", "answer_null", "answer_html"])
@pytest.mark.parametrize(("route", "node_type", "model"), CASES)
def test_a_malformed_answer_is_a_provider_error_of_its_node(
    rig: Rig, sim: Simulator, route: str, node_type: str, model: str, kind: str
) -> None:
    sim.faults.add(FaultRule(route, kind, times=1))
    graph, node = hosted_node(rig, node_type, model)
    summary, _ = rig.run(graph)
    outcome = summary.nodes[node]
    assert outcome.status == "failed"
    assert outcome.error_kind in ("bad_output", "outcome_unknown")
    assert "internal" not in outcome.error and "Traceback" not in outcome.error
    states = [j["state"] for j in rig.jobs()]
    assert states and "creating" not in states and "submitted" not in states
    assert [r.split(":")[0] for _, r in rig.charges()] == ["possibly charged"]
    assert sim.log.count(route) == 1  # and it was not sent again behind the artist's back


@pytest.mark.slow
@pytest.mark.parametrize(
    "route", ["replicate.predictions.create", "replicate.predictions.get", "aiml.video.poll"]
)
@pytest.mark.parametrize("kind", ["answer_list", "answer_null", "answer_html", "answer_strings"])
def test_malformed_answers_where_the_job_can_be_looked_up_are_reconciled(
    rig: Rig, sim: Simulator, route: str, kind: str
) -> None:
    """Replicate lists its predictions and both providers poll by id: the job is found
    again, and delivered, with one create."""
    sim.faults.add(FaultRule(route, kind, times=1))
    model = "minimax/hailuo-2.3-fast" if route.startswith("aiml") else "prunaai/z-image-turbo"
    graph, node = hosted_node(rig, "video" if route.startswith("aiml") else "image_gen", model)
    summary, _ = rig.run(graph)
    assert summary.nodes[node].status == "done", summary.nodes[node].error
    creates = "aiml.video.create" if route.startswith("aiml") else "replicate.predictions.create"
    assert sim.log.count(creates) == 1
    assert {j["state"] for j in rig.jobs()} == {"done"}
