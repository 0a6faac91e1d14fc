"""AIML async video (hailuo-2.3-fast): create, poll, download — over plain httpx."""

from __future__ import annotations

import base64

import httpx
import pytest
from PIL import Image

from canvastoon_desktop.simulator import Simulator
from tests.simulator.simhelpers import image_bytes, png_data_uri, poll_video, probe_mp4

MODEL = "minimax/hailuo-2.3-fast"


def _create(http: httpx.Client, **body: object) -> httpx.Response:
    payload = {"model": MODEL, "prompt": "She turns and smiles", **body}
    payload.setdefault("image_url", png_data_uri(540, 960))
    return http.post("/v2/video/generations", json=payload)


@pytest.mark.slow
def test_create_poll_download_lifecycle(http: httpx.Client, sim: Simulator) -> None:
    sim.set_latency(MODEL, queue_s=0.5, run_s=0.5)
    r = _create(http, duration=6)
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["status"] == "queued"
    assert created["id"] == created["generation_id"]
    # AIML reports the charge in the create answer: its example, 399,000 credits for 6 s at
    # 768P (MiniMax's $0.19 plus 5%); the completed poll carries no meta
    assert created["meta"] == {"usage": {"credits_used": 399_000}}
    body, seen = poll_video(http, created["id"])
    assert seen == ["queued", "generating", "completed"]
    assert body["error"] is None and "meta" not in body
    video = httpx.get(body["video"]["url"])
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    info = probe_mp4(video.content)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["duration"] == pytest.approx(6.0, abs=0.01)
    assert info["height"] > info["width"]  # takes the portrait image's aspect
    assert abs(info["width"] / info["height"] - 540 / 960) < 0.02
    assert sim.running_jobs() == []


def test_1080p_is_refused_for_10_seconds_and_costs_more_for_6(http: httpx.Client) -> None:
    refused = _create(http, resolution="1080P", duration=10)
    assert refused.status_code == 400 and "1080P" in refused.json()["message"]
    made = _create(http, resolution="1080P", duration=6)
    assert made.json()["meta"]["usage"]["credits_used"] == round(0.33 * 1.05 * 2_000_000)
    longer = _create(http, resolution="768P", duration=10)
    assert longer.json()["meta"]["usage"]["credits_used"] == round(0.32 * 1.05 * 2_000_000)


def test_first_frame_comes_from_the_input_image(http: httpx.Client) -> None:
    r = _create(http, image_url=png_data_uri(600, 600, (220, 30, 30)), duration=10)
    body, _ = poll_video(http, r.json()["id"])
    info = probe_mp4(httpx.get(body["video"]["url"]).content)
    assert info["duration"] == pytest.approx(10.0, abs=0.01)
    r_, g_, b_ = info["first"][: info["height"] // 2].reshape(-1, 3).mean(axis=0)
    assert r_ > 180 and g_ < 70 and b_ < 70  # mostly the red input


def test_jpeg_image_url_from_our_own_output_works(http: httpx.Client, sim: Simulator) -> None:
    jpeg = image_bytes(Image.new("RGB", (720, 1280), (40, 40, 160)), "JPEG")
    uri = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    assert _create(http, image_url=uri).status_code == 200
    img = http.post(
        "/v1/images/generations",
        json={"model": "google/nano-banana-pro", "prompt": "first frame", "aspect_ratio": "9:16"},
    ).json()["data"][0]["url"]
    r = _create(http, image_url=img)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"image_url": png_data_uri(300, 600)}, "shorter side"),
        ({"image_url": png_data_uri(400, 1200)}, "aspect ratio"),
        ({"duration": 8}, "duration"),
        ({"resolution": "720P"}, "resolution"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"image_url": None}, "image_url"),
        ({"model": "minimax/hailuo-02"}, "model"),
    ],
)
def test_invalid_requests_are_400_with_the_field_named(
    http: httpx.Client, body: dict[str, object], needle: str
) -> None:
    r = _create(http, **body)
    assert r.status_code == 400
    err = r.json()
    assert err["statusCode"] == 400 and "error" not in err
    assert needle in err["message"]


def test_gif_first_frame_is_rejected(http: httpx.Client) -> None:
    gif = image_bytes(Image.new("RGB", (640, 640)), "GIF")
    r = _create(http, image_url="data:image/gif;base64," + base64.b64encode(gif).decode())
    assert r.status_code == 400
    assert "GIF" in r.json()["message"]


def test_aspect_ratio_field_is_ignored_not_rejected(http: httpx.Client) -> None:
    r = _create(http, aspect_ratio="16:9")
    assert r.status_code == 200


def test_poll_errors(http: httpx.Client) -> None:
    missing = http.get("/v2/video/generations")
    assert missing.status_code == 400 and "generation_id" in missing.json()["message"]
    unknown = http.get("/v2/video/generations", params={"generation_id": "nope"})
    assert unknown.status_code == 404
    assert unknown.json()["statusCode"] == 404


def test_video_requires_auth(sim: Simulator) -> None:
    r = httpx.post(f"{sim.aiml_root_url}/v2/video/generations", json={"model": MODEL})
    assert r.status_code == 401
    assert r.json()["statusCode"] == 401
    assert len(sim.video_jobs) == 0
