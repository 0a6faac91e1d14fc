"""Shared fixtures: a started simulator with short latencies and the real clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
import replicate

from canvastoon_desktop.simulator import Latencies, Simulator, SimulatorConfig
from tests.simulator.simhelpers import AIML_KEY, replicate_client


@pytest.fixture
def sim() -> Iterator[Simulator]:
    config = SimulatorConfig(latencies=Latencies.short().scaled(0.5), seed=1234)
    with Simulator(config) as s:
        yield s


@pytest.fixture
def aiml(sim: Simulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=AIML_KEY, base_url=sim.aiml_base_url, max_retries=0) as client:
        yield client


@pytest.fixture
def rep(sim: Simulator) -> Iterator[replicate.Client]:
    with replicate_client(sim.replicate_base_url) as client:
        yield client


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sim.aiml_root_url,
        headers={"Authorization": f"Bearer {AIML_KEY}"},
        timeout=30,
    ) as client:
        yield client
