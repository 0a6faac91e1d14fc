"""Shared fixtures: a started simulator with short latencies and the real clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
import replicate

from canvastoon_desktop.simulator import Latencies, Simulator, SimulatorConfig
from tests.simulator.simhelpers import AIML_KEY, REPLICATE_TOKEN


@pytest.fixture
def sim() -> Iterator[Simulator]:
    config = SimulatorConfig(latencies=Latencies.short().scaled(0.5), seed=1234)
    with Simulator(config) as s:
        yield s


@pytest.fixture
def aiml(sim: Simulator) -> openai.OpenAI:
    return openai.OpenAI(api_key=AIML_KEY, base_url=sim.aiml_base_url, max_retries=0)


@pytest.fixture
def rep(sim: Simulator) -> replicate.Client:
    return replicate.Client(api_token=REPLICATE_TOKEN, base_url=sim.replicate_base_url)


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sim.aiml_root_url,
        headers={"Authorization": f"Bearer {AIML_KEY}"},
        timeout=30,
    ) as client:
        yield client
