"""Prompt presets for the Prompt LLM node: bundled in ``resources/presets``, and editable —
a preset with the same id in the user's config folder (``presets/``) replaces the bundled one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from canvastoon_desktop.core.api import config_dir, resources_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    description: str
    system: str
    user_template: str
    offline_template: str


def preset_dirs() -> list[Path]:
    return [resources_dir() / "presets", config_dir() / "presets"]


@lru_cache(maxsize=1)
def load_presets() -> dict[str, Preset]:
    presets: dict[str, Preset] = {}
    for folder in preset_dirs():
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                doc = json.loads(path.read_text("utf-8"))
                preset = Preset(
                    id=str(doc["id"]),
                    name=str(doc.get("name", doc["id"])),
                    description=str(doc.get("description", "")),
                    system=str(doc.get("system", "")),
                    user_template=str(doc.get("user_template", "{input}")),
                    offline_template=str(doc.get("offline_template", "{input}")),
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring the preset %s: %s", path, exc)
                continue
            presets[preset.id] = preset
    return presets


BUILTIN_ORDER = ("scenario_writer", "image_prompt_engineer", "video_prompt_engineer", "custom")


def preset_ids() -> tuple[str, ...]:
    ids = list(load_presets())
    ordered = [i for i in BUILTIN_ORDER if i in ids] + sorted(
        i for i in ids if i not in BUILTIN_ORDER
    )
    return tuple(ordered) or BUILTIN_ORDER
