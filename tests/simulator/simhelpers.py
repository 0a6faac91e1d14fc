"""Helpers for the simulator tests: test inputs and decoders for what it serves."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import av
import httpx
import replicate
from PIL import Image

AIML_KEY = "sk-test-aiml-5f0c2e"
REPLICATE_TOKEN = "r8_test_token_8d41b7"


def png_data_uri(width: int, height: int, colour: tuple[int, int, int] = (200, 80, 40)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def image_bytes(img: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def open_image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def probe_mp4(data: bytes) -> dict[str, Any]:
    """Decode every frame: codec, size, frame count and duration in seconds."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        rate = float(stream.average_rate)
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "width": stream.width,
            "height": stream.height,
            "frames": len(frames),
            "fps": rate,
            "duration": len(frames) / rate,
            "first": frames[0],
        }


@contextmanager
def replicate_client(base_url: str, token: str = REPLICATE_TOKEN) -> Iterator[replicate.Client]:
    """A Replicate client whose connections are closed afterwards (it has no ``close``)."""
    client = replicate.Client(api_token=token, base_url=base_url)
    try:
        yield client
    finally:
        client._client.close()


class ShiftedClock:
    """The wall clock the simulator reads (``time.time``), moved forward by the test: jobs
    finish and output URLs expire without the test sleeping through them."""

    def __init__(self, monkeypatch: Any) -> None:
        self._real = time.time
        self.offset = 0.0
        monkeypatch.setattr(time, "time", self.now)

    def now(self) -> float:
        return self._real() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def soak(sim: Any, creates: int, concurrent_polls: int) -> list[str]:
    """``creates`` predictions at once, then ``concurrent_polls`` of them polled together
    until they end; the statuses they ended in."""
    headers = {"Authorization": f"Bearer {REPLICATE_TOKEN}"}
    limits = httpx.Limits(max_connections=100)
    model = "prunaai/z-image-turbo"
    async with httpx.AsyncClient(
        base_url=sim.replicate_base_url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def create(i: int) -> str:
            r = await client.post(
                f"/v1/models/{model}/predictions", json={"input": {"prompt": f"p{i % 7}"}}
            )
            assert r.status_code == 201
            return str(r.json()["id"])

        ids = await asyncio.gather(*(create(i) for i in range(creates)))

        async def poll(pid: str) -> str:
            while True:
                r = await client.get(f"/v1/predictions/{pid}")
                status = str(r.json()["status"])
                if status in ("succeeded", "failed", "canceled"):
                    return status
                await asyncio.sleep(0.2)

        return await asyncio.gather(*(poll(pid) for pid in ids[:concurrent_polls]))


def wait_prediction(prediction: Any, timeout: float = 15.0) -> Any:
    """Reload a replicate Prediction until it reaches a terminal state."""
    deadline = time.monotonic() + timeout
    while prediction.status not in ("succeeded", "failed", "canceled"):
        assert time.monotonic() < deadline, f"prediction stuck in {prediction.status}"
        time.sleep(0.05)
        prediction.reload()
    return prediction


def poll_video(
    http: httpx.Client, gid: str, timeout: float = 15.0
) -> tuple[dict[str, Any], list[str]]:
    """Poll an AIML video job until done; returns the final body and the statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        r = http.get("/v2/video/generations", params={"generation_id": gid})
        assert r.status_code == 200, r.text
        body = r.json()
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["status"] in ("completed", "error"):
            return body, seen
        assert time.monotonic() < deadline, f"video stuck in {body['status']}"
        time.sleep(0.05)
