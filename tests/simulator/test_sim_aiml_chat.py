"""AIML chat completions through the real openai client."""

from __future__ import annotations

import json

import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

from canvastoon_desktop.simulator import Simulator, SimulatorConfig
from tests.simulator.simhelpers import AIML_KEY


class Shot(BaseModel):
    index: int
    title: str
    image_prompt: str
    camera: str
    duration_s: float = Field(ge=2, le=10)


class ShotList(BaseModel):
    title: str
    shots: list[Shot] = Field(min_length=3, max_length=8)


def test_plain_chat_answers_deterministically_from_the_prompt(aiml: openai.OpenAI) -> None:
    msgs = [
        {"role": "user", "content": "Write a short scenario in 4 shots about a rooftop concert"}
    ]
    first = aiml.chat.completions.create(model="gpt-4o", messages=msgs)
    again = aiml.chat.completions.create(model="gpt-4o", messages=msgs)
    other = aiml.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "A scenario about a subway busker"}]
    )
    text = first.choices[0].message.content
    assert first.object == "chat.completion"
    assert first.choices[0].message.role == "assistant"
    assert first.choices[0].finish_reason == "stop"
    assert [line[:2] for line in text.splitlines()[1:]] == ["1.", "2.", "3.", "4."]
    assert "rooftop" in text.lower()
    assert text == again.choices[0].message.content
    assert text != other.choices[0].message.content
    usage = first.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert first.model_extra["meta"]["usage"]["credits_used"] > 0


def test_json_schema_output_validates_and_follows_the_requested_count(aiml: openai.OpenAI) -> None:
    schema = ShotList.model_json_schema()  # has $defs / $ref like real callers send
    resp = aiml.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "You write shot lists for vertical shorts."},
            {"role": "user", "content": "Plan 6 shots: a trainee's first stage under neon rain"},
        ],
        response_format={"type": "json_schema", "json_schema": {"name": "shots", "schema": schema}},
    )
    value = json.loads(resp.choices[0].message.content)
    jsonschema.validate(value, schema)
    plan = ShotList.model_validate(value)
    assert len(plan.shots) == 6
    assert len({s.image_prompt for s in plan.shots}) == 6  # every shot has its own prompt
    assert [s.index for s in plan.shots] == [1, 2, 3, 4, 5, 6]


def test_sdk_parse_helper_gets_a_valid_model(aiml: openai.OpenAI) -> None:
    parsed = aiml.chat.completions.parse(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Three shots of a dance battle in a parking lot"}],
        response_format=ShotList,
    )
    plan = parsed.choices[0].message.parsed
    assert isinstance(plan, ShotList)
    assert len(plan.shots) == 3


def test_json_object_mode_returns_an_object(aiml: openai.OpenAI) -> None:
    resp = aiml.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Return JSON for a music video idea"}],
        response_format={"type": "json_object"},
    )
    value = json.loads(resp.choices[0].message.content)
    assert isinstance(value, dict) and value["title"] and value["shots"]


def test_streaming_yields_the_same_text_in_chunks(aiml: openai.OpenAI) -> None:
    msgs = [{"role": "user", "content": "Rewrite this prompt: a girl on a bridge at dusk"}]
    whole = aiml.chat.completions.create(model="gpt-4o", messages=msgs).choices[0].message.content
    chunks = list(aiml.chat.completions.create(model="gpt-4o", messages=msgs, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(chunks) > 3
    assert text == whole
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_max_tokens_truncates_with_finish_reason_length(aiml: openai.OpenAI) -> None:
    resp = aiml.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Write a scenario in 8 shots about a comeback"}],
        max_tokens=10,
    )
    assert resp.choices[0].finish_reason == "length"
    assert len(resp.choices[0].message.content) <= 40
    assert resp.usage.completion_tokens == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "gpt-5-imaginary", "messages": [{"role": "user", "content": "hi"}]}, "model"),
        (
            {"model": "gpt-4o", "messages": [{"role": "wizard", "content": "hi"}]},
            "messages[0].role",
        ),
        ({"model": "gpt-4o", "messages": []}, "messages"),
        (
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 7},
            "temperature",
        ),
    ],
)
def test_invalid_bodies_get_a_400_naming_the_field(
    aiml: openai.OpenAI, body: dict[str, object], field: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        aiml.chat.completions.create(**body)  # type: ignore[call-overload]
    err = info.value.body
    assert isinstance(err, dict) and "error" not in err
    assert err["statusCode"] == 400
    assert err["path"] == "/v1/chat/completions"
    assert err["message"].startswith(field)
    assert {"requestId", "timestamp"} <= set(err)


def test_missing_or_unknown_key_is_401(sim: Simulator) -> None:
    restricted = SimulatorConfig(aiml_keys=frozenset({AIML_KEY}))
    with (
        Simulator(restricted) as locked,
        openai.OpenAI(api_key=AIML_KEY, base_url=locked.aiml_base_url, max_retries=0) as ok,
        openai.OpenAI(api_key="sk-wrong", base_url=locked.aiml_base_url, max_retries=0) as bad,
    ):
        msgs = [{"role": "user", "content": "hi"}]
        assert ok.chat.completions.create(model="gpt-4o", messages=msgs).choices
        with pytest.raises(openai.AuthenticationError) as info:
            bad.chat.completions.create(model="gpt-4o", messages=msgs)
        assert info.value.body["statusCode"] == 401
        assert [e.auth_ok for e in locked.log.entries("aiml.chat")] == [True, False]
