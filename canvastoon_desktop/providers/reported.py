"""Reading the charge a provider reports, as it says it — checking it is the executor's job
(core/charges.py): a number here may be infinite, negative or absurd.

AIML reports credits ($1 = 2,000,000) in ``meta.usage``: ``credits_used`` in its API
schemas and chat answers, ``tokens_used`` in its image examples (Nano Banana Pro: 315,000
for one 1K image). Where: the answer of a synchronous call; for a video, the *create*
answer (Hailuo: the completed poll has no ``meta``), though a poll may carry it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["AIML_CREDIT_KEYS", "Reported", "aiml_credits", "number"]

#: where AIML puts the credits a call used, in the order they are looked for
AIML_CREDIT_KEYS = ("credits_used", "tokens_used")

#: (the number reported — None when nothing was, NaN when it is not a number —, what the
#: provider sent, for the warning: "meta.usage.credits_used=1e400")
Reported = tuple[float | None, str | None]


def aiml_credits(answer: Any) -> Reported:
    """The credits an AIML answer (a JSON object) reports in ``meta.usage``."""
    meta = answer.get("meta") if isinstance(answer, Mapping) else None
    usage = meta.get("usage") if isinstance(meta, Mapping) else None
    if not isinstance(usage, Mapping):
        return None, None
    for key in AIML_CREDIT_KEYS:
        if key in usage and usage[key] is not None:
            value = usage[key]
            return number(value), f"meta.usage.{key}={_show(value)}"
    return None, None


def number(value: Any) -> float:
    """A reported number as a float: NaN when it is not one, ±inf when it overflows."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    try:
        return float(value)
    except OverflowError:  # an integer with hundreds of digits
        return math.inf if value > 0 else -math.inf


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
