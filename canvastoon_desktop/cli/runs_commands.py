"""Runs on the command line: what ran, when, at what cost, and how each node ended.

    canvastoon runs [list] [--limit N] [--json]
    canvastoon runs show RUN [--json]       RUN: a run id, or its first 4+ characters

The editor's runs panel shows the same records (``Library.runs`` / ``Library.run_nodes``).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from rich.table import Table

from ..core.errors import CoreError
from ..core.library import RunNode
from ..core.pricing import format_seconds, format_usd
from ..core.secrets import redact_secrets
from .exit_codes import ExitCode
from .output import SafeConsole, console, library_arg, open_library, print_json, styled_status

COMMANDS = ("runs",)


def add_commands(sub: Any) -> None:
    runs = sub.add_parser("runs", help="list runs and show how each node of one ended")
    rsub = runs.add_subparsers(dest="runs_command", metavar="ACTION")
    ls = rsub.add_parser("list", help="the latest runs, newest first (the default)")
    for parser in (runs, ls):
        parser.add_argument(
            "--limit", type=int, default=20, metavar="N", help="show at most N runs (default 20)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")
        library_arg(parser)
    show = rsub.add_parser("show", help="one run: each node's state, cost and error")
    show.add_argument("run", help="the run's id (its first 4+ characters are enough)")
    show.add_argument("--json", action="store_true")
    library_arg(show)


def dispatch(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "runs_command", None) == "show":
            return _show(args)
        return _list(args)
    except CoreError as exc:  # e.g. the library folder is unreadable
        SafeConsole(stderr=True, highlight=False).print(
            redact_secrets(str(exc)), style="red", markup=False
        )
        return ExitCode.FAILED


def _list(args: argparse.Namespace) -> int:
    library = open_library(args.library, read_only=True)
    try:
        runs = library.runs(limit=max(1, args.limit))
    finally:
        library.close()
    if args.json:
        print_json({"library": str(library.root), "runs": [_run_json(r) for r in runs]})
        return ExitCode.OK
    out = console()
    if not runs:
        out.print(f"no runs yet in {library.root}")
        return ExitCode.OK
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("run", "started", "graph", "status", "cost", "time"):
        table.add_column(
            column, no_wrap=True, overflow="ellipsis", max_width=40 if column == "graph" else None
        )
    for run in runs:
        status = str(run["status"])
        table.add_row(
            run["id"][:12],
            _when(run["started_at"]),
            run["graph_name"] or "untitled",
            styled_status(status),
            _usd(run["cost_usd"]),
            _took(run),
        )
    out.print(table)
    noun = "run" if len(runs) == 1 else "runs"
    out.print(f"[dim]{len(runs)} {noun} · details: canvastoon runs show RUN · {library.root}[/]")
    return ExitCode.OK


def _show(args: argparse.Namespace) -> int:
    library = open_library(args.library, read_only=True)
    try:
        found = library.find_runs(args.run)
        nodes = library.run_nodes(found[0]["id"]) if len(found) == 1 else []
    finally:
        library.close()
    if len(found) != 1:
        problem = (
            f"no run {args.run} in the library at {library.root}"
            if not found
            else f"{args.run} matches several runs; give more characters"
        )
        SafeConsole(stderr=True, highlight=False).print(problem, style="red", markup=False)
        return ExitCode.INVALID
    run = found[0]
    if args.json:
        print_json({"run": _run_json(run), "nodes": [_node_json(n) for n in nodes]})
        return ExitCode.OK
    out = console()
    status = str(run["status"])
    out.print(f"[bold]{run['graph_name'] or 'untitled'}[/] · run {run['id']}")
    out.print(
        f"  {_when(run['started_at'])} · {styled_status(status)}"
        f" · {_usd(run['cost_usd'])} · {_took(run)}"
    )
    if run["graph_path"]:
        out.print(f"  {run['graph_path']}", markup=False)
    if not nodes:
        out.print(
            "  [dim]no per-node record (a run from before this was kept, or it was "
            "refused before any node ran)[/]"
        )
        return ExitCode.OK
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("node", "state", "cost", "details"):
        table.add_column(
            column,
            overflow="fold" if column == "details" else "ellipsis",
            no_wrap=column != "details",
        )
    for node in nodes:
        table.add_row(
            node.title,
            styled_status(node.status),
            format_usd(node.cost_usd) if node.cost_usd else "",
            node.detail,
        )
    out.print(table)
    return ExitCode.OK


def _usd(value: Any) -> str:
    return format_usd(float(value)) if value else "—"


def _when(epoch: Any) -> str:
    return datetime.fromtimestamp(float(epoch)).strftime("%Y-%m-%d %H:%M") if epoch else "—"


def _took(run: dict[str, Any]) -> str:
    started, finished = run.get("started_at"), run.get("finished_at")
    return format_seconds(float(finished) - float(started)) if started and finished else "—"


def _run_json(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "graph_name": run["graph_name"],
        "graph_path": run["graph_path"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "status": run["status"],
        "cost_usd": float(run["cost_usd"] or 0),
    }


def _node_json(node: RunNode) -> dict[str, Any]:
    return {
        "node_id": node.node_id,
        "title": node.title,
        "status": node.status,
        "cost_usd": node.cost_usd,
        "detail": node.detail,
    }
