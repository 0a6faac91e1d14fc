"""Clients belong to an event loop: made lazily on each loop (the CLI makes one per run, the
editor keeps one), per key, and closed when their loop shuts down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from canvastoon_desktop.providers import aclose_adapters
from canvastoon_desktop.providers.clients import LoopLocal
from canvastoon_desktop.simulator import Simulator
from tests.providers.hosted_rig import make_rig


class Client:
    def __init__(self, key: str) -> None:
        self.key = key
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def test_one_client_per_loop_and_key_closed_when_the_loop_ends() -> None:
    local: LoopLocal[Client] = LoopLocal(Client, Client.aclose, "test")

    async def use() -> tuple[Client, Client, Client]:
        return local.get("a"), local.get("a"), local.get("b")

    first_a, again_a, first_b = asyncio.run(use())
    assert first_a is again_a and first_a is not first_b
    assert first_a.closed and first_b.closed  # asyncio.run ended the loop: all closed
    second_a, _, _ = asyncio.run(use())
    assert second_a is not first_a and second_a.closed


def test_aclose_closes_now_and_the_next_use_makes_a_fresh_client() -> None:
    local: LoopLocal[Client] = LoopLocal(Client, Client.aclose, "test")

    async def go() -> tuple[Client, Client]:
        first = local.get()
        await local.aclose()
        assert first.closed
        return first, local.get()

    first, second = asyncio.run(go())
    assert second is not first


@pytest.mark.slow
def test_adapters_work_across_runs_on_fresh_loops(sim: Simulator, tmp_path: Path) -> None:
    rig = make_rig(sim, tmp_path)
    for prompt in ("first loop", "second loop"):
        g = rig.graph()
        node = rig.node(g, "image_gen", model="prunaai/z-image-turbo", prompt=prompt)
        frame = rig.picture(g)
        video = rig.node(
            g, "video", {"image": frame}, model="minimax/hailuo-2.3-fast", prompt=prompt, duration=6
        )
        chat = rig.node(g, "prompt_llm", {"text": rig.text(g, prompt)}, model="gpt-4o")
        summary, _ = rig.run(g)  # asyncio.run: a new loop each time
        assert {summary.nodes[n].status for n in (node, video, chat)} == {"done"}
    rig.close()


def test_the_download_client_is_closed_with_its_loop(sim: Simulator, tmp_path: Path) -> None:
    rig = make_rig(sim, tmp_path)
    seen: list[httpx.AsyncClient] = []
    downloads = rig.adapters["replicate"].service.downloads

    async def go() -> None:
        seen.append(downloads._clients.get())  # the client its fetches use on this loop

    asyncio.run(go())
    assert seen[0].is_closed
    rig.close()


def test_aclose_adapters_closes_them_on_a_loop_that_lives_on(
    sim: Simulator, tmp_path: Path
) -> None:
    rig = make_rig(sim, tmp_path)

    async def go() -> list[httpx.AsyncClient]:
        made = [
            rig.adapters["replicate"].service.downloads._clients.get(),
            rig.adapters["aiml"].video._clients.get("key"),
        ]
        await aclose_adapters(rig.adapters)
        return made

    assert all(client.is_closed for client in asyncio.run(go()))
    rig.close()
