"""The offline template writer: fills a preset's template with the input text.

It is not an AI: it lays the input out in the preset's shape (a scenario gets one shot per
line of the input), so a graph can be built and run end to end with no key and no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_SHOTS = 12


def _lines(text: str) -> list[str]:
    return [line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t")]


def template_values(text: str, instructions: str = "") -> dict[str, str]:
    lines = _lines(text)
    if len(lines) <= 1:  # one paragraph: split into sentences to get beats
        lines = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    lines = lines[:MAX_SHOTS]
    shots = "\n".join(f"Shot {i}: {line}" for i, line in enumerate(lines, start=1))
    oneline = " ".join(text.split())
    return {
        "input": text.strip(),
        "input_oneline": oneline,
        "first_line": lines[0] if lines else "",
        "shots": shots,
        "shot_count": str(max(1, len(lines))),
        "instructions": instructions.strip(),
    }


def compose(template: str, text: str, instructions: str = "") -> str:
    """``template`` with ``{input}``, ``{input_oneline}``, ``{first_line}``, ``{shots}``,
    ``{shot_count}`` and ``{instructions}`` filled; other braces are left as written."""
    out = template
    for name, value in template_values(text, instructions).items():
        out = out.replace("{" + name + "}", value)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def compose_from_labels(template: str, labels: Mapping[str, str]) -> str:
    return compose(template, labels.get("input", ""), labels.get("instructions", ""))


_ROLE_WORDS = {
    "motion": (
        "dance",
        "dances",
        "dancing",
        "walk",
        "walks",
        "walking",
        "spin",
        "spins",
        "turns",
        "sings",
        "performs",
        "choreography",
        "steps",
    ),
    "action": (
        "run",
        "runs",
        "running",
        "jump",
        "jumps",
        "fight",
        "fights",
        "chase",
        "races",
        "falls",
        "crash",
        "explodes",
        "leaps",
        "sprint",
    ),
}
_CAMERAS = (
    "wide establishing shot, slow push-in",
    "medium shot, handheld follow",
    "close-up, gentle dolly in",
    "low angle, orbit",
    "over-the-shoulder, rack focus",
    "aerial, slow pull-back",
)


#: quoted words (straight or curly quotes) are spoken; ``Name:`` before them says by whom
_QUOTE = re.compile(r'["“]([^"”]+)["”]')
_SAID_BY = re.compile(r"((?:[^\W\d_][\w.'-]*\s+){0,2}[^\W\d_][\w.'-]*)\s*:\s*$")
NARRATOR = "narrator"


def _speaker_before(before: str, characters: list[str]) -> tuple[str, int]:
    """The name written as ``Name:`` right before a quote, and where it starts in
    ``before`` (len(before) when there is none). A known character's (or the narrator's)
    name wins over the words that happen to stand before it."""
    match = _SAID_BY.search(before)
    if match is None:
        return "", len(before)
    words = match.group(1).split()
    known = {c.lower(): c for c in characters if c} | {NARRATOR: "Narrator"}
    for take in range(len(words), 0, -1):
        name = " ".join(words[-take:])
        if name.lower() in known:
            return known[name.lower()], before.rfind(name, match.start())
    return words[-1], before.rfind(words[-1], match.start())


def split_spoken(beat: str, characters: list[str]) -> tuple[str, list[dict[str, str]], str]:
    """A beat's action, its dialogue lines and its narration. Quoted text is spoken: by the
    name written before it (``Mina: "Let's go"``), else by the first character the beat
    names; ``Narrator: "..."`` (or a quote with nobody to say it) is narration."""
    dialogue: list[dict[str, str]] = []
    narration: list[str] = []
    action_parts: list[str] = []
    position = 0
    for match in _QUOTE.finditer(beat):
        before = beat[position : match.start()]
        speaker, cut = _speaker_before(before, characters)
        action_parts.append(before[:cut])
        position = match.end()
        words = " ".join(match.group(1).split())
        if not speaker:
            lowered = beat.lower()
            named = sorted(
                (lowered.find(c.lower()), c) for c in characters if c and c.lower() in lowered
            )
            speaker = named[0][1] if named else NARRATOR
        if speaker.lower() == NARRATOR:
            narration.append(words)
        elif words:
            dialogue.append({"speaker": speaker, "line": words})
    action_parts.append(beat[position:])
    action = " ".join(" ".join(action_parts).split()).strip(" ,;")
    return action, dialogue, " ".join(narration)


def compose_shots(
    text: str, characters: list[str], count: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """A shot list from plain text: one shot per line (or sentence) of the input, each with
    a role guessed from its verbs and the characters it names, and the words quoted in it
    as its dialogue (see ``split_spoken``). Deterministic."""
    lines = template_values(text)["shots"].splitlines()
    beats = [line.split(": ", 1)[1] for line in lines if ": " in line] or [text.strip() or "…"]
    if count:
        beats = beats[:count]
    shots: list[dict[str, Any]] = []
    for index, raw_beat in enumerate(beats, start=1):
        beat, dialogue, narration = split_spoken(raw_beat, characters)
        beat = beat or raw_beat
        lowered = beat.lower()
        role = next(
            (
                r
                for r, words in _ROLE_WORDS.items()
                if any(re.search(rf"\b{w}\b", lowered) for w in words)
            ),
            "cinematic",
        )
        speakers = [d["speaker"] for d in dialogue]
        named = [c for c in characters if c and (c.lower() in lowered or c in speakers)]
        if not named and len(characters) == 1:
            named = list(characters)
        duration = 4.0
        if match := re.search(r"\((\d{1,2})\s*s\)", beat):
            duration = float(min(20, max(1, int(match.group(1)))))
            beat = beat.replace(match.group(0), "").strip()
        title = " ".join(beat.split()[:5]).rstrip(".,!?") or f"Shot {index}"
        shots.append(
            {
                "index": index,
                "title": title,
                "duration": duration,
                "image_prompt": f"{beat} — vertical 9:16 webtoon key frame, cinematic lighting",
                "video_prompt": f"{beat}. {_CAMERAS[(index - 1) % len(_CAMERAS)].capitalize()}.",
                "camera": _CAMERAS[(index - 1) % len(_CAMERAS)],
                "role": role,
                "characters": named,
                "dialogue": dialogue,
                "narration": narration,
            }
        )
    return {"shots": shots}
