"""Fault injection: every kind, through the real clients, plus the spec parser."""

from __future__ import annotations

import json
import time

import httpx
import jsonschema
import openai
import pytest
import replicate
from replicate.exceptions import ModelError, ReplicateError

from canvastoon_desktop.simulator import (
    LAMA_VERSION,
    FaultRule,
    Simulator,
    SimulatorConfig,
    parse_fault_spec,
)
from tests.simulator.simhelpers import REPLICATE_TOKEN, png_data_uri, poll_video, wait_prediction

Z = "prunaai/z-image-turbo"
MSGS = [{"role": "user", "content": "hi"}]


def test_429_without_retry_after_on_aiml(aiml: openai.OpenAI, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.chat", "429", times=1))
    with pytest.raises(openai.RateLimitError) as info:
        aiml.chat.completions.create(model="gpt-4o", messages=MSGS)
    assert "retry-after" not in info.value.response.headers
    assert info.value.body["statusCode"] == 429
    assert aiml.chat.completions.create(model="gpt-4o", messages=MSGS).choices  # times=1


def test_429_with_retry_after_is_honoured_by_the_replicate_client(
    rep: replicate.Client, sim: Simulator
) -> None:
    p = rep.predictions.create(model=Z, input={"prompt": "x"})
    sim.faults.add(FaultRule("replicate.predictions.get", "429", retry_after=1, times=1))
    started = time.monotonic()
    got = rep.predictions.get(p.id)  # the client's transport retries GETs on 429
    assert got.id == p.id
    assert time.monotonic() - started >= 0.95
    statuses = [e.status for e in sim.log.entries("replicate.predictions.get")]
    assert statuses == [429, 200]


def test_429_on_create_has_replicates_body_and_is_not_retried(
    rep: replicate.Client, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "429", retry_after=30))
    with pytest.raises(ReplicateError) as info:
        rep.predictions.create(model=Z, input={"prompt": "x"})
    assert info.value.status == 429
    assert info.value.detail == "Request was throttled. Your rate limit resets in ~30s."
    assert sim.log.count("replicate.predictions.create") == 1
    assert len(sim.predictions) == 0


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors(aiml: openai.OpenAI, sim: Simulator, kind: str) -> None:
    sim.faults.add(FaultRule("aiml.*", kind))
    with pytest.raises(openai.InternalServerError) as info:
        aiml.chat.completions.create(model="gpt-4o", messages=MSGS)
    assert info.value.status_code == int(kind)


def test_drop_closes_the_connection_before_any_work(rep: replicate.Client, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        rep.predictions.create(model=Z, input={"prompt": "x"})
    assert len(sim.predictions) == 0
    entry = sim.log.last("replicate.predictions.create")
    assert entry.status is None and entry.fault == "drop"


def test_drop_on_aiml_is_a_connection_error(aiml: openai.OpenAI, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.images", "drop"))
    with pytest.raises(openai.APIConnectionError):
        aiml.images.generate(model="google/nano-banana-pro", prompt="x")


def test_drop_after_create_leaves_a_prediction_that_list_reveals(
    rep: replicate.Client, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "drop_after_create", times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        rep.predictions.create(model=Z, input={"prompt": "the lost one"})
    assert len(sim.predictions) == 1
    listed = rep.predictions.list().results
    assert [p.input for p in listed] == [{"prompt": "the lost one"}]
    assert listed[0].id == sim.log.last("replicate.predictions.create").job_id
    assert wait_prediction(rep.predictions.get(listed[0].id)).status == "succeeded"


def test_drop_after_create_on_aiml_video_still_creates_the_job(
    http: httpx.Client, sim: Simulator
) -> None:
    sim.faults.add(FaultRule("aiml.video.create", "drop_after_create"))
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(
            "/v2/video/generations",
            json={
                "model": "minimax/hailuo-2.3-fast",
                "prompt": "x",
                "image_url": png_data_uri(400, 400),
            },
        )
    assert len(sim.video_jobs) == 1


def test_fail_ends_the_prediction_failed(rep: replicate.Client, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "fail", model=Z))
    p = wait_prediction(rep.predictions.create(model=Z, input={"prompt": "x"}))
    assert p.status == "failed" and p.output is None and "out of memory" in p.error
    with pytest.raises(ModelError):
        rep.run(Z, input={"prompt": "y"})


def test_fail_on_aiml_video_poll_gives_error_status(http: httpx.Client, sim: Simulator) -> None:
    gid = http.post(
        "/v2/video/generations",
        json={
            "model": "minimax/hailuo-2.3-fast",
            "prompt": "x",
            "image_url": png_data_uri(400, 400),
        },
    ).json()["id"]
    sim.faults.add(FaultRule("aiml.video.poll", "fail", times=1))
    body, seen = poll_video(http, gid)
    assert seen[-1] == "error" and body["video"] is None
    assert body["error"]["name"] and "out of memory" in body["error"]["message"]


def test_cancel_fault_ends_the_prediction_canceled(rep: replicate.Client, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "cancel"))
    p = wait_prediction(rep.predictions.create(model="google/veo-3.1-fast", input={"prompt": "x"}))
    assert p.status == "canceled" and p.output is None
    assert 0 < p.metrics["predict_time"] < 0.75  # canceled halfway through the run


def test_expired_fault_on_output_and_on_get(rep: replicate.Client, sim: Simulator) -> None:
    p = wait_prediction(rep.predictions.create(model=Z, input={"prompt": "x"}))
    url = p.output
    sim.faults.add(FaultRule("output", "expired", times=1))
    assert httpx.get(url).status_code == 404
    assert httpx.get(url).status_code == 404  # stays expired
    q = wait_prediction(rep.predictions.create(model=Z, input={"prompt": "y"}))
    sim.faults.add(FaultRule("replicate.predictions.get", "expired", times=1))
    raw = httpx.get(q.urls["get"], headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"}).json()
    assert raw["data_removed"] is True and raw["output"] is None
    assert httpx.get(q.output).status_code == 404


def test_expire_outputs_kills_every_url(aiml: openai.OpenAI, sim: Simulator) -> None:
    urls = [
        d.url
        for d in aiml.images.generate(
            model="google/nano-banana-pro", prompt="x", extra_body={"num_images": 2}
        ).data
    ]
    assert all(httpx.get(u).status_code == 200 for u in urls)
    assert sim.expire_outputs() == 2
    assert all(httpx.get(u).status_code == 404 for u in urls)


def test_out_of_credits(aiml: openai.OpenAI, rep: replicate.Client, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.images", "out_of_credits"))
    sim.faults.add(FaultRule("replicate.predictions.create", "out_of_credits"))
    with pytest.raises(openai.PermissionDeniedError) as info:
        aiml.images.generate(model="google/nano-banana-pro", prompt="x")
    assert info.value.body["statusCode"] == 403 and "credits" in info.value.body["message"]
    with pytest.raises(ReplicateError) as rinfo:
        rep.predictions.create(model=Z, input={"prompt": "x"})
    assert rinfo.value.status == 402 and "billing" in rinfo.value.detail


def test_aiml_balance_runs_out() -> None:
    with (
        Simulator(SimulatorConfig(aiml_credits=700_000)) as sim,
        openai.OpenAI(api_key="k", base_url=sim.aiml_base_url, max_retries=0) as aiml,
    ):
        aiml.images.generate(model="google/nano-banana-pro", prompt="x")
        aiml.images.generate(model="google/nano-banana-pro", prompt="y")
        assert sim.aiml_credits == 70_000  # 315,000 credits a 1K image
        with pytest.raises(openai.PermissionDeniedError):
            aiml.images.generate(model="google/nano-banana-pro", prompt="z")
        assert sim.aiml_credits == 70_000
        assert [b.usd for b in sim.bills()] == [0.1575, 0.1575]


def test_malformed_is_200_with_broken_json(sim: Simulator, rep: replicate.Client) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "malformed", times=1))
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/{Z}/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": {"prompt": "x"}},
    )
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert len(sim.predictions) == 1  # the work was done


def test_bad_structured_output_breaks_the_schema(aiml: openai.OpenAI, sim: Simulator) -> None:
    schema = {
        "type": "object",
        "properties": {"shots": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
        "required": ["shots"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    sim.faults.add(FaultRule("aiml.chat", "bad_structured_output", times=1))
    bad = aiml.chat.completions.create(model="gpt-4o", messages=MSGS, response_format=fmt)
    content = bad.choices[0].message.content
    with pytest.raises((ValueError, jsonschema.ValidationError)):
        jsonschema.validate(json.loads(content), schema)
    good = aiml.chat.completions.create(model="gpt-4o", messages=MSGS, response_format=fmt)
    jsonschema.validate(json.loads(good.choices[0].message.content), schema)


def test_slow_delays_the_answer(aiml: openai.OpenAI, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.chat", "slow", delay_s=0.6))
    started = time.monotonic()
    aiml.chat.completions.create(model="gpt-4o", messages=MSGS)
    assert time.monotonic() - started >= 0.6


@pytest.mark.slow
def test_rates_are_reproducible_with_the_seed() -> None:
    def pattern() -> list[int | None]:
        config = SimulatorConfig(seed=7, faults=parse_fault_spec("replicate.models.get:500@0.5"))
        with Simulator(config) as sim:
            url = f"{sim.replicate_base_url}/v1/models/{Z}"
            auth = {"Authorization": "Bearer t"}
            for _ in range(20):
                httpx.get(url, headers=auth)
            return [e.status for e in sim.log.entries("replicate.models.get")]

    first, second = pattern(), pattern()
    assert first == second
    assert 3 < first.count(500) < 17


def test_model_filter_only_hits_that_model(rep: replicate.Client, sim: Simulator) -> None:
    sim.faults.add(FaultRule("replicate.predictions.create", "500", model="google/veo-3.1-fast"))
    assert rep.predictions.create(model=Z, input={"prompt": "x"}).status == "starting"
    with pytest.raises(ReplicateError):
        rep.predictions.create(model="google/veo-3.1-fast", input={"prompt": "x"})


def test_parse_fault_spec_grammar() -> None:
    rules = parse_fault_spec(
        "replicate.predictions.create:429=5@0.2#3, aiml.video.poll:503@0.1,"
        "output:drop@0.05,*:slow=2@0.1,replicate.predictions.create[google/veo-3.1-fast]:fail"
    )
    assert [(r.route, r.kind) for r in rules] == [
        ("replicate.predictions.create", "429"),
        ("aiml.video.poll", "503"),
        ("output", "drop"),
        ("*", "slow"),
        ("replicate.predictions.create", "fail"),
    ]
    assert (rules[0].retry_after, rules[0].rate, rules[0].times) == (5.0, 0.2, 3)
    assert rules[3].delay_s == 2.0 and rules[3].retry_after is None
    assert rules[4].model == "google/veo-3.1-fast" and rules[4].rate == 1.0
    assert parse_fault_spec("") == []


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("replicate.predictions.create:teapot", "unknown fault kind 'teapot'"),
        ("replicat.predictions.create:429", "unknown route 'replicat.predictions.create'"),
        ("aiml.chat:429@1.5", "rate must be in (0, 1]"),
        ("aiml.chat:500=3", "only applies to 429/503"),
        ("aiml.chat", "expected ROUTE"),
        ("aiml.chat:429,,", "item 2"),
        ("aiml.chat:429#0", "times must be a positive integer"),
    ],
)
def test_parse_fault_spec_errors_are_readable(spec: str, needle: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_fault_spec(spec)
    assert needle in str(info.value)


def test_429_names_its_reset_in_the_body_with_or_without_the_header(sim: Simulator) -> None:
    sim.faults.add(
        FaultRule("replicate.predictions.create", "429", retry_after=2, header=False, times=1)
    )
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/prunaai/z-image-turbo/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": {"prompt": "x"}},
    )
    assert r.status_code == 429 and "retry-after" not in r.headers
    assert "Your rate limit resets in ~2s." in r.json()["detail"]


@pytest.mark.parametrize("charge", ["1e400", "-120000", "Infinity", '"lots"'])
def test_hostile_charge_reports_what_it_is_told_and_bills_as_usual(
    sim: Simulator, aiml: openai.OpenAI, charge: str
) -> None:
    sim.faults.add(FaultRule("aiml.images", "hostile_charge", charge=charge, times=1))
    raw = aiml.images.with_raw_response.generate(model="google/nano-banana-pro", prompt="x")
    assert f'"tokens_used": {charge}' in raw.http_response.text
    assert [b.usd for b in sim.bills()] == [0.1575]  # the real bill is unchanged


def test_hostile_charge_on_replicate_replaces_the_predict_time(
    sim: Simulator, rep: replicate.Client
) -> None:
    img = png_data_uri(64, 64)
    p = wait_prediction(
        rep.predictions.create(version=LAMA_VERSION, input={"image": img, "mask": img})
    )
    sim.faults.add(
        FaultRule("replicate.predictions.get", "hostile_charge", charge="Infinity", times=1)
    )
    raw = httpx.get(p.urls["get"], headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"})
    assert '"predict_time": Infinity' in raw.text
