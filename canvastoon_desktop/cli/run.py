"""``canvastoon run``: one graph, headless, with progress bars and a summary (or --json)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..core.assets import Asset, value_assets
from ..core.errors import CoreError, GraphFileError, RunRefused
from ..core.executor import RunSummary
from ..core.library import Library
from ..core.pricing import Budget, format_usd, format_usd_range
from ..core.secrets import redact_secrets
from ..core.settings import Settings
from ..core.status import RunStatus
from .commands import (
    apply_overrides,
    load,
    print_problems,
    resolve_targets,
)
from .exit_codes import ExitCode
from .output import SafeConsole, styled_status
from .progress import RunProgress


def run_command(args: argparse.Namespace) -> int:
    err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
    try:
        graph = load(args.file)
    except GraphFileError as exc:
        return _refuse(args, [str(exc)], "cannot open the graph", err)
    problems = apply_overrides(graph, args.overrides)
    if problems:
        return _refuse(args, problems, "bad --set", err)
    settings = Settings.load()
    budget = settings.budget
    if args.simulate:  # nothing real is spent: no limits unless asked for
        budget = Budget()
    if args.budget is not None:
        budget = replace(budget, per_run=args.budget)
    simulator = None
    setup = None
    if args.simulate:
        from ..providers import ProviderSetup
        from ..simulator import Latencies, Simulator, SimulatorConfig

        latencies = Latencies.realistic() if args.simulate_latency == "realistic" else Latencies()
        simulator = Simulator(SimulatorConfig(latencies=latencies))
        simulator.start()
        setup = ProviderSetup.simulated(simulator.aiml_base_url, simulator.replicate_base_url)
        if not args.json:
            err.print(
                f"[dim]simulating providers at {simulator.replicate_base_url} "
                "(no keys, no spend; budgets not applied)[/]"
            )
    from ..workspace import Workspace

    try:
        workspace = Workspace.open(
            settings=settings,
            library_dir=Path(args.library) if args.library else None,
            setup=setup,
            budget=budget,
        )
    except CoreError as exc:
        if simulator:
            simulator.stop()
        return _refuse(args, [str(exc)], "cannot open the library", err)
    try:
        targets = resolve_targets(graph, args.only) if args.only else None
        return asyncio.run(_run(workspace, graph, args, targets, budget, err))
    except CoreError as exc:
        return _refuse(args, [str(exc)], "cannot run", err)
    finally:
        workspace.close()
        if simulator:
            simulator.stop()


async def _run(
    workspace: Any, graph: Any, args: argparse.Namespace, targets: Any, budget: Any, err: Console
) -> int:
    executor = workspace.executor
    allow = args.allow_outside_paths
    plan, problems = executor.check(
        graph, targets, graph_path=args.file, budget=budget, allow_outside_paths=allow
    )
    if problems or plan is None:
        return _refuse(args, problems, f"{args.file} cannot run", err)
    quote = plan.quote
    if not args.json:
        err.print(f"[bold]{Path(args.file).name}[/]: {quote.summary()}")
    over = budget.confirm_over is not None and quote.cost.high > budget.confirm_over
    if over and not args.yes and not _confirm(quote, err):
        return _refuse(
            args,
            [
                f"this run may cost up to {format_usd(quote.cost.high)}, over "
                f"the confirm threshold of {format_usd(budget.confirm_over)}; "
                "pass --yes to run it"
            ],
            "not confirmed",
            err,
        )
    run = executor.start(
        graph, targets=targets, graph_path=args.file, budget=budget, allow_outside_paths=allow
    )
    loop = asyncio.get_running_loop()
    presses = 0

    def interrupt() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            err.print("[yellow]cancelling… (Ctrl+C again to quit at once)[/]")
            run.cancel()
        else:
            raise SystemExit(ExitCode.CANCELLED)

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, interrupt)
        loop.add_signal_handler(signal.SIGTERM, interrupt)
    display = RunProgress(graph, plan, err) if not args.json else None
    try:
        if display is not None:
            run.events.connect(display.handle)
            with display:
                summary = await run.wait()
        else:
            summary = await run.wait()
    except RunRefused as exc:
        return _refuse(args, exc.problems, f"{args.file} cannot run", err)
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)
    if args.json:
        doc = summary_json(summary, graph, workspace.library)
        print(redact_secrets(json.dumps(doc, indent=1)))
    else:
        _print_summary(summary, graph, workspace.library, SafeConsole(highlight=False))
    exits = {
        RunStatus.DONE: ExitCode.OK,
        RunStatus.FAILED: ExitCode.FAILED,
        RunStatus.CANCELLED: ExitCode.CANCELLED,
    }
    return exits.get(summary.status, ExitCode.FAILED)


def summary_json(summary: RunSummary, graph: Any, library: Library) -> dict[str, Any]:
    nodes = []
    for node_id, outcome in summary.nodes.items():
        assets = [
            {"sha256": a.sha256, "path": str(library.file_path(a)), "kind": a.kind.value}
            for value in outcome.outputs.values()
            for a in value_assets(value)
        ]
        nodes.append(
            {
                "id": node_id,
                "type": graph.nodes[node_id].type,
                "model": outcome.model,
                "status": outcome.status,
                "assets": assets,
                "cost_usd": round(outcome.cost_usd, 6),
                "error": outcome.error,
            }
        )
    return {
        "run_id": summary.run_id,
        "status": summary.status,
        "cost_usd": round(summary.cost_usd, 6),
        "nodes": nodes,
    }


def _print_summary(summary: RunSummary, graph: Any, library: Library, console: Console) -> None:
    table = Table(
        title=f"Run {summary.run_id[:8]} · {summary.status} · "
        f"{format_usd(summary.cost_usd)} · {summary.wall_s:.1f} s",
        title_justify="left",
    )
    for column in ("node", "status", "cost", "result"):
        table.add_column(column, overflow="fold")
    for node_id, outcome in summary.nodes.items():
        assets = [a for v in outcome.outputs.values() for a in value_assets(v)]
        detail = (
            outcome.error or outcome.note or "  ".join(_describe(library, a) for a in assets[:3])
        )
        if len(assets) > 3:
            detail += f"  (+{len(assets) - 3} more)"
        table.add_row(
            graph.display_name(node_id),
            styled_status(outcome.status),
            format_usd(outcome.cost_usd) if outcome.cost_usd else "",
            detail,
        )
    console.print(table)
    console.print(f"[dim]library: {library.root} · details: canvastoon assets show SHA[/]")


def _describe(library: Library, asset: Asset) -> str:
    if asset.kind.value == "text":
        text = " ".join(library.read_text(asset).split())
        return f'"{text[:60]}{"…" if len(text) > 60 else ""}"'
    size = f" {asset.width}×{asset.height}" if asset.width else ""
    length = f" {asset.duration_s:.1f}s" if asset.duration_s else ""
    return f"{asset.kind.value}{size}{length} {asset.short}"


def _confirm(quote: Any, err: Console) -> bool:
    if not sys.stdin.isatty():
        return False
    err.print(
        f"This run may cost {format_usd_range(quote.cost.low, quote.cost.high)}. Continue? [y/N] ",
        end="",
    )
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _refuse(args: argparse.Namespace, problems: Any, header: str, err: Console) -> int:
    if getattr(args, "json", False):
        doc = {
            "run_id": None,
            "status": RunStatus.REFUSED,
            "cost_usd": 0.0,
            "nodes": [],
            "problems": [
                p.as_dict() if hasattr(p, "as_dict") else {"message": str(p)} for p in problems
            ],
        }
        print(redact_secrets(json.dumps(doc, indent=1)))
    else:
        print_problems(list(problems), header=header)
    return ExitCode.INVALID
