"""Fixtures for the hosted-adapter tests: a fast simulator and a rig around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.simulator import Simulator
from tests.providers.hosted_rig import RecordingJob, Rig, fast_simulator, make_rig


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with fast_simulator() as simulator:
        yield simulator


@pytest.fixture
def rig(sim: Simulator, tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(sim, tmp_path)
    yield made
    made.close()


@pytest.fixture
def job(tmp_path: Path) -> Iterator[RecordingJob]:
    """A JobControl over a fresh library, for one adapter call without the executor."""
    library = Library(tmp_path / "library")
    yield RecordingJob(library)
    library.close()
