"""Character: a name, a look, and one to five reference images — the same face and outfit
across every shot of an episode — and a voice for the lines they speak."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    ELEVENLABS_VOICES,
    ESPEAK_VOICES,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
)

MAX_REFERENCES = 5


class Character(NodeType):
    type_id = "character"
    title = "Character"
    category = "input"
    description = "A named character with 1-5 reference images; shots that name them use them."
    inputs = (
        Port(
            "references",
            PortType.IMAGE,
            multiple=True,
            help="1 to 5 images of the character (face, outfit)",
        ),
    )
    outputs = (Port("character", PortType.CHARACTER),)
    params = (
        ParamSpec("name", ParamKind.STRING, "", max_length=60, help="As the shot list names them"),
        ParamSpec(
            "description",
            ParamKind.TEXT,
            "",
            max_length=1000,
            help="Look and outfit, added to prompts of the shots they are in",
        ),
        ParamSpec(
            "voice",
            ParamKind.ENUM,
            "",
            label="Voice",
            choices=("", *ELEVENLABS_VOICES),
            choice_labels={"": "The Speech node's voice"},
            help="Who speaks their lines with a hosted speech model",
        ),
        ParamSpec(
            "offline_voice",
            ParamKind.ENUM,
            "",
            label="Offline voice",
            choices=("", *ESPEAK_VOICES),
            choice_labels={"": "The Speech node's voice"},
            help="Who speaks their lines offline (eSpeak NG: language + variant)",
        ),
    )

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if not str(params.get("name") or "").strip():
            problems.append("give the character a name")
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        references = list(inputs.get("references") or ())
        if not references:
            raise NodeError("connect at least one reference image")
        if len(references) > MAX_REFERENCES:
            raise NodeError(f"{len(references)} reference images; at most {MAX_REFERENCES}")
        doc = {
            "name": str(ctx.params.get("name") or "").strip(),
            "description": str(ctx.params.get("description") or "").strip(),
            "references": [a.sha256 for a in references],
        }
        # voices only when chosen: a character saved before voices existed keeps its hash
        for field in ("voice", "offline_voice"):
            if ctx.params.get(field):
                doc[field] = str(ctx.params[field])
        return {"character": ctx.store_json(doc)}
