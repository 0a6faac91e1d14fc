"""Shot lists: the shape of a scenario broken into shots, declared once.

The pydantic model is the single declaration: the JSON schema sent to the LLM as
``response_format`` is generated from it, and every answer is checked against it before it
flows on — a half-parsed shot list never reaches the image and video nodes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CoreError

Role = Literal["action", "motion", "cinematic"]
ROLES: tuple[str, ...] = ("action", "motion", "cinematic")
MAX_SHOTS = 24
MAX_LINES_PER_SHOT = 12
#: what a shot's pictures follow from: editing its dialogue or narration changes none of it
SPOKEN_FIELDS = ("dialogue", "narration")


class ShotListError(CoreError):
    """An answer is not a valid shot list; the message says what is wrong, per shot."""


class DialogueLine(BaseModel):
    """One spoken line: who says it and what they say (also its caption and its balloon)."""

    model_config = ConfigDict(extra="forbid")

    speaker: str = Field(
        min_length=1, max_length=60, description="the character who speaks, as in the cast"
    )
    line: str = Field(min_length=1, max_length=300, description="what they say, in a few words")


class Shot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=1, le=MAX_SHOTS, description="1-based position in the episode")
    title: str = Field(min_length=1, max_length=120)
    duration: float = Field(ge=1, le=20, description="seconds on screen")
    image_prompt: str = Field(
        min_length=1, max_length=4000, description="the key frame, for a 9:16 image model"
    )
    video_prompt: str = Field(
        min_length=1, max_length=2000, description="motion and camera, for an image-to-video model"
    )
    camera: str = Field(max_length=200, description="shot size and camera move")
    role: Role = Field(
        description="action: fast action; motion: human motion or dance; "
        "cinematic: mood, intros, emotion"
    )
    characters: list[str] = Field(max_length=8, description="names of the characters in it")
    # spoken words come last and have defaults: shot lists saved before them still load
    dialogue: list[DialogueLine] = Field(
        default_factory=list,
        max_length=MAX_LINES_PER_SHOT,
        description="the lines spoken in this shot, in order (empty when nobody speaks)",
    )
    narration: str = Field(
        default="",
        max_length=400,
        description="a narrator's caption for this shot, or an empty string",
    )


class ShotList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shots: list[Shot] = Field(min_length=1, max_length=MAX_SHOTS)


#: keywords strict structured output does not accept; our own check enforces them after
_UNSUPPORTED_IN_STRICT = (
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "default",
)


def shot_list_schema() -> dict[str, Any]:
    """The JSON schema sent as ``response_format`` (strict: every field required, nothing
    extra, no length or range keywords — ``parse_shot_list`` checks those)."""
    schema = ShotList.model_json_schema()
    inlined: dict[str, Any] = _inline(schema, schema.pop("$defs", {}))
    _strict(inlined)
    return inlined


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace ``$ref``s by their definitions: simpler schemas are understood everywhere."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _strict(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        for keyword in _UNSUPPORTED_IN_STRICT:
            node.pop(keyword, None)
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)


def parse_shot_list(text: str) -> list[Shot]:
    """Shots from an LLM answer (a JSON object ``{"shots": [...]}``, or a bare list), or
    ShotListError with a short description of every problem."""
    raw = text.strip()
    if raw.startswith("```"):  # a model that wraps JSON in a code fence anyway
        raw = raw.strip("`")
        raw = raw[raw.find("\n") + 1 :] if "\n" in raw else raw
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ShotListError(f"the answer is not JSON ({exc.msg} at position {exc.pos})") from None
    if isinstance(doc, list):
        doc = {"shots": doc}
    try:
        shots = ShotList.model_validate(doc).shots
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:8]:
            where = ".".join(str(p) for p in err["loc"])
            problems.append(f"{where}: {err['msg']}")
        raise ShotListError(
            "the shot list does not match the schema: " + "; ".join(problems)
        ) from None
    return renumbered(shots)


def renumbered(shots: Sequence[Shot]) -> list[Shot]:
    """Shots in their order, numbered 1..n (models sometimes skip or repeat numbers)."""
    return [shot.model_copy(update={"index": i}) for i, shot in enumerate(shots, start=1)]


def shot_to_json(shot: Shot) -> dict[str, Any]:
    return shot.model_dump(mode="json")


def shot_from_json(value: Any) -> Shot:
    try:
        return Shot.model_validate(value)
    except ValidationError as exc:
        raise ShotListError(f"not a shot: {exc.errors()[0]['msg']}") from None


def shots_as_text(shots: Sequence[Shot]) -> str:
    """A readable scenario, for the node's Text output and previews."""
    lines = []
    for shot in shots:
        cast = f" — {', '.join(shot.characters)}" if shot.characters else ""
        lines.append(
            f"{shot.index}. {shot.title} ({shot.duration:g} s, {shot.role}){cast}\n"
            f"   Image: {shot.image_prompt}\n   Video: {shot.video_prompt}\n"
            f"   Camera: {shot.camera}"
        )
        if shot.narration:
            lines.append(f"   Narration: {shot.narration}")
        lines.extend(f"   {d.speaker}: {d.line}" for d in shot.dialogue)
    return "\n".join(lines)


def repair_prompt(error: str) -> str:
    return (
        "Your previous answer was not a valid shot list: "
        f"{error}. Answer again with ONLY the JSON object matching the schema."
    )
