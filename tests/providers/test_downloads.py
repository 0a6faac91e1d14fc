"""Downloads are checked before the library takes them: content type, size, the bytes
themselves (sniffed and fully decoded), and the difference between "expired" and "retry"."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import threading
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.providers.downloads import Downloader
from canvastoon_desktop.providers.errors import BadOutput, OutputsExpired, ProviderFailure
from canvastoon_desktop.providers.retry import RetryPolicy
from tests.providers.hosted_rig import RecordingJob


def png_bytes(width: int = 64, height: int = 96) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


def wav_bytes(seconds: float = 1.5, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x10\x00" * round(seconds * rate))
    return out.getvalue()


PNG = png_bytes()
WAV = wav_bytes()
#: path -> (status, content type, body, declared length or None)
ROUTES: dict[str, tuple[int, str, bytes, int | None]] = {
    "/ok.png": (200, "image/png", PNG, None),
    "/line.wav": (200, "audio/wav", WAV, None),
    "/generic": (200, "application/octet-stream", PNG, None),
    "/page": (200, "text/html", b"<html><body>Sign in</body></html>", None),
    "/garbage": (200, "application/octet-stream", b"\x00" * 200, None),
    "/truncated": (200, "image/png", PNG[: len(PNG) // 2], None),
    "/huge": (200, "image/png", b"", 60 * 1024 * 1024),
    "/gone": (404, "text/plain", b"Not Found", None),
    "/error": (500, "text/plain", b"oops", None),
    "/json": (200, "image/png", b'{"error": "nope"}', None),
}
hits: dict[str, int] = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        hits[self.path] = hits.get(self.path, 0) + 1
        status, ctype, body, declared = ROUTES[self.path]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(declared if declared is not None else len(body)))
        self.end_headers()
        if declared is None:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str, job: RecordingJob, kind: AssetKind = AssetKind.IMAGE):
    # the test server stands for a CDN: trusted the way a simulator on loopback is
    downloader = Downloader(RetryPolicy(attempts=3, base_s=0.01, cap_s=0.02), trusted_origins=[url])

    async def go():
        try:
            return await downloader.fetch(url, job, kind, service="Replicate")
        finally:
            await downloader.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("path", ["/ok.png", "/generic"])
def test_a_good_image_is_stored_by_its_hash(server: str, job: RecordingJob, path: str) -> None:
    got = fetch(server + path, job)
    assert got.asset.sha256 == hashlib.sha256(PNG).hexdigest()
    assert got.asset.mime == "image/png" and (got.width, got.height) == (64, 96)
    assert got.asset.path.read_bytes() == PNG
    assert not list((job.library.root / "tmp").iterdir())  # no scratch files left behind


def test_a_data_uri_output_is_stored_too(job: RecordingJob) -> None:
    got = fetch("data:image/png;base64," + base64.b64encode(PNG).decode(), job)
    assert got.asset.sha256 == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/page", "sent text/html instead of the image"),
        ("/garbage", "was to send an image but sent"),
        ("/json", "JSON text"),
        ("/truncated", "truncated"),
        ("/huge", "larger than the 50 MB allowed"),
    ],
)
def test_what_is_not_the_image_asked_for_is_refused(
    server: str, job: RecordingJob, path: str, words: str
) -> None:
    with pytest.raises(BadOutput) as info:
        fetch(server + path, job)
    assert words in str(info.value)
    assert not list((job.library.root / "tmp").iterdir())


def test_a_sound_is_decoded_whole_and_stored_with_its_length(
    server: str, job: RecordingJob
) -> None:
    got = fetch(server + "/line.wav", job, AssetKind.AUDIO)
    assert got.asset.kind is AssetKind.AUDIO and got.asset.mime == "audio/wav"
    assert got.duration_s == pytest.approx(1.5, abs=0.01) == got.asset.duration_s
    with pytest.raises(BadOutput, match="was to send a sound but sent a PNG image"):
        fetch(server + "/generic", job, AssetKind.AUDIO)
    assert not list((job.library.root / "tmp").iterdir())


def test_an_image_is_not_accepted_as_a_video(server: str, job: RecordingJob) -> None:
    with pytest.raises(BadOutput) as info:
        fetch(server + "/generic", job, AssetKind.VIDEO)
    assert "was to send a video but sent a PNG image" in str(info.value)


def test_a_404_means_expired_and_is_not_retried(server: str, job: RecordingJob) -> None:
    hits.clear()
    with pytest.raises(OutputsExpired) as info:
        fetch(server + "/gone", job)
    assert "expired before they could be downloaded" in str(info.value)
    assert hits["/gone"] == 1


def test_a_5xx_is_retried_then_reported(server: str, job: RecordingJob) -> None:
    hits.clear()
    with pytest.raises(ProviderFailure) as info:
        fetch(server + "/error", job)
    assert hits["/error"] == 3 and "(500)" in str(info.value)
