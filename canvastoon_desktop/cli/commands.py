"""The subcommands other than ``run`` (which has its own module), and what they share with it:
loading a graph, ``--set`` overrides, target nodes, printing problems."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from nodes import default_registry

from ..core.errors import CoreError, GraphError, GraphFileError
from ..core.fileformat import load_graph
from ..core.graph import Graph
from ..core.params import ParamError
from ..core.pricing import describe_node_quote, format_seconds, format_usd_range
from ..core.secrets import redact_secrets
from ..core.validation import Problem, graph_problems
from .exit_codes import ExitCode
from .output import SafeConsole

err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
out = SafeConsole(highlight=False)


def load(path: str) -> Graph:
    return load_graph(Path(path), default_registry())


def apply_overrides(graph: Graph, overrides: Sequence[str]) -> list[str]:
    """``NODE.PARAM=VALUE`` edits, parsed by each parameter's own declaration."""
    problems = []
    catalog = graph.registry.catalog
    for text in overrides:
        target, sep, value = text.partition("=")
        node_ref, dot, param = target.rpartition(".")
        if not sep or not dot or not node_ref or not param:
            problems.append(f"--set {text!r}: write NODE.PARAM=VALUE")
            continue
        node = graph.find(node_ref)
        if node is None:
            problems.append(f"--set {text!r}: no node {node_ref!r} (use its id or title)")
            continue
        node_type = graph.node_type(node.id)
        model_id = value if param == "model" else node.params.get("model")
        spec = next((s for s in node_type.param_specs(catalog, model_id) if s.name == param), None)
        if spec is None:
            names = ", ".join(s.name for s in node_type.param_specs(catalog, model_id))
            problems.append(
                f"--set {text!r}: {graph.display_name(node.id)} has no parameter "
                f"{param!r} (it has: {names})"
            )
            continue
        try:
            graph.set_param(node.id, param, spec.parse_text(value))
        except (ParamError, GraphError) as exc:
            problems.append(f"--set {text!r}: {exc}")
    return problems


def print_problems(problems: Sequence[Problem | str], *, header: str) -> None:
    err.print(f"[bold red]{header}[/]")
    for problem in problems:
        err.print(f"  • {redact_secrets(str(problem))}", markup=False)


def validate_command(
    files: Sequence[str], *, as_json: bool, allow_outside_paths: bool = False
) -> int:
    from ..workspace import Workspace

    report: list[dict[str, Any]] = []
    bad = False
    workspace = None
    for file in files:
        try:
            graph = load(file)
        except GraphFileError as exc:
            bad = True
            report.append(
                {
                    "file": file,
                    "ok": False,
                    "problems": [{"node": n, "message": m} for n, m in exc.problems],
                }
            )
            if not as_json:
                print_problems(
                    [f"node {n}: {m}" if n else m for n, m in exc.problems],
                    header=f"{file}: cannot be opened",
                )
            continue
        problems = graph_problems(graph)
        if not any(p.code == "cycle" for p in problems):
            workspace = workspace or Workspace.open(read_only=True)  # validate never writes
            _plan, run_issues = workspace.executor.check(
                graph, graph_path=file, allow_outside_paths=allow_outside_paths
            )
            problems += [p for p in run_issues if p not in problems]
        bad = bad or bool(problems)
        report.append(
            {"file": file, "ok": not problems, "problems": [p.as_dict() for p in problems]}
        )
        if not as_json:
            if problems:
                print_problems(problems, header=f"{file}: {len(problems)} problem(s)")
            else:
                out.print(f"[green]✓[/] {file}: {len(graph)} nodes, ready to run")
    if workspace is not None:
        workspace.close()
    if as_json:
        print(redact_secrets(json.dumps({"files": report}, indent=1)))
    return ExitCode.INVALID if bad else ExitCode.OK


def estimate_command(args: argparse.Namespace) -> int:
    from ..workspace import Workspace

    try:
        graph = load(args.file)
    except GraphFileError as exc:
        print_problems([str(exc)], header="cannot estimate")
        return ExitCode.INVALID
    workspace = Workspace.open(library_dir=Path(args.library) if args.library else None)
    try:
        targets = resolve_targets(graph, args.only) if args.only else None
        plan = workspace.executor.plan(graph, targets, args.file)
    except CoreError as exc:
        print_problems([str(exc)], header="cannot estimate")
        return ExitCode.INVALID
    finally:
        workspace.close()
    quote = plan.quote
    if args.json:
        nodes = []
        for node_id, nq in quote.nodes.items():
            nodes.append(
                {
                    "id": node_id,
                    "name": graph.display_name(node_id),
                    "model": nq.model,
                    "runs": nq.runs,
                    "cached": nq.cached,
                    "items_known": nq.items_known,
                    "cost_usd": {"min": round(nq.cost.low, 6), "max": round(nq.cost.high, 6)},
                    "seconds": round(nq.seconds, 1),
                    "unpriced": nq.unpriced,
                }
            )
        print(json.dumps({**quote.as_dict(), "nodes": nodes}, indent=1))
        return ExitCode.OK
    table = Table(title=f"Quote for {args.file}", title_justify="left")
    for column in ("node", "model", "will run", "cached", "cost", "time"):
        table.add_column(column)
    for node_id, nq in quote.nodes.items():
        runs = f"{nq.runs}" + ("" if nq.items_known else "?")
        table.add_row(
            graph.display_name(node_id),
            nq.model or "",
            runs,
            str(nq.cached),
            "no price" if nq.unpriced else format_usd_range(nq.cost.low, nq.cost.high),
            format_seconds(nq.seconds) if nq.runs else "—",
        )
    out.print(table)
    for node_id, nq in quote.nodes.items():
        if nq.runs > 1 and not nq.cost.is_free:
            unit = graph.node_type(node_id).item_noun
            out.print(describe_node_quote(nq, graph.display_name(node_id), unit))
    out.print(f"[bold]{quote.summary()}[/]")
    for node_id, nq in quote.nodes.items():
        if nq.unpriced:
            out.print(f"[red]✗ {graph.display_name(node_id)}: {nq.unpriced}[/]")
    for warning in quote.warnings:
        out.print(f"[yellow]⚠ {warning}[/]")
    return ExitCode.OK


def resolve_targets(graph: Graph, refs: Sequence[str]) -> list[str]:
    targets = []
    for ref in refs:
        node = graph.find(ref)
        if node is None:
            raise CoreError(f"no node {ref!r} in the graph (use its id, an id prefix or its title)")
        targets.append(node.id)
    return targets


def simulate_server_command(args: argparse.Namespace) -> int:
    from ..simulator import serve

    try:
        serve(
            port=args.port,
            latency_preset=args.latency,
            faults_spec=args.faults,
            full_size=args.full_size,
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        return ExitCode.INVALID
    except KeyboardInterrupt:
        pass
    return ExitCode.OK
