"""Dialogue Lines: a shot list's spoken words as a list with one item per line, so that each
line is its own Speech node × item (its own cache key, quote and ledger entry): editing
one line speaks only that line again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from canvastoon_desktop.core.api import (
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    Shot,
    ShotListError,
    shot_from_json,
)

from ._characters import CharacterRef, read_characters

NARRATOR = "Narrator"


class LineDoc(TypedDict):
    """A Line asset's JSON."""

    shot: int
    number: int
    speaker: str
    line: str
    voice: str
    offline_voice: str


def line_doc(
    shot: Shot, number: int, speaker: str, words: str, cast: dict[str, CharacterRef]
) -> LineDoc:
    """One line as it flows to Speech and Assemble Short: where it belongs (shot, number in
    the shot), who says what, and the voices of its speaker (empty: the Speech node's)."""
    who = cast.get(speaker.strip().lower())
    return {
        "shot": shot.index,
        "number": number,
        "speaker": speaker,
        "line": words,
        "voice": who.voice if who else "",
        "offline_voice": who.offline_voice if who else "",
    }


def dialogue_lines(
    shots: list[Shot], characters: list[CharacterRef], narration: bool
) -> list[LineDoc]:
    cast = {c.name.strip().lower(): c for c in characters}
    lines: list[LineDoc] = []
    for shot in shots:
        number = 0
        if narration and shot.narration:
            number += 1
            lines.append(line_doc(shot, number, NARRATOR, shot.narration, cast))
        for spoken in shot.dialogue:
            number += 1
            lines.append(line_doc(shot, number, spoken.speaker, spoken.line, cast))
    return lines


class DialogueLines(NodeType):
    type_id = "dialogue_lines"
    title = "Dialogue Lines"
    category = "list"
    description = "Every spoken line of a shot list, one item per line, with its speaker's voice."
    inputs = (
        Port("shots", PortType.SHOTS, label="Shot list", is_list=True),
        Port(
            "characters",
            PortType.CHARACTER,
            optional=True,
            multiple=True,
            help="The cast: each line is spoken in its speaker's voice",
        ),
    )
    outputs = (Port("lines", PortType.LINE, is_list=True),)
    params = (
        ParamSpec(
            "speak_narration",
            ParamKind.BOOL,
            False,
            label="Speak the narration",
            help="A voice-over for each shot's narration (else it is only captioned)",
        ),
    )

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        shots: list[Shot] = []
        for n, asset in enumerate(inputs["shots"].items, start=1):
            if asset is None:
                raise NodeError(f"shot {n} of the shot list is missing")
            try:
                shots.append(shot_from_json(ctx.json(asset)))
            except ShotListError as exc:
                raise NodeError(f"shot {n}: {exc}") from None
        characters = read_characters(ctx, inputs.get("characters") or ())
        lines = dialogue_lines(shots, characters, bool(ctx.params.get("speak_narration")))
        known = {c.name.strip().lower() for c in characters}
        strangers = sorted(
            {
                d["speaker"]
                for d in lines
                if d["speaker"] != NARRATOR and d["speaker"].lower() not in known
            }
        )
        ctx.note = f"{len(lines)} line{'s' if len(lines) != 1 else ''} in {len(shots)} shots"
        if strangers and characters:
            ctx.note += f"; no character for {', '.join(strangers)} (the Speech node's voice)"
        return {"lines": [ctx.store_json(doc) for doc in lines]}
