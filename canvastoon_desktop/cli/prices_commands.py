"""The price table on the command line: what is in use and how far it is from the bills.

    canvastoon prices [--json] [--library DIR]   the table, its files, sources and dates,
                                                 and per model the drift between quotes and
                                                 the charges reported in your ledger
    canvastoon prices --path                     where your own prices.json goes

The same table prices every quote (``PriceTable.load``); the drift comes from the ledger's
charges (``Library.charge_totals``): simulated runs are not in it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from typing import Any

from rich.table import Table

from ..core.catalog import PRICE_KEYS, ModelSpec, PriceBy, PriceUnit, default_catalog
from ..core.charges import drift_warnings
from ..core.errors import CoreError
from ..core.library import ChargeTotals
from ..core.pricing import PriceTable, format_usd, format_usd_range
from ..core.secrets import redact_secrets
from ..core.settings import config_dir
from .exit_codes import ExitCode
from .output import console, library_arg, open_library, print_json

COMMANDS = ("prices",)


def add_commands(sub: Any) -> None:
    prices = sub.add_parser(
        "prices", help="the price table in use, its sources, and how quotes compare with bills"
    )
    prices.add_argument("--json", action="store_true", help="print JSON on stdout")
    prices.add_argument(
        "--path", action="store_true", help="print where your own prices.json goes and exit"
    )
    library_arg(prices)


def user_table_path() -> Any:
    return config_dir() / "prices.json"


def dispatch(args: argparse.Namespace) -> int:
    if args.path:
        path = user_table_path()
        print(f"{path}{'' if path.exists() else '  (not there yet: copy resources/prices.json)'}")
        return ExitCode.OK
    err = console()
    try:
        table = PriceTable.load(user_table_path())
        library = open_library(args.library)
        try:
            drift = library.charge_totals()
            where = str(library.root)
        finally:
            library.close()
    except CoreError as exc:
        err.print(redact_secrets(str(exc)), style="red", markup=False)
        return ExitCode.FAILED
    models = [m for m in default_catalog() if not m.free]
    if args.json:
        print_json(_as_json(table, models, drift, where))
        return ExitCode.OK
    _print(table, models, drift, where)
    return ExitCode.OK


def cells(model: ModelSpec, table: PriceTable) -> Iterator[tuple[str, str]]:
    """(setting, price) for each number of the model's entry, e.g. ("768P 10 s",
    "$0.32–$0.34")."""
    entry = table.entry(model.id)
    rule = model.price_rule
    unit = rule.unit
    if unit is PriceUnit.TOKENS:
        for side in ("input", "output"):
            value = entry.get(f"usd_per_million_{side}_tokens")
            if value is not None:
                yield f"1M {side} tokens", _range(value)
        return
    if unit is PriceUnit.GPU_SECOND:
        hardware = entry.get("hardware", "?")
        rate = table.hardware.get(hardware, 0.0)
        seconds = entry.get("predict_seconds", 0)
        low, high = _bounds(seconds)
        yield (
            f"{hardware} at {price(rate)}/s × {low:g}–{high:g} s",
            _range([low * rate, high * rate]),
        )
        return
    key = PRICE_KEYS.get(unit)
    if key is None or key not in entry:
        return
    yield from _walk(entry[key], rule.by, [])


def _walk(node: Any, by: Sequence[PriceBy], path: list[str]) -> Iterator[tuple[str, str]]:
    if not by or not isinstance(node, dict):
        yield " ".join(path) or "each", _range(node)
        return
    level, rest = by[0], by[1:]
    for key, value in node.items():
        label = f"≤ {key} MP" if level.megapixels else _label(level, key)
        yield from _walk(value, rest, [*path, label])


def _label(level: PriceBy, key: str) -> str:
    return f"{key} s" if level.param in ("duration", "seconds") else key


def _bounds(value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2:
        return float(value[0]), float(value[1])
    return float(value), float(value)


def price(value: float) -> str:
    """A price as the table holds it: every digit that matters ($0.1575, $0.000575, $0.10)."""
    text = f"{value:,.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def _range(value: Any) -> str:
    try:
        low, high = _bounds(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{price(low)}–{price(high)}" if low != high else price(low)


def _as_json(
    table: PriceTable, models: list[ModelSpec], drift: list[ChargeTotals], where: str
) -> dict[str, Any]:
    labels = {m.id: m.label for m in models}
    return {
        "paths": table.paths,
        "user_table": str(user_table_path()),
        "warnings": table.warnings,
        "aiml": {
            "usd_per_credit": table.aiml_usd_per_credit,
            **table.citations["aiml"].__dict__,
        },
        "replicate_hardware": {
            "usd_per_second": table.hardware,
            **table.citations["replicate_hardware"].__dict__,
        },
        "models": [
            {
                "id": m.id,
                "label": m.label,
                "provider": m.provider.value,
                "rule": m.price_rule.describe(),
                "prices": dict(cells(m, table)),
                "unpriced": table.uncovered(m),
                "file": table.origins.get(m.id),
                **table.citation(m.id).__dict__,
            }
            for m in models
        ],
        "ledger": where,
        "drift": [d.as_dict() for d in drift],
        "drift_warnings": drift_warnings(drift, list(labels), labels),
    }


def _print(
    table: PriceTable, models: list[ModelSpec], drift: list[ChargeTotals], where: str
) -> None:
    out = console()
    out.print("[bold]Price table[/] " + "  +  ".join(table.paths))
    for warning in table.warnings:
        out.print(f"[yellow]⚠ {warning}[/]", markup=True)
    aiml = table.citations["aiml"]
    out.print(
        f"AIML credits: $1 = {1 / table.aiml_usd_per_credit:,.0f} credits — {aiml.source}"
        f" ({aiml.as_of})",
        markup=False,
    )
    hardware = table.citations["replicate_hardware"]
    rates = ", ".join(f"{k} {price(v)}/s" for k, v in table.hardware.items())
    out.print(f"Replicate hardware: {rates} — {hardware.source} ({hardware.as_of})", markup=False)
    grid = Table(box=None, header_style="bold", pad_edge=False, show_lines=False)
    for column in ("model", "billed", "prices", "as of"):
        grid.add_column(column, overflow="fold")
    for model in models:
        prices = "  ".join(f"{k}: {v}" for k, v in cells(model, table)) or "[red]no price[/]"
        grid.add_row(
            model.label, model.price_rule.describe(), prices, table.citation(model.id).as_of
        )
    out.print(grid)
    for model in models:
        citation = table.citation(model.id)
        origin = table.origins.get(model.id)
        mine = f" (from {origin})" if origin and origin != table.paths[0] else ""
        out.print(f"\n[bold]{model.label}[/]{mine}", highlight=False)
        out.print(f"  source: {citation.source or '(none given)'}", markup=False)
        if citation.note:
            out.print(f"  note: {citation.note}", markup=False)
        for problem in table.uncovered(model):
            out.print(f"  [red]✗ {problem}[/]")
    out.print(f"\n[bold]Your ledger[/] {where}: quotes against the charges the providers reported")
    if not drift:
        out.print("  nothing charged yet (simulated runs are not in the ledger)")
        return
    labels = {m.id: m.label for m in models}
    ledger = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("model", "calls", "reported", "unknown", "above quote", "quoted", "reported $"):
        ledger.add_column(column, no_wrap=True)
    ledger.add_column("drift", no_wrap=True)
    for row in drift:
        pct = row.drift_pct
        ledger.add_row(
            labels.get(row.model, row.model),
            str(row.calls),
            str(row.reported),
            str(row.unknown),
            str(row.over_quote),
            format_usd_range(row.quoted_low_usd, row.quoted_high_usd),
            format_usd(row.reported_usd),
            "—" if pct is None else f"{pct:+.1f}%",
        )
    out.print(ledger)
    for warning in drift_warnings(drift, list(labels), labels):
        out.print(f"[yellow]⚠ {warning}[/]")
