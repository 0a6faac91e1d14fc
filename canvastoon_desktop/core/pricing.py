"""Prices, quotes and budgets.

The price *rule* of each model is declared in the catalog (what the provider counts and
which parameters pick the rate); the *numbers* are in an editable table
(``resources/prices.json``, overridden by a copy in the user's config folder), each entry
with the document it was taken from and the date it was read. A quote counts only the work
that will actually run (cache misses) and gives a min–max range in USD plus a time estimate
learned from the user's own past runs. A model, or a setting of it, without a price has no
quote: the run is refused before anything is sent (never quoted $0).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import PRICE_KEYS, ModelSpec, PriceBy, PriceUnit
from .errors import CoreError
from .params import ParamKind
from .resources import resources_dir

TABLE_FORMAT = "canvastoon-prices"
TABLE_VERSION = 2
#: prompt tokens assumed for an LLM call whose input text is not known yet
UNKNOWN_PROMPT_TOKENS = (0, 4000)
#: a tokenizer makes at least one token of this many characters (English: about 4)
MAX_CHARS_PER_TOKEN = 8
#: tokens a chat request adds around its messages (roles, separators)
MESSAGE_OVERHEAD_TOKENS = 32
#: AIML's documented conversion, when a table leaves it out
AIML_USD_PER_CREDIT = 1 / 2_000_000


class PriceTableError(CoreError):
    pass


class UnpricedModel(PriceTableError):
    """A model, or one of its settings, has no price in the table: it cannot be quoted."""


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

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        return format_usd_range(self.low, self.high)


def format_usd(value: float) -> str:
    if not math.isfinite(value):
        return "unknown"
    if value == 0:
        return "$0"
    if abs(value) < 0.0001:
        return "<$0.0001"
    if abs(value) < 0.01:
        return f"${value:.4f}".rstrip("0")
    return f"${value:.2f}"


def format_usd_range(low: float, high: float) -> str:
    if abs(high - low) < 0.005 or high <= 0:
        return format_usd(high)
    return f"{format_usd(low)}–{format_usd(high)}"


Rate = tuple[float, float]


@dataclass(frozen=True)
class Citation:
    """Where a number came from: a URL or a document, the date it was read, a note."""

    source: str = ""
    as_of: str = ""
    note: str = ""

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Citation:
        return cls(
            str(entry.get("source") or ""),
            str(entry.get("as_of") or ""),
            str(entry.get("note") or ""),
        )


@dataclass
class PriceTable:
    aiml_usd_per_credit: float
    hardware: dict[str, float]
    models: dict[str, dict[str, Any]]
    #: the files merged into this table, the bundled one first
    paths: list[str] = field(default_factory=list)
    #: per model id, the file its entry was last set by
    origins: dict[str, str] = field(default_factory=dict)
    #: citations of the shared numbers: "aiml" (credits) and "replicate_hardware"
    citations: dict[str, Citation] = field(default_factory=dict)
    #: things in the files that were ignored, each naming the file
    warnings: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return ", ".join(self.paths)

    @classmethod
    def load(cls, *paths: Path) -> PriceTable:
        """The bundled table, with each later file's entries overriding earlier ones (nested
        numbers merge: a file may change one resolution's price and keep the others)."""
        merged: dict[str, Any] = {"models": {}}
        used: list[str] = []
        origins: dict[str, str] = {}
        warnings: list[str] = []
        for path in (resources_dir() / "prices.json", *paths):
            if not path.exists():
                continue
            try:
                doc = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise PriceTableError(
                    f"{path}: the price table is not valid JSON ({exc})"
                ) from None
            if not isinstance(doc, dict) or doc.get("format") != TABLE_FORMAT:
                raise PriceTableError(f"{path}: not a CanvasToon price table")
            version = doc.get("version", TABLE_VERSION)
            if not isinstance(version, int) or version > TABLE_VERSION:
                raise PriceTableError(
                    f"{path}: price table version {version!r} is newer than this app "
                    f"(it reads up to {TABLE_VERSION}); update the app"
                )
            if version < TABLE_VERSION:
                warnings.append(
                    f"{path}: a version {version} price table (before per-setting prices); "
                    "entries in the old form are ignored — `canvastoon prices` shows the table"
                )
            models = doc.get("models", {})
            if not isinstance(models, dict):
                raise PriceTableError(f"{path}: 'models' must be an object")
            for model_id in models:
                origins[str(model_id)] = str(path)
            _merge(merged, doc)
            used.append(str(path))
        aiml = merged.get("aiml")
        aiml = aiml if isinstance(aiml, dict) else {}
        hardware = merged.get("replicate_hardware")
        hardware = hardware if isinstance(hardware, dict) else {}
        rates = hardware.get("usd_per_second", {})
        table = cls(
            aiml_usd_per_credit=_number(
                aiml.get("usd_per_credit", AIML_USD_PER_CREDIT), "aiml.usd_per_credit"
            ),
            hardware={
                str(k): _number(v, f"replicate_hardware.{k}")
                for k, v in (rates.items() if isinstance(rates, dict) else ())
            },
            models=merged["models"],
            paths=used,
            origins=origins,
            citations={"aiml": Citation.of(aiml), "replicate_hardware": Citation.of(hardware)},
            warnings=warnings,
        )
        table._check()
        return table

    def _check(self) -> None:
        for model_id, entry in self.models.items():
            if not isinstance(entry, dict):
                raise PriceTableError(f"price table: entry for {model_id} is not an object")
            for key, value in entry.items():
                if key in ("source", "as_of", "note", "hardware"):
                    if not isinstance(value, str):
                        raise PriceTableError(f"price table: {model_id}.{key} must be text")
                    continue
                _check_numbers(value, f"{model_id}.{key}")
            hw = entry.get("hardware")
            if hw is not None and hw not in self.hardware:
                raise PriceTableError(f"price table: {model_id} uses unknown hardware {hw!r}")

    def entry(self, model_id: str) -> dict[str, Any]:
        return self.models.get(model_id, {})

    def citation(self, model_id: str) -> Citation:
        return Citation.of(self.entry(model_id))

    # -- coverage -------------------------------------------------------------------------
    def price_problem(self, model: ModelSpec, params: Mapping[str, Any]) -> str | None:
        """Why a call of ``model`` with ``params`` cannot be quoted (None when it can)."""
        try:
            self.estimate(model, params)
        except UnpricedModel as exc:
            return str(exc)
        return None

    def uncovered(self, model: ModelSpec) -> list[str]:
        """Every setting the model accepts that the table has no price for."""
        found = []
        for values in settings_of(model):
            problem = self.price_problem(model, model.call_params(values))
            if problem:
                found.append(problem)
        return found

    # -- what a call should cost ----------------------------------------------------------
    def rate(self, model: ModelSpec, params: Mapping[str, Any]) -> Rate:
        """The per-unit price (min, max) of a call with ``params``; UnpricedModel if none."""
        rule = model.price_rule
        entry = self._entry_or_raise(model)
        key = PRICE_KEYS.get(rule.unit)
        if key is None:
            raise UnpricedModel(f"{model.label} is not billed by a single rate")
        node: Any = entry.get(key)
        if node is None:
            raise UnpricedModel(f"{model.label} has no {key} in {self._where(model)}")
        path: list[str] = []
        for by in rule.by:
            if not isinstance(node, dict):
                raise UnpricedModel(
                    f"{model.label}: {key} in {self._where(model)} must be split by {by.name}"
                )
            node, label = _level(node, by, params)
            path.append(label)
            if node is None:
                raise UnpricedModel(
                    f"no price for {model.label} at {by.name} {label} in {self._where(model)}"
                )
        if isinstance(node, dict):
            raise UnpricedModel(
                f"{model.label}: {key} in {self._where(model)} is split further than the "
                f"model's price rule ({model.price_rule.describe()})"
            )
        return _pair(node)

    def estimate(
        self, model: ModelSpec, params: Mapping[str, Any], *, prompt_chars: int | None = None
    ) -> CostRange:
        """What one call of ``model`` with ``params`` should cost, as a min–max range.

        Raises UnpricedModel when the table has no price for the model or this setting."""
        params = model.call_params(params)
        rule = model.price_rule
        unit = rule.unit
        if unit is PriceUnit.FREE:
            return CostRange()
        if unit is PriceUnit.TOKENS:
            entry = self._entry_or_raise(model)
            try:
                in_rate = _pair(entry["usd_per_million_input_tokens"])
                out_rate = _pair(entry["usd_per_million_output_tokens"])
            except KeyError as exc:
                raise UnpricedModel(
                    f"{model.label} has no {exc.args[0]} in {self._where(model)}"
                ) from None
            out_tokens = int(params.get(rule.max_tokens or "", 0) or 1024)
            if prompt_chars is None:
                in_low, in_high = UNKNOWN_PROMPT_TOKENS
            else:
                in_low = prompt_chars // MAX_CHARS_PER_TOKEN
                in_high = prompt_chars + MESSAGE_OVERHEAD_TOKENS
            return CostRange(
                (in_low * in_rate[0] + 1 * out_rate[0]) / 1e6,
                (in_high * in_rate[1] + out_tokens * out_rate[1]) / 1e6,
            )
        if unit is PriceUnit.GPU_SECOND:
            entry = self._entry_or_raise(model)
            hw = entry.get("hardware")
            if not hw:
                raise UnpricedModel(f"{model.label} has no hardware in {self._where(model)}")
            low, high = _pair(entry.get("predict_seconds", 0.0))
            rate = self.hardware[hw]
            return CostRange(low * rate, high * rate)
        low, high = self.rate(model, params)
        count = int(params.get(rule.count or "", 1) or 1)
        if unit is PriceUnit.OUTPUT:
            return CostRange(low * count, high * count)
        if unit is PriceUnit.OUTPUT_SECOND:
            seconds = self._seconds(model, params)
            return CostRange(low * seconds[0] * count, high * seconds[1] * count)
        # CHARACTER: per million characters of the input text
        if prompt_chars is None:
            chars = (0, model.max_prompt_length or 0)
        else:
            chars = (prompt_chars, prompt_chars)
        if not chars[1]:
            raise UnpricedModel(f"{model.label} has no prompt length to price by")
        return CostRange(low * chars[0] / 1e6, high * chars[1] / 1e6)

    def _seconds(self, model: ModelSpec, params: Mapping[str, Any]) -> Rate:
        seconds = model.price_rule.output_seconds(params)
        if seconds is not None:
            return seconds, seconds
        guess = self.entry(model.id).get("seconds")
        if guess is None:
            raise UnpricedModel(
                f"{model.label} has no output length to price by: give 'seconds' "
                f"in {self._where(model)}"
            )
        return _pair(guess)

    # -- what the provider bills, from what it reports -------------------------------------
    def credits_to_usd(self, credits: float) -> float:
        """AIML credits in USD (unchecked: see ``charges.settle`` for hostile numbers)."""
        return float(credits) * self.aiml_usd_per_credit

    def gpu_time_usd(self, model_id: str, predict_seconds: float) -> float:
        hw = self.entry(model_id).get("hardware")
        return float(predict_seconds) * self.hardware.get(hw or "", 0.0)

    def outputs_usd(
        self,
        model: ModelSpec,
        params: Mapping[str, Any],
        outputs: int,
        seconds: float | None = None,
    ) -> float:
        """What a per-output model bills for ``outputs`` delivered (each ``seconds`` long when
        it is billed by the second and the length is not a parameter)."""
        params = model.call_params(params)
        high = self.rate(model, params)[1]  # a range bills at its max: the safe side
        if model.price_rule.unit is PriceUnit.OUTPUT_SECOND:
            declared = model.price_rule.output_seconds(params)
            if declared is not None:
                seconds = declared
            return high * float(seconds or 0) * outputs
        return high * outputs

    def tokens_usd(self, model_id: str, prompt_tokens: int, completion_tokens: int) -> float:
        """Tokens at the table's (highest) rates, for a chat whose charge was not reported."""
        entry = self.entry(model_id)
        in_rate = _pair(entry.get("usd_per_million_input_tokens", 0))[1]
        out_rate = _pair(entry.get("usd_per_million_output_tokens", 0))[1]
        return (prompt_tokens * in_rate + completion_tokens * out_rate) / 1e6

    def _entry_or_raise(self, model: ModelSpec) -> dict[str, Any]:
        entry = self.models.get(model.id)
        if not entry:
            raise UnpricedModel(
                f"{model.label} ({model.id}) has no price in the price table "
                f"({self.source or 'none loaded'}); add an entry before running it"
            )
        return entry

    def _where(self, model: ModelSpec) -> str:
        return self.origins.get(model.id) or "the price table"


def settings_of(model: ModelSpec) -> Iterator[dict[str, Any]]:
    """Every combination of the values the model's price-deciding params accept (enums and
    booleans; other params at their defaults), minus those the model refuses."""
    axes: list[tuple[str, tuple[Any, ...]]] = []
    for by in model.price_rule.by:
        spec = model.param(by.param)
        if by.megapixels or spec is None:
            continue
        if spec.kind is ParamKind.BOOL:
            axes.append((spec.name, (True, False)))
        elif spec.choices:
            axes.append((spec.name, tuple(spec.choices)))
    names = [name for name, _ in axes]
    for combo in itertools.product(*(values for _, values in axes)):
        values = dict(zip(names, combo, strict=True))
        if not model.problems(model.call_params(values)):
            yield values


def _level(node: dict[str, Any], by: PriceBy, params: Mapping[str, Any]) -> tuple[Any, str]:
    """The next level of a nested price for ``params``, and how it was chosen."""
    if not by.megapixels:
        label = by.key(params)
        return node.get(label), label
    megapixels = by.pixels(params) / 1e6
    label = f"{megapixels:.2f} MP"
    tiers = []
    for key, value in node.items():
        try:
            tiers.append((float(key), value))
        except ValueError:
            continue
    fitting = [t for t in sorted(tiers, key=lambda t: t[0]) if megapixels <= t[0] + 1e-9]
    if not fitting:
        top = max((t[0] for t in tiers), default=0)
        return None, f"{label} (the table's tiers go up to {top:g} MP)"
    return fitting[0][1], label


def _merge(into: dict[str, Any], doc: Mapping[str, Any]) -> None:
    for key, value in doc.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, dict):
            into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceTableError(f"price table: {what} must be a number")
    if not math.isfinite(value) or value < 0:
        raise PriceTableError(f"price table: {what} must be a finite number ≥ 0")
    return float(value)


def _check_numbers(value: Any, what: str) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _check_numbers(sub, f"{what}.{key}")
    elif isinstance(value, list):
        if len(value) != 2:
            raise PriceTableError(f"price table: {what} must be a number or [min, max]")
        low, high = (_number(v, what) for v in value)
        if low > high:
            raise PriceTableError(f"price table: {what} has its min above its max")
    else:
        _number(value, what)


def _pair(value: Any) -> Rate:
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), float(value)
    raise PriceTableError(f"price table: {value!r} is not a price")


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
    #: why its work has no price (it is left out of the cost, and the run is refused)
    unpriced: str | None = None


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
    #: models in this quote whose reported charges went above their quotes (the ledger)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The toolbar's line: "≈ $0.42 · ~95 s · 3 cached"."""
        parts = [f"≈ {self.cost}", f"~{format_seconds(self.seconds)}"]
        unpriced = sum(1 for n in self.nodes.values() if n.unpriced)
        if unpriced:  # never a silent $0: the cost leaves them out, and says so
            parts[0] += f" + {unpriced} node{'s' if unpriced > 1 else ''} without a price"
        if self.cached:
            parts.append(f"{self.cached} cached")
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cost_usd": {"min": round(self.cost.low, 6), "max": round(self.cost.high, 6)},
            "seconds": round(self.seconds, 1),
            "to_run": self.to_run,
            "cached": self.cached,
            "warnings": list(self.warnings),
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
