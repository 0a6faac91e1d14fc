"""Replicate predictions, files, models and versions through the real replicate client."""

from __future__ import annotations

import base64
import io
import time

import httpx
import numpy as np
import pytest
import replicate
from PIL import Image, ImageDraw
from replicate.exceptions import ReplicateError

from canvastoon_desktop.simulator import LAMA_VERSION, Simulator, SimulatorConfig
from tests.simulator.simhelpers import (
    REPLICATE_TOKEN,
    ShiftedClock,
    image_bytes,
    open_image,
    png_data_uri,
    probe_mp4,
    replicate_client,
    wait_prediction,
)


def _striped_image() -> Image.Image:
    img = Image.new("RGB", (320, 480), (30, 90, 200))
    draw = ImageDraw.Draw(img)
    for y in range(0, 480, 40):
        draw.rectangle((0, y, 320, y + 19), fill=(240, 200, 40))
    return img


def _mask() -> Image.Image:
    mask = Image.new("L", (320, 480), 0)
    ImageDraw.Draw(mask).rectangle((100, 150, 220, 330), fill=255)
    return mask


def test_official_model_prediction_runs_to_one_image(rep: replicate.Client, sim: Simulator) -> None:
    p = rep.predictions.create(
        model="prunaai/z-image-turbo",
        input={
            "prompt": "storyboard: idol at a bus stop",
            "width": 720,
            "height": 1280,
            "output_format": "png",
        },
    )
    assert p.status == "starting"
    assert p.model == "prunaai/z-image-turbo" and p.version == "hidden"
    assert p.urls["get"].endswith(f"/v1/predictions/{p.id}")
    wait_prediction(p)
    assert p.status == "succeeded"
    assert isinstance(p.output, str)  # its published Output: one file URI
    assert p.started_at and p.completed_at and p.error is None
    assert p.metrics["predict_time"] == pytest.approx(0.05, abs=0.01)  # run_s, short × 0.5
    img = open_image(httpx.get(p.output).content)
    assert img.format == "PNG"
    assert abs(img.width / img.height - 720 / 1280) < 0.02
    # an official model bills per output image, by its megapixels (0.92 MP: $0.005)
    (bill,) = sim.bills()
    assert (bill.model, bill.usd, bill.job_id) == ("prunaai/z-image-turbo", 0.005, p.id)


def test_default_output_is_jpeg(rep: replicate.Client) -> None:
    p = wait_prediction(
        rep.predictions.create(model="prunaai/z-image-turbo", input={"prompt": "x"})
    )
    r = httpx.get(p.output)
    assert r.headers["content-type"] == "image/jpeg"
    assert open_image(r.content).format == "JPEG"


def test_community_model_by_version_inpaints_the_masked_area(rep: replicate.Client) -> None:
    src, mask = _striped_image(), _mask()
    p = rep.predictions.create(
        version=LAMA_VERSION,
        input={
            "image": "data:image/png;base64," + base64.b64encode(image_bytes(src)).decode(),
            "mask": "data:image/png;base64," + base64.b64encode(image_bytes(mask)).decode(),
        },
    )
    assert p.model == "allenhooo/lama" and p.version == LAMA_VERSION
    wait_prediction(p)
    assert isinstance(p.output, str)
    out = np.asarray(open_image(httpx.get(p.output).content).convert("RGB")).astype(int)
    before = np.asarray(src).astype(int)
    assert out.shape == before.shape
    inside = np.abs(out[160:320, 110:210] - before[160:320, 110:210]).mean()
    outside = np.abs(out[:100] - before[:100]).mean()
    assert inside > 10 and outside < 3  # changed where masked, untouched elsewhere


def test_run_with_files_uploads_them_and_calls_versions_get(
    rep: replicate.Client, sim: Simulator, tmp_path
) -> None:
    (tmp_path / "img.png").write_bytes(image_bytes(_striped_image()))
    (tmp_path / "mask.png").write_bytes(image_bytes(_mask()))
    with open(tmp_path / "img.png", "rb") as img, open(tmp_path / "mask.png", "rb") as mask:
        out = rep.run(f"allenhooo/lama:{LAMA_VERSION}", input={"image": img, "mask": mask})
    assert isinstance(out, str) and out.startswith(sim.replicate_base_url)  # http: plain string
    assert open_image(httpx.get(out).content).size == (320, 480)
    assert sim.log.count("replicate.files.create") == 2
    assert sim.log.count("replicate.versions.get", model="allenhooo/lama") == 1
    create = sim.log.last("replicate.predictions.create")
    assert create.model == "allenhooo/lama"
    assert create.body["input"]["image"].endswith(
        f"/v1/files/{create.body['input']['image'].split('/')[-1]}"
    )


def test_files_api(rep: replicate.Client, sim: Simulator) -> None:
    data = image_bytes(_striped_image())
    f = rep.files.create(io.BytesIO(data), filename="frame.png", metadata={"shot": 3})
    assert f.size == len(data) and f.content_type == "image/png" and f.name == "frame.png"
    assert f.metadata == {"shot": 3} and len(f.checksums["sha256"]) == 64
    assert f.urls["get"] == f"{sim.replicate_base_url}/v1/files/{f.id}"
    assert rep.files.get(f.id).id == f.id
    raw = httpx.get(
        f"{sim.replicate_base_url}/v1/files/{f.id}/download",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
    )
    assert raw.content == data
    with pytest.raises(ReplicateError) as info:
        rep.files.get("doesnotexist")
    assert info.value.status == 404


@pytest.mark.slow
def test_video_models_produce_mp4_of_the_requested_shape(rep: replicate.Client) -> None:
    veo = rep.predictions.create(
        model="google/veo-3.1-fast",
        input={"prompt": "cinematic chase", "aspect_ratio": "9:16", "duration": 4},
    )
    seed = rep.predictions.create(
        model="bytedance/seedance-1-pro-fast",
        input={
            "prompt": "dance",
            "image": png_data_uri(640, 480),
            "duration": 3,
            "aspect_ratio": "9:16",
        },
    )
    veo_info = probe_mp4(httpx.get(wait_prediction(veo).output).content)
    assert veo_info["duration"] == pytest.approx(4.0, abs=0.01)
    assert veo_info["height"] > veo_info["width"]
    seed_info = probe_mp4(httpx.get(wait_prediction(seed).output).content)
    assert seed_info["duration"] == pytest.approx(3.0, abs=0.01)
    assert seed_info["width"] > seed_info["height"]  # the image's 4:3 wins over aspect_ratio


def test_hailuo_on_replicate_needs_a_first_frame_and_768p_for_10s(rep: replicate.Client) -> None:
    with pytest.raises(ReplicateError) as info:
        rep.predictions.create(model="minimax/hailuo-2.3-fast", input={"prompt": "x"})
    assert info.value.status == 422 and "first_frame_image" in info.value.detail
    with pytest.raises(ReplicateError) as info:
        rep.predictions.create(
            model="minimax/hailuo-2.3-fast",
            input={
                "prompt": "x",
                "first_frame_image": png_data_uri(400, 400),
                "duration": 10,
                "resolution": "1080p",
            },
        )
    assert "768p" in info.value.detail
    ok = rep.predictions.create(
        model="minimax/hailuo-2.3-fast",
        input={"prompt": "x", "first_frame_image": png_data_uri(400, 400), "duration": 6},
    )
    assert probe_mp4(httpx.get(wait_prediction(ok).output).content)["duration"] == pytest.approx(
        6.0
    )


def test_invalid_input_is_422_with_invalid_fields(sim: Simulator) -> None:
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/prunaai/z-image-turbo/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": {"prompt": "x", "width": 4000, "output_format": "gif"}},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["title"] and body["type"]
    fields = {f["field"] for f in body["invalid_fields"]}
    assert fields == {"input.width", "input.output_format"}
    assert len(sim.predictions) == 0


def test_unknown_input_keys_are_ignored_with_a_warning(rep: replicate.Client) -> None:
    p = rep.predictions.create(
        model="bytedance/seedance-1-pro-fast",
        input={"prompt": "x", "source_image": png_data_uri(64, 64), "duration": 2},
    )
    wait_prediction(p)
    assert p.status == "succeeded"
    assert "unknown input 'source_image' ignored" in p.logs


def test_unknown_top_level_field_is_422(sim: Simulator) -> None:
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/prunaai/z-image-turbo/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": {"prompt": "x"}, "version": "whatever"},
    )
    assert r.status_code == 422 and "version" in r.json()["detail"]


def test_large_data_uri_is_rejected(rep: replicate.Client) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (700, 700, 3), dtype=np.uint8)
    big = "data:image/png;base64," + base64.b64encode(image_bytes(Image.fromarray(noise))).decode()
    with pytest.raises(ReplicateError) as info:
        rep.predictions.create(version=LAMA_VERSION, input={"image": big, "mask": big})
    assert info.value.status == 422 and "1 MB" in info.value.detail


def test_undecodable_file_input_fails_the_prediction(rep: replicate.Client) -> None:
    junk = "data:image/png;base64," + base64.b64encode(b"definitely not a png").decode()
    p = wait_prediction(
        rep.predictions.create(version=LAMA_VERSION, input={"image": junk, "mask": junk})
    )
    assert p.status == "failed"
    assert "input 'image'" in p.error and p.output is None


@pytest.mark.parametrize(
    "version",
    ["0" * 64, "prunaai/z-image-turbo:" + "1" * 64, "allenhooo/lama"],
)
def test_unknown_or_incomplete_versions_are_422(rep: replicate.Client, version: str) -> None:
    with pytest.raises(ReplicateError) as info:
        rep.predictions.create(version=version, input={"prompt": "x"})
    assert info.value.status == 422


def test_official_model_by_name_through_v1_predictions(sim: Simulator) -> None:
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/predictions",
        headers={"Authorization": f"Token {REPLICATE_TOKEN}"},  # the old scheme works too
        json={"version": "google/veo-3.1-fast", "input": {"prompt": "x"}},
    )
    assert r.status_code == 201
    assert r.json()["model"] == "google/veo-3.1-fast"
    assert sim.log.last("replicate.predictions.create").model == "google/veo-3.1-fast"


def test_official_route_rejects_community_models(sim: Simulator) -> None:
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/allenhooo/lama/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": {}},
    )
    assert r.status_code == 404


def test_prefer_wait_returns_the_finished_prediction(rep: replicate.Client, sim: Simulator) -> None:
    # client trap: predictions.create(model=..., wait=N) drops ``wait``; models.predictions keeps it
    p = rep.models.predictions.create(model="prunaai/z-image-turbo", input={"prompt": "x"}, wait=5)
    assert p.status == "succeeded" and p.output
    assert sim.log.count("replicate.predictions.get") == 0


def test_prefer_wait_times_out_into_a_running_prediction(
    rep: replicate.Client, sim: Simulator
) -> None:
    sim.set_latency("google/veo-3.1-fast", queue_s=0.0, run_s=30)
    started = time.monotonic()
    # sent with the client's own connection but a read timeout of our own: the client allows
    # only half a second past the wait (replicate.prediction._create_prediction_timeout),
    # which a loaded machine can overrun; what is checked here is the simulator's hold
    r = rep._client.post(
        "/v1/models/google/veo-3.1-fast/predictions",
        json={"input": {"prompt": "x"}},
        headers={"Prefer": "wait=1"},
        timeout=30,
    )
    assert time.monotonic() - started >= 0.9  # it was held (a lower bound: load cannot fail it)
    p = r.json()
    assert r.status_code == 201, p
    assert p["status"] == "processing" and p["output"] is None  # answered before the run ended


def test_cancel_running_and_finished_predictions(rep: replicate.Client, sim: Simulator) -> None:
    sim.set_latency("google/veo-3.1-fast", run_s=30)
    p = rep.predictions.create(model="google/veo-3.1-fast", input={"prompt": "x"})
    assert [j.id for j in sim.running_jobs()] == [p.id]
    canceled = rep.predictions.cancel(p.id)
    assert canceled.status == "canceled" and canceled.completed_at
    assert sim.running_jobs() == []
    assert rep.predictions.get(p.id).status == "canceled"
    done = wait_prediction(
        rep.predictions.create(model="prunaai/z-image-turbo", input={"prompt": "x"})
    )
    again = rep.predictions.cancel(done.id)
    assert again.status == "succeeded" and again.output == done.output


@pytest.mark.slow
def test_list_is_newest_first_with_input_model_and_pages(
    rep: replicate.Client, sim: Simulator
) -> None:
    ids = [
        rep.predictions.create(model="prunaai/z-image-turbo", input={"prompt": f"n{i}"}).id
        for i in range(105)
    ]
    page = rep.predictions.list()
    assert [p.id for p in page.results] == ids[::-1][:100]
    assert page.results[0].input == {"prompt": "n104"}
    assert page.results[0].model == "prunaai/z-image-turbo" and page.results[0].created_at
    assert page.next is not None
    rest = rep.predictions.list(page.next)
    assert [p.id for p in rest.results] == ids[::-1][100:] and rest.next is None


def test_models_and_versions(rep: replicate.Client) -> None:
    lama = rep.models.get("allenhooo/lama")
    assert lama.latest_version.id == LAMA_VERSION
    assert (
        "mask" in lama.latest_version.openapi_schema["components"]["schemas"]["Input"]["properties"]
    )
    veo = rep.models.get("google/veo-3.1-fast")
    assert veo.owner == "google" and veo.name == "veo-3.1-fast"
    assert lama.versions.get(LAMA_VERSION).cog_version
    with pytest.raises(ReplicateError) as info:
        rep.models.get("nobody/nothing")
    assert info.value.status == 404


def test_outputs_expire_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ShiftedClock(monkeypatch)
    with (
        Simulator(SimulatorConfig(output_ttl_s=3600)) as sim,
        replicate_client(sim.replicate_base_url) as rep,
    ):
        p = wait_prediction(
            rep.predictions.create(model="prunaai/z-image-turbo", input={"prompt": "x"})
        )
        url = p.output
        assert httpx.get(url).status_code == 200
        clock.advance(3601)
        p.reload()
        assert p.status == "succeeded" and p.output is None and p.input == {}
        raw = httpx.get(p.urls["get"], headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"})
        assert raw.json()["data_removed"] is True
        assert httpx.get(url).status_code == 404


def test_bad_token_is_401_with_problem_details(sim: Simulator) -> None:
    locked = SimulatorConfig(replicate_tokens=frozenset({REPLICATE_TOKEN}))
    with Simulator(locked) as s, replicate_client(s.replicate_base_url, "r8_wrong") as bad:
        with pytest.raises(ReplicateError) as info:
            bad.predictions.create(model="prunaai/z-image-turbo", input={"prompt": "x"})
        assert info.value.status == 401 and info.value.title == "Unauthenticated"
        assert len(s.predictions) == 0
        assert s.log.last("replicate.predictions.create").auth_ok is False


@pytest.mark.slow
def test_official_videos_bill_per_second_by_resolution_and_audio(
    rep: replicate.Client, sim: Simulator
) -> None:
    seedance = wait_prediction(
        rep.predictions.create(
            model="bytedance/seedance-1-pro-fast",
            input={"prompt": "dance", "duration": 4, "resolution": "480p"},
        )
    )
    loud = wait_prediction(
        rep.predictions.create(
            model="google/veo-3.1-fast", input={"prompt": "chase", "duration": 6}
        )
    )
    quiet = wait_prediction(
        rep.predictions.create(
            model="google/veo-3.1-fast",
            input={"prompt": "chase", "duration": 6, "generate_audio": False},
        )
    )
    billed = {b.job_id: b.usd for b in sim.bills()}
    assert billed[seedance.id] == pytest.approx(4 * 0.015)
    assert billed[loud.id] == pytest.approx(6 * 0.15)
    assert billed[quiet.id] == pytest.approx(6 * 0.10)


def test_a_community_model_bills_its_predict_time_on_its_hardware(
    rep: replicate.Client, sim: Simulator
) -> None:
    img = "data:image/png;base64," + base64.b64encode(image_bytes(_striped_image())).decode()
    mask = "data:image/png;base64," + base64.b64encode(image_bytes(_mask())).decode()
    p = wait_prediction(
        rep.predictions.create(version=LAMA_VERSION, input={"image": img, "mask": mask})
    )
    (bill,) = sim.bills()
    assert bill.usd == pytest.approx(p.metrics["predict_time"] * 0.000575)


def test_a_cancelled_official_prediction_bills_nothing(
    rep: replicate.Client, sim: Simulator
) -> None:
    sim.set_latency("google/veo-3.1-fast", queue_s=0.0, run_s=5.0)
    p = rep.predictions.create(model="google/veo-3.1-fast", input={"prompt": "x"})
    rep.predictions.cancel(p.id)
    assert wait_prediction(p).status == "canceled"
    assert sim.bills() == []


@pytest.mark.slow
def test_the_input_comes_back_reserialised_with_files_as_delivery_urls(
    rep: replicate.Client,
) -> None:
    frame = png_data_uri(360, 640)
    p = wait_prediction(
        rep.predictions.create(
            model="prunaai/z-image-turbo",
            input={"prompt": "x", "guidance_scale": 0.0, "width": 360, "height": 640},
        )
    )
    assert p.input["guidance_scale"] == 0 and isinstance(p.input["guidance_scale"], int)
    q = wait_prediction(
        rep.predictions.create(
            model="bytedance/seedance-1-pro-fast", input={"prompt": "x", "image": frame}
        )
    )
    echoed = q.input["image"]
    assert echoed.startswith("http") and echoed != frame
    assert httpx.get(echoed).content == base64.b64decode(frame.split(",", 1)[1])


@pytest.mark.parametrize(
    ("model", "inputs", "field"),
    [
        ("google/veo-3.1-fast", {"prompt": "x", "duration": 5}, "input.duration"),
        ("google/veo-3.1-fast", {"prompt": "x", "resolution": "4k"}, "input.resolution"),
        ("bytedance/seedance-1-pro-fast", {"prompt": "x", "duration": 13}, "input.duration"),
        ("prunaai/z-image-turbo", {"prompt": "x", "width": 4096}, "input.width"),
    ],
)
def test_the_published_schemas_refuse_what_the_model_does_not_take(
    sim: Simulator, model: str, inputs: dict[str, object], field: str
) -> None:
    r = httpx.post(
        f"{sim.replicate_base_url}/v1/models/{model}/predictions",
        headers={"Authorization": f"Bearer {REPLICATE_TOKEN}"},
        json={"input": inputs},
    )
    assert r.status_code == 422
    assert field in {f["field"] for f in r.json()["invalid_fields"]}
