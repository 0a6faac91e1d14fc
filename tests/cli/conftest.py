from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from canvastoon_desktop.core.resources import examples_dir


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """The bundled examples copied to tmp (runs write exports next to the graph)."""
    target = tmp_path / "examples"
    shutil.copytree(examples_dir(), target, ignore=shutil.ignore_patterns("exports"))
    return target
