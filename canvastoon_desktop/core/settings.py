"""User settings: budgets, concurrency, library location, provider base URLs.

Kept as JSON in the user's config folder (platformdirs). Keys are NOT here: they live in the
environment or the OS keyring (see secrets.py).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from .atomic import atomic_write_text
from .pricing import Budget

log = logging.getLogger(__name__)
APP_NAME = "CanvasToon"


def config_dir() -> Path:
    override = os.environ.get("CANVASTOON_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def default_library_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "library"


@dataclass
class Settings:
    budget_per_run_usd: float | None = 5.0
    budget_per_day_usd: float | None = 20.0
    confirm_over_usd: float | None = 1.0
    concurrency: dict[str, int] = field(
        default_factory=lambda: {"aiml": 8, "replicate": 8, "local": 2}
    )
    library_dir: str | None = None
    aiml_base_url: str | None = None
    replicate_base_url: str | None = None
    recent_files: list[str] = field(default_factory=list)
    autosave_seconds: int = 30
    #: sha256 of graph files (their exact bytes) whose paths outside their folder the
    #: artist allowed; a file changed by anyone else is asked about again
    outside_paths_allowed: list[str] = field(default_factory=list)

    @property
    def budget(self) -> Budget:
        return Budget(self.budget_per_run_usd, self.budget_per_day_usd, self.confirm_over_usd)

    def library_path(self) -> Path:
        env = os.environ.get("CANVASTOON_LIBRARY")
        if env:
            return Path(env).expanduser()
        if self.library_dir:
            return Path(self.library_dir).expanduser()
        return default_library_dir()

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        path = cls.path()
        settings = cls()
        try:
            doc = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return settings
        except (OSError, ValueError) as exc:
            log.warning("settings at %s are unreadable (%s); using defaults", path, exc)
            return settings
        if not isinstance(doc, dict):
            return settings
        known = {f.name: f for f in fields(cls)}
        for name, value in doc.items():
            if name in known:
                setattr(settings, name, value)
        return settings

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(asdict(self), indent=1))

    def add_recent(self, file: str, limit: int = 10) -> None:
        file = str(Path(file).resolve())
        self.recent_files = [file, *[f for f in self.recent_files if f != file]][:limit]

    def allow_outside_paths(self, file_sha256: str, limit: int = 500) -> None:
        kept = [h for h in self.outside_paths_allowed if isinstance(h, str) and h != file_sha256]
        self.outside_paths_allowed = [file_sha256, *kept][:limit]

    def outside_paths_ok(self, file_sha256: str) -> bool:
        allowed = self.outside_paths_allowed
        return isinstance(allowed, list) and file_sha256 in allowed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
