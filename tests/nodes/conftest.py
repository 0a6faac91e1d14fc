from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.resources import examples_dir
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry


@pytest.fixture
def offline_executor(tmp_path: Path) -> Executor:
    return Executor(
        default_registry(),
        Library(tmp_path / "library"),
        PriceTable.load(),
        adapters={"local": LocalAdapter()},
    )


@pytest.fixture
def example_copy(tmp_path: Path):
    """Copy a bundled example (with its masks) into tmp so runs write nothing in the repo."""

    def copy(name: str) -> Path:
        target = tmp_path / "examples"
        if not target.exists():
            shutil.copytree(examples_dir(), target, ignore=shutil.ignore_patterns("exports"))
        return target / name

    return copy
