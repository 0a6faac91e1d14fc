"""Replicate models through the real ``replicate`` client: what the provider receives, what
the library ends up holding, and what the run records as spent."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from canvastoon_desktop.simulator import LAMA_VERSION, Simulator
from tests.providers.hosted_rig import Rig, decode_image, decode_video
from tests.simulator.simhelpers import ShiftedClock


def created(sim: Simulator, model: str) -> dict:
    (entry,) = sim.log.entries("replicate.predictions.create", model=model)
    assert entry.status == 201
    return entry.body


def prediction_of(sim: Simulator, model: str):
    """The one prediction of ``model``; it sent nothing the model's published schema lacks
    (the simulator ignores an unknown input, as Cog does, and says so in the logs)."""
    (job,) = [j for j in sim.predictions.values() if j.model == model]
    assert not [line for line in job.logs_prefix if "unknown input" in line]
    return job


def billed(sim: Simulator, job_id: str) -> float:
    """What the simulated Replicate billed for one prediction."""
    (usd,) = [b.usd for b in sim.bills() if b.job_id == job_id]
    return usd


def test_z_image_turbo_runs_by_model_name_and_is_billed_per_image(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    node = rig.node(
        g,
        "image_gen",
        model="prunaai/z-image-turbo",
        prompt="storyboard sketch",
        width=720,
        height=1280,
        num_inference_steps=6,
        seed=5,
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    body = created(sim, "prunaai/z-image-turbo")
    assert (
        sim.log.last("replicate.predictions.create").path
        == "/v1/models/prunaai/z-image-turbo/predictions"
    )
    assert body == {
        "input": {
            "prompt": "storyboard sketch",
            "width": 720,
            "height": 1280,
            "num_inference_steps": 6,
            "guidance_scale": 0.0,
            "output_format": "png",
            "output_quality": 90,
            "seed": 5,
        }
    }
    picture = decode_image(summary.nodes[node].outputs["image"].path)
    assert picture.format == "PNG"
    assert picture.width / picture.height == pytest.approx(720 / 1280, abs=0.02)
    job = prediction_of(sim, "prunaai/z-image-turbo")
    # an official model: per output image by its megapixels, not by GPU time (0.92 MP)
    assert summary.nodes[node].cost_usd == billed(sim, job.id) == 0.005
    (row,) = rig.jobs()
    assert row["state"] == "done" and row["job_id"] == job.id


def test_lama_runs_by_version_with_the_mask_scaled_to_the_image(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    image = rig.picture(g, 384, 680, seed=3)
    mask = rig.picture(g, 720, 1280, mode="L")  # the example's mask is bigger than the image
    node = rig.node(g, "inpaint", {"image": image, "mask": mask}, model="allenhooo/lama")
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    assert sim.log.last("replicate.predictions.create").path == "/v1/predictions"
    body = created(sim, "allenhooo/lama")
    assert body["version"] == LAMA_VERSION
    assert set(body["input"]) == {"image", "mask"}
    job = prediction_of(sim, "allenhooo/lama")
    sent_mask = Image.open(io.BytesIO(base64.b64decode(job.input["mask"].split(",", 1)[1])))
    assert sent_mask.size == (384, 680)
    assert set(np.unique(np.asarray(sent_mask.convert("L")))) <= {
        0,
        255,
    }  # nearest: still black and white
    result = decode_image(summary.nodes[node].outputs["image"].path)
    assert result.size == (384, 680)
    # a community model: its metrics.predict_time on its hardware
    assert summary.nodes[node].cost_usd == pytest.approx(billed(sim, job.id), abs=1e-9)


@pytest.mark.slow
def test_seedance_video_with_a_first_frame(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    frame = rig.picture(g, 400, 720)
    node = rig.node(
        g,
        "video",
        {"image": frame},
        model="bytedance/seedance-1-pro-fast",
        prompt="she dances",
        duration=4,
        resolution="480p",
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    body = created(sim, "bytedance/seedance-1-pro-fast")["input"]
    assert body["image"].startswith("data:image/png;base64,")
    assert {k: v for k, v in body.items() if k != "image"} == {
        "prompt": "she dances. No on-screen text.",  # captions come from the script
        "duration": 4,
        "resolution": "480p",
        "aspect_ratio": "9:16",
        "fps": 24,
        "camera_fixed": False,
    }
    probed = decode_video(summary.nodes[node].outputs["video"].path)
    assert probed["duration"] == pytest.approx(4, abs=0.2)
    assert probed["width"] / probed["height"] == pytest.approx(400 / 720, abs=0.02)
    job = prediction_of(sim, "bytedance/seedance-1-pro-fast")
    # per second of output at its resolution: 4 s at 480p
    assert summary.nodes[node].cost_usd == pytest.approx(billed(sim, job.id)) == 0.06


@pytest.mark.slow
def test_veo_video_with_first_and_last_frames(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    first, last = rig.picture(g, 400, 720, seed=1), rig.picture(g, 400, 720, seed=9)
    node = rig.node(
        g,
        "video",
        {"image": first, "last_frame": last},
        model="google/veo-3.1-fast",
        prompt="slow push-in",
        negative_prompt="",
        generate_audio=False,
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    body = created(sim, "google/veo-3.1-fast")["input"]
    assert body["image"].startswith("data:image/png") and body["last_frame"].startswith("data:")
    assert body["image"] != body["last_frame"]
    assert {k: v for k, v in body.items() if k not in ("image", "last_frame")} == {
        "prompt": "slow push-in. No on-screen text.",
        "duration": 8,
        "aspect_ratio": "9:16",
        "resolution": "720p",
        "generate_audio": False,
    }  # an empty negative prompt and an unset seed are left out
    probed = decode_video(summary.nodes[node].outputs["video"].path)
    assert probed["duration"] == pytest.approx(8, abs=0.2)
    job = prediction_of(sim, "google/veo-3.1-fast")
    # per second of output, without audio: 8 s at $0.10
    assert summary.nodes[node].cost_usd == pytest.approx(billed(sim, job.id)) == 0.8


@pytest.mark.slow
def test_a_large_input_is_uploaded_and_passed_by_url(rig: Rig, sim: Simulator) -> None:
    g = rig.graph()
    noise = rig.images / "noise.png"
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (900, 500, 3), dtype=np.uint8)).save(noise)
    assert noise.stat().st_size > 256 * 1024
    frame = g.create_node("load_image", params={"path": str(noise)}).id
    node = rig.node(
        g,
        "video",
        {"image": frame},
        model="bytedance/seedance-1-pro-fast",
        prompt="big frame",
        duration=2,
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[node]
    upload = sim.log.last("replicate.files.create")
    assert upload is not None and upload.body["size"] == noise.stat().st_size
    sent = created(sim, "bytedance/seedance-1-pro-fast")["input"]["image"]
    assert sent == f"{sim.root_url}/v1/files/{upload.job_id}"


@pytest.mark.slow
def test_progress_is_reported_queued_then_running(
    rig: Rig, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the provider's clock moves on only once the node has reported each stage, so no poll
    # can miss one however slowly the machine runs
    clock = ShiftedClock(monkeypatch)
    sim.set_latency("bytedance/seedance-1-pro-fast", queue_s=30, run_s=60)
    g = rig.graph()
    node = rig.video(g, "bytedance/seedance-1-pro-fast", prompt="walk", duration=2)
    stages = {"starting": 31.0, "processing": 91.0}  # past the queue, then past the run

    def move_on(event: object) -> None:
        past = stages.get(getattr(event, "status", ""), 0.0)
        if type(event).__name__ == "NodeProgress" and clock.offset < past:
            clock.advance(past - clock.offset)

    summary, events = rig.run(g, on_event=move_on)
    assert summary.status == "done"
    progress = [(e.status, e.fraction) for e in events if type(e).__name__ == "NodeProgress"]
    statuses = [s for s, _ in progress]
    assert statuses[0] == "starting" and "processing" in statuses
    assert statuses[-1] == "succeeded"
    fractions = [f for s, f in progress if s == "processing" and f is not None]
    assert fractions and fractions == sorted(fractions)
    done = next(e for e in events if type(e).__name__ == "NodeDone" and e.node_id == node)
    assert done.queue_s is not None and done.queue_s > 0  # the wait is reported apart
    assert done.run_s is not None and done.run_s > 0
