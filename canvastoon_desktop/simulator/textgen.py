"""Deterministic, plausible text for the simulated chat model.

Not a language model: a prompt's keywords are woven into fixed phrase banks, picked by
hashing, so the same request always gets the same answer and different prompts get
different ones. Enough for a pipeline to carry meaningful text from node to node.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

__all__ = ["Topic", "chat_reply"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    """a an the and or but if then else of in on at to for with from by about into over
    under this that these those is are was were be been being it its as your you we our
    they them their he she his her i me my please write make create give generate return
    each per shot shots scene scenes story scenario json list short vertical image images
    video videos prompt prompts only must should would could can will about using use
    format output answer following based exactly field fields like also more very some
    than what when where which while who whom why how just into onto number numbered"""
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_CAST_LINE = re.compile(r"^\s*[-*]\s*([^:\n]{1,40}?)\s*(?::|$)", re.MULTILINE)
_COUNT_RE = re.compile(
    r"\b(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")[\s-]*"
    r"(?:\w+[\s-]+)?(shots?|scenes?|cuts?|panels?|beats?|frames?|items?|steps?|parts?|clips?)\b",
    re.IGNORECASE,
)

CAMERAS = ("close-up", "wide shot", "medium shot", "over-the-shoulder", "low angle",
           "high angle", "tracking shot", "dolly-in", "extreme close-up", "bird's-eye view")  # fmt: skip
MOODS = ("wistful", "tense", "hopeful", "electric", "melancholic", "playful", "triumphant",
         "quiet", "dreamy", "anxious")  # fmt: skip
LOCATIONS = ("on a neon-lit rooftop", "on a rain-soaked street", "in an empty practice room",
             "on a subway platform", "in a backstage corridor", "on a seaside boardwalk",
             "in a convenience store", "in a cherry-blossom park", "in a recording studio",
             "in a school hallway")  # fmt: skip
TIMES = ("dawn", "golden hour", "dusk", "midnight", "noon", "blue hour")
LIGHTING = ("soft rim light", "neon glow", "hard backlight", "overcast diffuse light",
            "warm practical lamps", "moonlight")  # fmt: skip
STYLES = ("webtoon cel shading", "K-pop music-video grade", "painterly anime", "clean line art",
          "cinematic film still")  # fmt: skip
ACTIONS = ("turns toward the camera", "runs through the crowd", "looks up at the sky",
           "reaches for a hand", "dances alone", "laughs under the rain",
           "clutches a crumpled letter", "steps into the light", "whispers a secret",
           "walks away without looking back")  # fmt: skip
NAMES = ("Hana", "Jun", "Mira", "Seo-yeon", "Tae", "Yuna", "Kai", "Rin", "Dae-ho", "Sora")
TITLE_WORDS = ("Confession", "Encore", "Afterglow", "First Light", "Static", "Echo", "Promise",
               "Detour", "Heartbeat", "Finale")  # fmt: skip
LINES = ("I thought you'd already left.", "One more song. Just one.", "Don't look back.",
         "We were never meant to be quiet.", "Is this the ending you wanted?",
         "Wait for me at the station.", "I can hear the crowd from here.")  # fmt: skip


def _h(*parts: object) -> int:
    raw = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


@dataclass
class Topic:
    """What a request is about: its text, keywords and the number of items it asks for."""

    text: str
    salt: str = ""
    keywords: list[str] = field(init=False)
    count_hint: int | None = field(init=False)
    #: names listed under a "Cast:" heading, as an instruction-following model would use
    cast: list[str] = field(init=False)

    def __post_init__(self) -> None:
        words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", self.text)
        seen: list[str] = []
        for w in words:
            lw = w.lower()
            if lw not in _STOPWORDS and lw not in seen:
                seen.append(lw)
        self.keywords = seen[:12] or ["idol", "stage", "rain"]
        self.cast = (
            _CAST_LINE.findall(self.text.split("Cast:", 1)[1]) if "Cast:" in self.text else []
        )
        m = _COUNT_RE.search(self.text)
        if m:
            raw = m.group(1).lower()
            self.count_hint = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        else:
            self.count_hint = None

    def pick(self, bank: tuple[str, ...] | list[str], *salt: object) -> str:
        return bank[_h(self.text, self.salt, *salt) % len(bank)]

    def nth(self, bank: tuple[str, ...] | list[str], index: int, *salt: object) -> str:
        """Item ``index`` of a per-topic rotation of ``bank``: neighbours never repeat."""
        return bank[(_h(self.text, self.salt, *salt) + index) % len(bank)]

    def keyword(self, *salt: object) -> str:
        return self.pick(self.keywords, "kw", *salt)

    def subject(self, limit: int = 14) -> str:
        """The prompt itself without a leading instruction, trimmed to a phrase."""
        words = _strip_instruction(self.text).split()
        phrase = " ".join(words[:limit]).strip(" .,:;")
        return phrase or "an idol on an empty stage"

    def title(self, index: int = 0) -> str:
        return f"{self.keyword('title', index).capitalize()} {self.nth(TITLE_WORDS, index, 't')}"

    def visual(self, index: int = 0) -> str:
        """A one-sentence image/video prompt for item ``index``."""
        return (
            f"{self.nth(CAMERAS, index, 'cam').capitalize()} of {self.pick(NAMES, 'who', index)} "
            f"who {self.pick(ACTIONS, 'act', index)} {self.pick(LOCATIONS, 'loc', index)} "
            f"at {self.pick(TIMES, 'time', index)}, {self.keyword('v', index)} and "
            f"{self.keyword('w', index)} motifs, {self.pick(LIGHTING, 'light', index)}, "
            f"{self.pick(STYLES, 'style', index)}, vertical 9:16"
        )

    def line(self, index: int = 0) -> str:
        return self.pick(LINES, "line", index)


_INSTRUCTION_RE = re.compile(
    r"^\s*(?:please\s+)?(?:write|rewrite|create|make|generate|improve|enhance|describe|give)\b"
    r"[^:]{0,80}?(?::|\babout\b)\s*",
    re.IGNORECASE,
)


def _strip_instruction(text: str) -> str:
    """'Rewrite this prompt: a girl…' → 'a girl…'; 'Write 3 scenes about X' → 'X'."""
    stripped = _INSTRUCTION_RE.sub("", text, count=1).strip()
    return stripped or text


def scenario_text(topic: Topic, count: int) -> str:
    """A short numbered scenario: one line per shot."""
    rows = [f"Scenario: {topic.subject()}"]
    for i in range(count):
        rows.append(f'{i + 1}. {topic.title(i)} — {topic.visual(i)}. "{topic.line(i)}"')
    return "\n".join(rows)


def rewritten_prompt(topic: Topic) -> str:
    return (
        f"{topic.subject(24)}. {topic.pick(CAMERAS, 'rw').capitalize()}, "
        f"{topic.pick(LIGHTING, 'rw')}, {topic.pick(MOODS, 'rw')} mood, "
        f"{topic.pick(STYLES, 'rw')}, vertical 9:16 composition, sharp focus, rich detail."
    )


def chat_reply(prompt_text: str, system_text: str = "", salt: str = "") -> str:
    """Plain-text answer: a scenario, a rewritten prompt, or a short reply."""
    topic = Topic(prompt_text, salt=salt)
    asked = f"{system_text}\n{prompt_text}".lower()
    if any(w in asked for w in ("scenario", "story", "script", "episode", "storyboard")):
        return scenario_text(topic, max(1, min(topic.count_hint or 5, 12)))
    if any(w in asked for w in ("prompt", "rewrite", "improve", "describe", "enhance")):
        return rewritten_prompt(topic)
    return (
        f'Here is a take on "{topic.subject()}": {topic.visual(0)}. '
        f"The mood stays {topic.pick(MOODS, 'reply')} throughout."
    )
