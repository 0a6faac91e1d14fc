"""Prices, quotes and budgets.

The price *rule* of each model is in the catalog; the *numbers* are in an editable table
(``resources/prices.json``, overridden by a copy in the user's config folder). A quote counts
only the work that will actually run (cache misses) and gives a min–max range in USD plus
a time estimate learned from the user's own past runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import ModelSpec, PriceRule
from .errors import CoreError
from .resources import resources_dir

CHARS_PER_TOKEN = 4.0
#: prompt tokens assumed for an LLM call whose input text is not known yet
UNKNOWN_PROMPT_TOKENS = (200, 2000)


class PriceTableError(CoreError):
    pass


@dataclass(frozen=True, slots=True)
class CostRange:
    low: float = 0.0
    high: float = 0.0

    def __add__(self, other: CostRange) -> CostRange:
        return CostRange(self.low + other.low, self.high + other.high)

    def times(self, factor: float) -> CostRange:
        return CostRange(self.low * factor, self.high * factor)

    @property
    def is_free(self) -> bool:
        return self.high <= 0

    def __str__(self) -> str:
        return format_usd_range(self.low, self.high)


def format_usd(value: float) -> str:
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}".rstrip("0")
    return f"${value:.2f}"


def format_usd_range(low: float, high: float) -> str:
    if abs(high - low) < 0.005 or high <= 0:
        return format_usd(high)
    return f"{format_usd(low)}–{format_usd(high)}"


@dataclass
class PriceTable:
    aiml_usd_per_credit: float
    hardware: dict[str, float]
    models: dict[str, dict[str, Any]]
    source: str = ""

    @classmethod
    def load(cls, *paths: Path) -> PriceTable:
        """The bundled table, with each later file's entries overriding earlier ones."""
        merged: dict[str, Any] = {"models": {}, "replicate_hardware_usd_per_second": {}}
        sources = []
        for path in (resources_dir() / "prices.json", *paths):
            if not path.exists():
                continue
            try:
                doc = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise PriceTableError(
                    f"{path}: the price table is not valid JSON ({exc})"
                ) from None
            if not isinstance(doc, dict) or doc.get("format") != "canvastoon-prices":
                raise PriceTableError(f"{path}: not a CanvasToon price table")
            for key, value in doc.items():
                if isinstance(value, dict) and isinstance(merged.get(key), dict):
                    for sub, entry in value.items():
                        if isinstance(entry, dict) and isinstance(merged[key].get(sub), dict):
                            merged[key][sub] = {**merged[key][sub], **entry}
                        else:
                            merged[key][sub] = entry
                else:
                    merged[key] = value
            sources.append(str(path))
        table = cls(
            aiml_usd_per_credit=float(merged.get("aiml_usd_per_credit", 5e-7)),
            hardware={k: float(v) for k, v in merged["replicate_hardware_usd_per_second"].items()},
            models=merged["models"],
            source=", ".join(sources),
        )
        table._check()
        return table

    def _check(self) -> None:
        for model_id, entry in self.models.items():
            if not isinstance(entry, dict):
                raise PriceTableError(f"price table: entry for {model_id} is not an object")
            for key, value in entry.items():
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if isinstance(v, int | float) and (v < 0 or not math.isfinite(v)):
                        raise PriceTableError(f"price table: {model_id}.{key} must be ≥ 0")
            hw = entry.get("hardware")
            if hw is not None and hw not in self.hardware:
                raise PriceTableError(f"price table: {model_id} uses unknown hardware {hw!r}")

    def entry(self, model_id: str) -> dict[str, Any]:
        return self.models.get(model_id, {})

    # -- actual costs, from what the provider reports ---------------------------------------
    def credits_to_usd(self, credits: float) -> float:
        return max(0.0, float(credits)) * self.aiml_usd_per_credit

    def gpu_time_usd(self, model_id: str, predict_seconds: float) -> float:
        hw = self.entry(model_id).get("hardware")
        rate = self.hardware.get(hw or "", 0.0)
        return max(0.0, predict_seconds) * rate

    def video_seconds_usd(self, model_id: str, seconds: float) -> float:
        low, high = _pair(self.entry(model_id).get("usd_per_video_second", 0.0))
        return max(0.0, seconds) * (low + high) / 2

    def tokens_usd(self, model_id: str, prompt_tokens: int, completion_tokens: int) -> float:
        entry = self.entry(model_id)
        return (
            prompt_tokens * float(entry.get("usd_per_million_input_tokens", 0))
            + completion_tokens * float(entry.get("usd_per_million_output_tokens", 0))
        ) / 1e6

    # -- estimates ------------------------------------------------------------------------
    def estimate(
        self, model: ModelSpec, params: Mapping[str, Any], *, prompt_chars: int | None = None
    ) -> CostRange:
        """What one call of ``model`` with ``params`` should cost, as a min–max range."""
        entry = self.entry(model.id)
        rule = model.price_rule
        if rule is PriceRule.FREE:
            return CostRange()
        if rule is PriceRule.TOKENS:
            out_tokens = int(params.get("max_tokens") or 1024)
            if prompt_chars is None:
                in_low, in_high = UNKNOWN_PROMPT_TOKENS
            else:
                in_low = in_high = int(prompt_chars / CHARS_PER_TOKEN) + 20
            in_price = float(entry.get("usd_per_million_input_tokens", 0)) / 1e6
            out_price = float(entry.get("usd_per_million_output_tokens", 0)) / 1e6
            low = in_low * in_price + min(out_tokens, 64) * out_price
            return CostRange(low, in_high * in_price + out_tokens * out_price)
        if rule is PriceRule.PER_IMAGE:
            count = int(params.get(model.count_param or "", 1) or 1)
            low, high = _pair(entry.get("usd_per_image", 0.0))
            return CostRange(low * count, high * count)
        if rule is PriceRule.PER_VIDEO_SECOND:
            seconds = float(
                params.get(model.duration_param or "", 0) or model.fixed_duration_s or 0
            )
            low, high = _pair(entry.get("usd_per_video_second", 0.0))
            return CostRange(low * seconds, high * seconds)
        if rule is PriceRule.PER_THOUSAND_CHARACTERS:
            low_chars, high_chars = (
                (prompt_chars, prompt_chars) if prompt_chars is not None else UNKNOWN_LINE_CHARS
            )
            low, high = _pair(entry.get("usd_per_thousand_characters", 0.0))
            return CostRange(low * low_chars / 1000, high * high_chars / 1000)
        if rule is PriceRule.PER_AUDIO_SECOND:
            seconds = float(params.get(model.duration_param or "", 0) or 0) * model.duration_unit_s
            low, high = _pair(entry.get("usd_per_audio_second", 0.0))
            return CostRange(low * seconds, high * seconds)
        if rule is PriceRule.GPU_SECONDS:
            rate = self.hardware.get(entry.get("hardware", ""), 0.0)
            low, high = _pair(entry.get("predict_seconds", 0.0))
            return CostRange(low * rate, high * rate)
        return CostRange()


#: a line of dialogue whose length is not known before it runs (a few words to a paragraph)
UNKNOWN_LINE_CHARS = (20, 300)


def _pair(value: Any) -> tuple[float, float]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    return float(value), float(value)


@dataclass(frozen=True)
class Budget:
    """Spending limits in USD; None means no limit."""

    per_run: float | None = None
    per_day: float | None = None
    confirm_over: float | None = None  # ask before a run quoted above this


@dataclass
class NodeQuote:
    node_id: str
    model: str | None
    cost: CostRange
    seconds: float
    runs: int  # node × items that will run
    cached: int  # node × items served from cache or pins
    items_known: bool = True


def describe_node_quote(quote: NodeQuote, name: str, unit: str = "items") -> str:
    """One line of a quote: "Routed clips: 8 shots × $0.34–$1.20 ≈ $2.72–$9.60 · 2 cached"."""
    count = f"{quote.runs}{'' if quote.items_known else ' (expected)'}"
    if quote.runs > 1:
        each = quote.cost.times(1 / quote.runs)
        line = f"{name}: {count} {unit} × {each} ≈ {quote.cost}"
    else:
        line = f"{name}: ≈ {quote.cost}" if quote.runs else f"{name}: nothing to run"
    if quote.cached:
        line += f" · {quote.cached} cached"
    return line


@dataclass
class Quote:
    cost: CostRange = field(default_factory=CostRange)
    seconds: float = 0.0  # wall-time estimate along the critical path
    to_run: int = 0
    cached: int = 0
    nodes: dict[str, NodeQuote] = field(default_factory=dict)

    def summary(self) -> str:
        """The toolbar's line: "≈ $0.42 · ~95 s · 3 cached"."""
        parts = [f"≈ {self.cost}", f"~{format_seconds(self.seconds)}"]
        if self.cached:
            parts.append(f"{self.cached} cached")
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cost_usd": {"min": round(self.cost.low, 6), "max": round(self.cost.high, 6)},
            "seconds": round(self.seconds, 1),
            "to_run": self.to_run,
            "cached": self.cached,
        }


def format_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{max(0, round(seconds))} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def budget_problems(quote: Quote, budget: Budget, spent_today: float) -> list[str]:
    """Why a run with this quote may not start (empty when it may)."""
    problems = []
    high = quote.cost.high
    if budget.per_run is not None and high > budget.per_run + 1e-9:
        problems.append(
            f"this run may cost up to {format_usd(high)}, over the per-run budget of "
            f"{format_usd(budget.per_run)}"
        )
    if budget.per_day is not None and spent_today + high > budget.per_day + 1e-9:
        left = max(0.0, budget.per_day - spent_today)
        problems.append(
            f"this run may cost up to {format_usd(high)} but only {format_usd(left)} of today's "
            f"budget of {format_usd(budget.per_day)} is left"
        )
    return problems
