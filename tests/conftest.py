"""Shared fixtures: every test gets its own config folder and library, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CANVASTOON_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("CANVASTOON_LIBRARY", str(home / "library"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "documents"))
    for var in (
        "AIML_API_KEY",
        "REPLICATE_API_TOKEN",
        "CANVASTOON_AIML_BASE_URL",
        "REPLICATE_BASE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    return tmp_path / "library"
