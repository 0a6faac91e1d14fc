"""Output URLs and provider answers are a stranger's word: a download has an overall
deadline, a byte cap and a few at a time; no URL or redirect leads to this machine or a
private network unless a provider itself is there; an answer over its size cap is refused
while it streams in."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import openai
import pytest

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.providers.capped import capped_transport
from canvastoon_desktop.providers.downloads import Downloader
from canvastoon_desktop.providers.errormap import openai_errors
from canvastoon_desktop.providers.errors import BadOutput, ProviderError, Timeout
from canvastoon_desktop.providers.retry import RetryPolicy
from tests.providers.hosted_rig import RecordingJob
from tests.providers.test_downloads import PNG

pytestmark = pytest.mark.timeout(60)

state = {"running": 0, "peak": 0, "served": 0}
lock = threading.Lock()
release = threading.Event()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/drip.png":  # a byte now and then: never a read timeout
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            for byte in PNG:
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
        elif self.path.startswith("/wide/"):  # counts how many are served at once
            with lock:
                state["running"] += 1
                state["peak"] = max(state["peak"], state["running"])
            release.wait(0.05)
            with lock:
                state["running"] -= 1
                state["served"] += 1
            self._send(PNG)
        elif self.path.startswith("/to/"):  # a redirect to wherever the path says
            self.send_response(302)
            self.send_header("Location", "http://" + self.path[len("/to/") :])
            self.end_headers()
        elif self.path == "/huge":  # no Content-Length: only counting stops it
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(200):  # 12.5 MB
                    self.wfile.write(chunk)
            except OSError:
                return
        else:
            self._send(PNG)

    def do_POST(self) -> None:  # an API create: the huge answer
        self.path = "/huge"
        self.do_GET()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve() -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="module")
def cdn() -> Iterator[str]:
    httpd, url = serve()
    yield url
    httpd.shutdown()
    httpd.server_close()


QUICK = RetryPolicy(attempts=2, base_s=0.01, cap_s=0.02)


def test_a_download_that_drips_ends_at_its_deadline(cdn: str, job: RecordingJob) -> None:
    downloader = Downloader(QUICK, trusted_origins=[cdn], deadlines_s={AssetKind.IMAGE: 1.0})
    with pytest.raises(Timeout, match="did not finish downloading within 1 s"):
        asyncio.run(downloader.fetch(f"{cdn}/drip.png", job, AssetKind.IMAGE, service="Replicate"))


@pytest.mark.slow
def test_hundreds_of_output_urls_are_fetched_a_few_at_a_time(cdn: str, job: RecordingJob) -> None:
    downloader = Downloader(QUICK, trusted_origins=[cdn])
    state.update(running=0, peak=0, served=0)

    async def many() -> list:
        return await asyncio.gather(
            *(
                downloader.fetch(f"{cdn}/wide/{i}.png", job, AssetKind.IMAGE, service="Replicate")
                for i in range(200)
            )
        )

    got = asyncio.run(many())
    assert len(got) == 200 and state["served"] == 200
    assert state["peak"] <= 4


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("LOOPBACK/ok.png", "this computer"),
        ("http://localhost:9/ok.png", "this computer"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.7/ok.png", "private network"),
        ("http://[::1]:9/ok.png", "this computer"),
        ("TRUSTED/to/127.0.0.1:9/secret.png", "this computer"),  # a redirect home
    ],
)
def test_urls_and_redirects_to_this_machine_or_a_private_network_are_not_fetched(
    cdn: str, job: RecordingJob, url: str, words: str
) -> None:
    other, other_url = serve()  # another loopback server: not a provider
    try:
        url = url.replace("LOOPBACK", other_url).replace("TRUSTED", cdn)
        downloader = Downloader(QUICK, trusted_origins=[cdn])
        with pytest.raises(BadOutput, match=words):
            asyncio.run(downloader.fetch(url, job, AssetKind.IMAGE, service="Replicate"))
    finally:
        other.shutdown()
        other.server_close()


def test_the_providers_own_loopback_address_is_fetched(cdn: str, job: RecordingJob) -> None:
    downloader = Downloader(QUICK, trusted_origins=[f"{cdn}/v1"])
    got = asyncio.run(downloader.fetch(f"{cdn}/ok.png", job, AssetKind.IMAGE, service="X"))
    assert got.asset.size == len(PNG)


def test_an_answer_over_its_cap_is_refused_while_it_streams(cdn: str) -> None:
    async def read_raw() -> None:
        transport = capped_transport(httpx, "Replicate", limit=2**20)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(f"{cdn}/huge")

    with pytest.raises(BadOutput, match="larger than 1 MB"):
        asyncio.run(read_raw())

    async def through_the_sdk() -> None:  # what the AIML adapter builds, with a small cap
        import httpx2

        client = openai.AsyncOpenAI(
            api_key="k",
            base_url=f"{cdn}/v1",
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(
                transport=capped_transport(httpx2, "AIML API", limit=2**20)
            ),
        )
        with openai_errors():
            await client.chat.completions.create(model="gpt-4o", messages=[])

    with pytest.raises(ProviderError) as err:
        asyncio.run(through_the_sdk())
    assert "Traceback" not in str(err.value)
