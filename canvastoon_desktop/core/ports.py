"""Port data types and the rule of which output may feed which input."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PortType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    MASK = "mask"  # an image whose white area is to be filled
    VIDEO = "video"
    SHOTS = "shots"  # a structured shot list (JSON)
    CHARACTER = "character"  # a named set of reference images (JSON)
    AUDIO = "audio"  # speech, a music bed (WAV, MP3, AAC, FLAC, Ogg)
    LINE = "line"  # one line of dialogue: its shot, speaker, words and voices (JSON)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PortType.TEXT: "Text",
    PortType.IMAGE: "Image",
    PortType.MASK: "Mask",
    PortType.VIDEO: "Video",
    PortType.SHOTS: "Shot List",
    PortType.CHARACTER: "Character",
    PortType.AUDIO: "Audio",
    PortType.LINE: "Dialogue Line",
}

# Which output types an input of a given type accepts, beside its own type.
_ALSO_ACCEPTS: dict[PortType, frozenset[PortType]] = {
    PortType.MASK: frozenset({PortType.IMAGE}),
}


def can_feed(source: PortType, target: PortType) -> bool:
    """True when an output of type ``source`` may be connected to an input of type ``target``."""
    return source == target or source in _ALSO_ACCEPTS.get(target, frozenset())


def connection_refusal(source: PortType, target: PortType) -> str | None:
    """A plain-language reason why ``source`` cannot feed ``target``, or None when it can."""
    if can_feed(source, target):
        return None
    return f"{_a(source.label)} output cannot feed {_a(target.label)} input"


def _a(word: str) -> str:
    """The word with its article: "an Image", "a Text"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True, slots=True)
class Port:
    """One input or output of a node type.

    ``is_list`` declares a port that carries a whole list (the shots of a scenario). A
    single-item input fed a list makes its node run once per item (see executor).
    ``multiple`` lets an input take several connections, gathered in connection order.
    """

    name: str
    type: PortType
    label: str = ""
    optional: bool = False
    is_list: bool = False
    multiple: bool = False
    help: str = ""

    @property
    def display(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()
