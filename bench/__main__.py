"""Run the benchmarks: ``python -m bench [SUITE...]`` (all suites when none is named).

Prints a table and merges the figures into ``bench/results.json`` under stable names.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SUITES = (
    "core_bench",
    "local_bench",
    "providers_bench",
    "gui_bench",
    "gallery_bench",
    "episode_bench",
    "money_bench",
    "shorts_bench",
)
RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    wanted = [f"{name}_bench" if not name.endswith("_bench") else name for name in argv] or SUITES
    console = Console()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    table = Table(title="CanvasToon benchmarks")
    for column in ("figure", "value", "target", "ok"):
        table.add_column(column)
    failures = 0
    for suite in wanted:
        try:
            module = importlib.import_module(f"bench.{suite}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{suite}":
                continue
            raise
        started = time.monotonic()
        console.print(f"[bold]{suite}[/] …")
        for figure in module.run():
            results[figure.name] = figure.value
            ok = figure.meets_target()
            failures += not ok
            table.add_row(
                figure.name,
                f"{figure.value:.4g}",
                figure.target_text,
                "[green]yes[/]" if ok else "[red]no[/]",
            )
        console.print(f"  {time.monotonic() - started:.1f} s")
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=1) + "\n")
    console.print(table)
    console.print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
