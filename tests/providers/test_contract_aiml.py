"""AIML models through the real ``openai`` SDK and ``httpx``: what the provider receives, what
the library ends up holding, and what the run records as spent."""

from __future__ import annotations

import asyncio
import json

import pytest

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.simulator import Simulator
from tests.providers.hosted_rig import RecordingJob, Rig, decode_image, decode_video

CATALOG = default_catalog()
CREDITS = 10**9


def spent_usd(sim: Simulator) -> float:
    assert sim.aiml_credits is not None
    return (CREDITS - sim.aiml_credits) / 2_000_000


@pytest.fixture(autouse=True)
def _metered(sim: Simulator) -> None:
    sim.aiml_credits = CREDITS  # a balance, so the test knows what the provider charged


def test_chat_sends_system_and_user_messages_and_records_credits(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    idea = rig.text(g, "A rookie idol on a rainy rooftop")
    llm = rig.node(
        g,
        "prompt_llm",
        {"text": idea},
        model="gpt-4o",
        temperature=0.3,
        max_tokens=200,
        seed=42,
        preset="scenario_writer",
        instructions="Four shots.",
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[llm]
    body = sim.log.last("aiml.chat").body
    assert body["model"] == "gpt-4o"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Four shots." in body["messages"][0]["content"]
    assert "rainy rooftop" in body["messages"][1]["content"]
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.3, 200, 42)
    assert set(body) == {"model", "messages", "temperature", "max_tokens", "seed"}
    outcome = summary.nodes[llm]
    text = outcome.outputs["text"]
    assert text.kind is AssetKind.TEXT and rig.library.read_text(text).strip()
    assert outcome.cost_usd == pytest.approx(spent_usd(sim))
    assert [j["state"] for j in rig.jobs()] == ["done"]


def test_chat_with_a_json_schema_asks_for_strict_structured_output(
    sim: Simulator, rig: Rig
) -> None:
    schema = {
        "title": "Shot list",
        "type": "object",
        "additionalProperties": False,
        "required": ["shots"],
        "properties": {
            "shots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["index", "prompt"],
                    "properties": {"index": {"type": "integer"}, "prompt": {"type": "string"}},
                },
            }
        },
    }
    call = ModelCall(
        CATALOG["gpt-4o"],
        {"temperature": 0.2, "max_tokens": 800, "seed": None},
        prompt="Split into shots: rooftop, rain, dance",
        system="Be brief.",
        response_schema=schema,
    )
    job = RecordingJob(rig.library)
    output = asyncio.run(rig.adapters["aiml"].generate(call, job))
    body = sim.log.last("aiml.chat").body
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Shot_list", "schema": schema, "strict": True},
    }
    assert "seed" not in body
    asset = output.assets[0]
    assert asset.kind is AssetKind.JSON and asset.mime == "application/json"
    assert isinstance(json.loads(rig.library.read_text(asset))["shots"], list)
    assert output.cost_source == "provider_credits"
    assert output.cost_usd == pytest.approx(spent_usd(sim))
    assert [step for step, _ in job.journal] == ["creating"]


def test_nano_banana_pro_sends_only_documented_fields(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    node = rig.node(
        g,
        "image_gen",
        model="google/nano-banana-pro",
        prompt="idol on a neon rooftop",
        aspect_ratio="9:16",
        resolution="2K",
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    body = sim.log.last("aiml.images").body
    assert body == {
        "model": "google/nano-banana-pro",
        "prompt": "idol on a neon rooftop",
        "aspect_ratio": "9:16",
        "resolution": "2K",
        "num_images": 1,
    }
    asset = summary.nodes[node].outputs["image"]
    picture = decode_image(asset.path)
    assert picture.format == "PNG"
    assert picture.width / picture.height == pytest.approx(9 / 16, abs=0.01)
    assert (asset.width, asset.height) == picture.size  # measured: AIML sends null sizes
    # the charge AIML reports as tokens_used: 315,000 credits for a 2K (as a 1K) image
    assert summary.nodes[node].cost_usd == pytest.approx(spent_usd(sim)) == pytest.approx(0.1575)


def test_several_images_come_back_as_a_list(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    node = rig.node(
        g, "image_gen", model="google/nano-banana-pro", prompt="two poses", num_images=2
    )
    summary, _ = rig.run(g)
    images = summary.nodes[node].outputs["image"]
    assert len(images) == 2 and all(a.path.is_file() for a in images.items)
    assert sim.log.last("aiml.images").body["num_images"] == 2


def test_edit_model_gets_the_references_as_data_uris(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    refs = [rig.picture(g, 320, 480, seed=s) for s in (1, 2, 3)]
    node = rig.node(g, "image_gen", {"references": refs}, prompt="same girl, new outfit")
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    assert summary.nodes[node].model == "google/gemini-3-pro-image-edit"
    body = sim.log.last("aiml.images").body
    assert body["model"] == "google/gemini-3-pro-image-edit"
    assert len(body["image_urls"]) == 3
    assert all(u.startswith("data:image/png;base64,") for u in body["image_urls"])
    assert "size" not in body and "n" not in body and "response_format" not in body
    picture = decode_image(summary.nodes[node].outputs["image"].path)
    assert picture.width / picture.height == pytest.approx(9 / 16, abs=0.01)


def test_hailuo_video_is_created_journaled_polled_and_downloaded(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    frame = rig.picture(g, 400, 720)
    node = rig.node(
        g,
        "video",
        {"image": frame},
        model="minimax/hailuo-2.3-fast",
        prompt="she spins, camera orbits",
        duration=6,
        resolution="768P",
        enhance_prompt=False,
    )
    summary, events = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    body = sim.log.last("aiml.video.create").body
    assert body["model"] == "minimax/hailuo-2.3-fast"
    assert body["prompt"] == "she spins, camera orbits. No on-screen text."
    assert body["image_url"].startswith("data:image/png;base64,")
    assert (body["duration"], body["resolution"], body["enhance_prompt"]) == (6, "768P", False)
    assert "aspect_ratio" not in body
    (generation_id,) = sim.video_jobs
    assert sim.log.count("aiml.video.poll") >= 1
    assert all(
        e.path.endswith(f"generation_id={generation_id}")
        for e in sim.log.entries("aiml.video.poll")
    )
    video = summary.nodes[node].outputs["video"]
    probed = decode_video(video.path)
    assert probed["duration"] == pytest.approx(6, abs=0.2)
    assert probed["width"] / probed["height"] == pytest.approx(400 / 720, abs=0.02)
    assert video.duration_s == pytest.approx(probed["duration"], abs=0.2)
    # the charge is read from the create answer (the poll has none) and journaled with it
    assert summary.nodes[node].cost_usd == pytest.approx(spent_usd(sim)) == 0.1995
    assert rig.jobs() == [
        {
            "state": "done",
            "job_id": generation_id,
            "model": "minimax/hailuo-2.3-fast",
            "info": {
                "route": "/v2/video/generations",
                "reported_credits": 399_000,
                "reported": "meta.usage.credits_used=399000",
                # what it delivered, for a run waiting on the same request to adopt
                "delivered": {
                    "assets": [video.sha256],
                    "cost_usd": pytest.approx(spent_usd(sim)),
                    "cost_source": "provider_credits",
                    "job_id": generation_id,
                },
            },
        }
    ]
    statuses = [e.status for e in events if type(e).__name__ == "NodeProgress"]
    assert statuses[0] == "queued" and statuses[-1] == "completed"


def test_the_first_frame_is_sent_as_png_even_when_it_is_webp(
    rig: Rig, sim: Simulator, tmp_path
) -> None:
    from PIL import Image

    path = tmp_path / "frame.webp"
    Image.new("RGB", (400, 720), (10, 120, 200)).save(path, "WEBP")
    library = Library(tmp_path / "lib2")
    asset = library.put_file(path, AssetKind.IMAGE, "image/webp", width=400, height=720)
    call = ModelCall(
        CATALOG["minimax/hailuo-2.3-fast"],
        {"duration": 6, "resolution": "768P", "enhance_prompt": True},
        prompt="wind",
        files={"image": (asset,)},
    )
    output = asyncio.run(rig.adapters["aiml"].generate(call, RecordingJob(library)))
    assert sim.log.last("aiml.video.create").body["image_url"].startswith("data:image/png")
    assert output.assets[0].kind is AssetKind.VIDEO
    library.close()
