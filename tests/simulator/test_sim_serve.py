"""The blocking ``serve()`` entry point used by ``canvastoon simulate-server``."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest

from canvastoon_desktop.simulator import serve
from canvastoon_desktop.simulator.__main__ import main


def test_serve_prints_urls_and_env_then_stops_on_the_event() -> None:
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        kwargs={
            "port": 0,
            "latency_preset": "instant",
            "faults_spec": "output:drop@0.5",
            "echo": lines.append,
            "stop_event": stop,
        },
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not any("REPLICATE_BASE_URL=" in line for line in lines):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    text = "\n".join(lines)
    root = re.search(r"REPLICATE_BASE_URL=(\S+)", text).group(1)  # type: ignore[union-attr]
    assert f"CANVASTOON_AIML_BASE_URL={root}/v1" in text
    assert "Any non-empty API key" in text
    r = httpx.post(
        f"{root}/v1/chat/completions",
        headers={"Authorization": "Bearer anything"},
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(root)


def test_bad_arguments_fail_before_binding(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        serve(port=0, faults_spec="aiml.chat:explode", echo=lambda _: None)
    assert main(["--port", "0", "--faults", "nope"]) == 2
    assert "error:" in capsys.readouterr().err
