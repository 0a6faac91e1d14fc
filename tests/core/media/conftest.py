"""Fixtures for the media tests (helpers live in media_factory.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from media_factory import encode_video


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(name: str | None = None, **kwargs: object) -> Path:
        ext = ".webm" if kwargs.get("fmt") == "webm" else ".mp4"
        return encode_video(tmp_path / (name or f"clip{next(counter)}{ext}"), **kwargs)  # type: ignore[arg-type]

    return make
