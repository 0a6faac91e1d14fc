"""The request log, latency presets, job inspection and a small soak."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
import replicate

from canvastoon_desktop.simulator import Latencies, Simulator, SimulatorConfig
from tests.simulator.simhelpers import (
    AIML_KEY,
    REPLICATE_TOKEN,
    ShiftedClock,
    png_data_uri,
    soak,
    wait_prediction,
)

Z = "prunaai/z-image-turbo"


@pytest.mark.slow
def test_log_records_routes_models_jobs_and_never_the_token(
    aiml: openai.OpenAI, rep: replicate.Client, sim: Simulator
) -> None:
    aiml.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    p = wait_prediction(rep.predictions.create(model="google/veo-3.1-fast", input={"prompt": "x"}))
    httpx.get(p.output)
    assert sim.log.count(route="replicate.predictions.create", model="google/veo-3.1-fast") == 1
    assert sim.log.count("aiml.chat", model="gpt-4o") == 1
    create = sim.log.last("replicate.predictions.create")
    assert create.job_id == p.id and create.status == 201 and create.auth_ok is True
    assert create.body == {"input": {"prompt": "x"}}
    gets = sim.log.entries("replicate.predictions.get")
    assert gets and all(e.job_id == p.id and e.model == "google/veo-3.1-fast" for e in gets)
    download = sim.log.last("output")
    assert download.auth_ok is None and download.model == "google/veo-3.1-fast"
    assert sim.log.count("replicate.*") == 1 + len(gets)
    dump = repr(list(sim.log))
    assert AIML_KEY not in dump and REPLICATE_TOKEN not in dump
    assert "Bearer" not in dump


def test_log_shortens_data_uris(rep: replicate.Client, sim: Simulator) -> None:
    uri = png_data_uri(600, 600)
    rep.predictions.create(
        model="bytedance/seedance-1-pro-fast", input={"prompt": "x", "image": uri}
    )
    logged = sim.log.last("replicate.predictions.create").body["input"]["image"]
    assert logged.startswith("data:image/png;base64,") and f"({len(uri)} chars)" in logged
    assert (
        sim.predictions[sim.log.last("replicate.predictions.create").job_id].input["image"] == uri
    )


def test_unknown_routes_are_logged_as_404(sim: Simulator) -> None:
    r = httpx.get(f"{sim.replicate_base_url}/v1/trainings", headers={"Authorization": "Bearer t"})
    assert r.status_code == 404 and r.json()["status"] == 404
    assert sim.log.last("unknown").status == 404


def test_latency_presets() -> None:
    short, real = Latencies.short(), Latencies.realistic()
    for model in (
        "minimax/hailuo-2.3-fast",
        "google/veo-3.1-fast",
        "bytedance/seedance-1-pro-fast",
    ):
        assert short.get(model).total_s <= 2.5
        assert 60 <= real.get(model).total_s <= 130
    assert real.get("google/nano-banana-pro").total_s >= 3
    assert short.get("openai/gpt-4o") == short.get("gpt-4o")  # aliases share a timing
    assert Latencies.instant().get("google/veo-3.1-fast").total_s == 0
    assert Latencies.preset("realistic").get("allenhooo/lama") == real.get("allenhooo/lama")
    with pytest.raises(ValueError, match="unknown latency preset"):
        Latencies.preset("glacial")


def test_status_follows_the_clock(
    rep: replicate.Client, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ShiftedClock(monkeypatch)
    sim.set_latency(Z, queue_s=30, run_s=30)
    p = rep.predictions.create(model=Z, input={"prompt": "x"})
    seen = [p.status]
    clock.advance(45)  # queued for 30 s, then half way through its 30 s run
    p.reload()
    seen.append(p.status)
    clock.advance(30)
    seen.append(wait_prediction(p).status)
    assert seen == ["starting", "processing", "succeeded"]
    assert p.metrics["predict_time"] == pytest.approx(30, abs=0.01)
    assert p.metrics["total_time"] == pytest.approx(60, abs=0.01)
    assert "100%|" in p.logs and "Using seed:" in p.logs


def test_cancel_after_deadline(sim: Simulator) -> None:
    sim.set_latency("google/veo-3.1-fast", queue_s=10, run_s=10)
    auth = {"Authorization": f"Bearer {REPLICATE_TOKEN}"}
    url = f"{sim.replicate_base_url}/v1/models/google/veo-3.1-fast/predictions"
    r = httpx.post(url, headers={**auth, "Cancel-After": "5s"}, json={"input": {"prompt": "x"}})
    body = r.json()
    assert r.status_code == 201 and body["deadline"]
    job = sim.predictions[body["id"]]
    assert job.state(job.created + 6).status == "aborted"  # deadline before it started
    too_short = httpx.post(
        url, headers={**auth, "Cancel-After": "2s"}, json={"input": {"prompt": "x"}}
    )
    assert too_short.status_code == 400


@pytest.mark.slow
def test_soak_200_creates_and_50_concurrent_pollers() -> None:
    config = SimulatorConfig(latencies=Latencies.short())
    with Simulator(config) as sim:
        sim.set_latency(Z, queue_s=0.5, run_s=1.0)
        statuses = asyncio.run(soak(sim, creates=200, concurrent_polls=50))
        assert statuses == ["succeeded"] * 50
        assert len(sim.predictions) == 200
        assert sim.log.count("replicate.predictions.create", status=201) == 200


def test_two_simulators_run_side_by_side() -> None:
    with Simulator() as a, Simulator() as b:
        assert a.port != b.port
        with openai.OpenAI(api_key="k", base_url=b.aiml_base_url, max_retries=0) as client:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "x"}]
            )
        assert len(a.log) == 0 and len(b.log) == 1
    assert b.env()["REPLICATE_BASE_URL"] == b.replicate_base_url
    assert not b.env()["REPLICATE_BASE_URL"].endswith("/v1")
    assert b.env()["CANVASTOON_AIML_BASE_URL"].endswith("/v1")
