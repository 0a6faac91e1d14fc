"""Characters as node inputs: reading them, and choosing the reference images for a shot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from canvastoon_desktop.core.api import Asset, NodeContext, NodeError


@dataclass(frozen=True)
class CharacterRef:
    name: str
    description: str
    references: tuple[Asset, ...]
    voice: str = ""
    offline_voice: str = ""


def read_characters(ctx: NodeContext, assets: Iterable[Asset]) -> list[CharacterRef]:
    characters = []
    for asset in assets:
        doc = ctx.json(asset)
        refs = []
        for sha in doc.get("references", []):
            ref = ctx.library.asset(sha)
            if ref is None or not ctx.library.has_content(ref):
                raise NodeError(
                    f"a reference image of {doc.get('name')!r} is missing from "
                    "the library; run the Character node again"
                )
            refs.append(ref)
        characters.append(
            CharacterRef(
                str(doc.get("name", "")),
                str(doc.get("description", "")),
                tuple(refs),
                str(doc.get("voice") or ""),
                str(doc.get("offline_voice") or ""),
            )
        )
    return characters


def cast_lines(characters: Sequence[CharacterRef]) -> str:
    return "\n".join(
        f"- {c.name}: {c.description}" if c.description else f"- {c.name}" for c in characters
    )


def references_for(
    characters: Sequence[CharacterRef], names: Sequence[str] | None, limit: int = 5
) -> tuple[list[CharacterRef], list[Asset]]:
    """The characters in a shot (all when ``names`` is None) and up to ``limit`` references,
    taken in turn from each so every character is represented."""
    if names is not None:
        wanted = {n.strip().lower() for n in names}
        characters = [c for c in characters if c.name.strip().lower() in wanted]
    chosen: list[Asset] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(c.references) for c in characters):
        for character in characters:
            if depth < len(character.references) and len(chosen) < limit:
                chosen.append(character.references[depth])
        depth += 1
    return list(characters), chosen
