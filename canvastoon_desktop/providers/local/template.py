"""The offline template writer: fills a preset's template with the input text.

It is not an AI: it lays the input out in the preset's shape (a scenario gets one shot per
line of the input), so a graph can be built and run end to end with no key and no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
