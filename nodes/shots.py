"""Small nodes to work with shot lists: take a field of each shot, pick shots."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    ROLES,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    ShotListError,
    shot_from_json,
)

FIELDS = ("image_prompt", "video_prompt", "title", "camera", "role", "characters", "duration")


class ShotField(NodeType):
    type_id = "shot_field"
    title = "Shot Field"
    category = "list"
    description = "One field of a shot as text; fed a shot list, one text per shot."
    inputs = (Port("shot", PortType.SHOTS),)
    outputs = (Port("text", PortType.TEXT),)
    params = (
        ParamSpec(
            "field",
            ParamKind.ENUM,
            "image_prompt",
            choices=FIELDS,
            choice_labels={f: f.replace("_", " ").capitalize() for f in FIELDS},
        ),
    )

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        try:
            shot = shot_from_json(ctx.json(inputs["shot"]))
        except ShotListError as exc:
            raise NodeError(str(exc)) from None
        value = getattr(shot, ctx.params.get("field", "image_prompt"))
        if isinstance(value, list):
            value = ", ".join(value)
        return {"text": ctx.store_text(f"{value:g}" if isinstance(value, float) else str(value))}


def parse_selection(text: str, count: int) -> list[int]:
    """``"1,3-5"`` → 0-based indices in order; empty means all. Clear errors for the rest."""
    text = text.strip()
    if not text:
        return list(range(count))
    picked: list[int] = []
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise NodeError(f"cannot read {part!r} in the selection; write e.g. 1,3-5")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise NodeError(f"{part!r} is not a valid range of shots")
        for number in range(first, last + 1):
            if number > count:
                raise NodeError(f"there is no shot {number}: the list has {count}")
            if number - 1 not in picked:
                picked.append(number - 1)
    return picked


class PickShots(NodeType):
    type_id = "pick_shots"
    title = "Pick Shots"
    category = "list"
    description = "Keeps some shots of a list: by number (1,3-5) and/or by role."
    inputs = (Port("shots", PortType.SHOTS, is_list=True),)
    outputs = (Port("shots", PortType.SHOTS, is_list=True),)
    params = (
        ParamSpec(
            "select",
            ParamKind.STRING,
            "",
            label="Shots",
            max_length=200,
            help="Numbers and ranges, e.g. 1,3-5; empty keeps all",
        ),
        ParamSpec("role", ParamKind.ENUM, "any", choices=("any", *ROLES)),
    )

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        items = [a for a in inputs["shots"].items if a is not None]
        picked = [
            items[i] for i in parse_selection(str(ctx.params.get("select") or ""), len(items))
        ]
        role = ctx.params.get("role", "any")
        if role != "any":
            picked = [a for a in picked if ctx.json(a).get("role") == role]
        if not picked:
            raise NodeError("no shot matches the selection")
        return {"shots": picked}
