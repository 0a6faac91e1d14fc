"""Cache keys that follow only the part of an input a node uses.

An image made from a shot follows from the shot's picture (its prompts, camera, cast), not
from the words spoken in it; a character's reference images and look, not its voice. Keying
those inputs by their used part means editing one line of dialogue (or a voice) runs again
only what speaks it — the speech of that line and the mix — never the paid pictures.

The part is hashed exactly as the library stores JSON, so a shot or character saved before
dialogue and voices existed keeps its own content hash, and the results cached from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from canvastoon_desktop.core.api import SPOKEN_FIELDS, Asset, ItemList, Library, input_hashes

#: the fields of a Character that only speech uses
VOICE_FIELDS = ("voice", "offline_voice")


def json_hash_without(doc: Any, fields: Iterable[str]) -> str:
    """SHA-256 of ``doc`` without ``fields``, serialised as ``Library.put_json`` does."""
    if isinstance(doc, dict):
        dropped = set(fields)
        doc = {k: v for k, v in doc.items() if k not in dropped}
    data = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _part_hash(library: Library, asset: Asset | None, fields: Iterable[str]) -> str | None:
    if asset is None:
        return None
    try:
        doc = library.read_json(asset)
    except Exception:  # unreadable: key it by its content, the node reports the problem
        return asset.sha256
    return json_hash_without(doc, fields)


def keyed_without(
    library: Library, inputs: Mapping[str, Any], drop: Mapping[str, Iterable[str]]
) -> dict[str, Any]:
    """``input_hashes(inputs)`` with the JSON inputs named in ``drop`` keyed without the
    fields listed for them."""
    hashes = input_hashes(inputs)
    for port, fields in drop.items():
        fields = tuple(fields)
        value = inputs.get(port)
        if isinstance(value, Asset):
            hashes[port] = _part_hash(library, value, fields)
        elif isinstance(value, tuple):
            hashes[port] = [_part_hash(library, a, fields) for a in value]
        elif isinstance(value, ItemList):
            hashes[port] = [_part_hash(library, a, fields) for a in value.items]
    return hashes


PICTURE_PARTS: dict[str, tuple[str, ...]] = {"shot": SPOKEN_FIELDS, "characters": VOICE_FIELDS}
