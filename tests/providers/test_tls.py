"""Every client of an HTTP library shares the TLS context that library would make: a context
loads a whole CA bundle (tens of milliseconds), and the editor makes its clients on the GUI
thread at a run's first calls."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest

from canvastoon_desktop.providers import tls, warm_adapters
from canvastoon_desktop.simulator import Simulator

from .hosted_rig import Rig


@pytest.fixture
def contexts_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The threads on which TLS contexts are made from now on (none is made yet). Counted
    as contexts, not as CA bundles loaded: a machine may have no bundle where a library
    looks, and the context is made all the same."""
    monkeypatch.setattr(tls, "_contexts", {})
    made: list[str] = []
    make = ssl.SSLContext.__new__

    def counted(cls: type[ssl.SSLContext], *args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(threading.current_thread().name)
        return make(cls, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "__new__", staticmethod(counted))
    yield made


def test_a_library_makes_its_context_once_and_it_verifies(contexts_made: list[str]) -> None:
    first = tls.tls_context(httpx)
    assert tls.tls_context(httpx) is first
    assert tls.tls_context(httpx2) is not first  # each library trusts whom it trusts
    assert len(contexts_made) == 2
    for context in (first, tls.tls_context(httpx2)):
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.slow
def test_a_run_through_every_hosted_service_makes_no_context_after_warming_up(
    rig: Rig, sim: Simulator, contexts_made: list[str]
) -> None:
    warm_adapters(rig.adapters).join(timeout=60)
    assert contexts_made == ["adapters-warm-up", "adapters-warm-up"]  # httpx's, httpx2's
    g = rig.graph()
    chat = rig.node(g, "prompt_llm", model="gpt-4o", instructions="A line for Mina.")
    image = rig.node(g, "image_gen", model="google/nano-banana-pro", prompt="Mina, rooftop")
    video = rig.video(g, "minimax/hailuo-2.3-fast")  # AIML's video route
    replicate = rig.node(g, "image_gen", model="prunaai/z-image-turbo", prompt="Jun")
    summary, _ = rig.run(g)
    assert [summary.nodes[n].status for n in (chat, image, video, replicate)] == ["done"] * 4
    assert contexts_made == ["adapters-warm-up", "adapters-warm-up"]  # downloads included
