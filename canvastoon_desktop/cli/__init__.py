"""The ``canvastoon`` command: the desktop editor, and headless runs of the same graphs.

canvastoon [FILE]                      open the editor (with FILE)
canvastoon run FILE [...]              run a graph with progress bars
canvastoon validate FILE...            check graphs: exit 0, or 2 with every problem
canvastoon estimate FILE [--json]      quote: min-max USD, seconds, cached
canvastoon simulate-server [...]       the loopback provider simulator
canvastoon runs [show RUN]             past runs, and how each node of one ended
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..core.logs import setup_logging
from ..core.secrets import remember_known_keys
from . import commands
from .exit_codes import ExitCode
from .output import library_arg, outside_paths_arg


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canvastoon", description="CanvasToon Desktop: node graphs for vertical shorts."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    op = sub.add_parser("open", help="open the desktop editor (the default command)")
    op.add_argument("files", nargs="*", help=".ctoon graph files to open")

    run = sub.add_parser("run", help="run a graph headless with progress bars")
    run.add_argument("file")
    library_arg(run)
    run.add_argument("--budget", type=float, metavar="USD", help="per-run budget for this run")
    run.add_argument("--yes", "-y", action="store_true", help="do not ask before spending")
    run.add_argument("--json", action="store_true", help="print one JSON summary on stdout")
    run.add_argument(
        "--only",
        nargs="+",
        metavar="NODE",
        help="run only these nodes (id, id prefix or title) and what they need",
    )
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NODE.PARAM=VALUE",
        help="change a parameter for this run",
    )
    run.add_argument(
        "--simulate",
        action="store_true",
        help="route hosted models to an in-process provider simulator (no keys, no spend)",
    )
    outside_paths_arg(run)
    run.add_argument(
        "--simulate-latency",
        choices=("short", "realistic"),
        default="short",
        help="simulated job durations (default: short)",
    )

    val = sub.add_parser("validate", help="check graph files (exit 2 on problems)")
    val.add_argument("files", nargs="+")
    val.add_argument("--json", action="store_true")
    outside_paths_arg(val)

    est = sub.add_parser("estimate", help="quote a run: cost range, time, cached nodes")
    est.add_argument("file")
    library_arg(est)
    est.add_argument("--only", nargs="+", metavar="NODE")
    est.add_argument("--json", action="store_true")

    sim = sub.add_parser("simulate-server", help="serve the AIML + Replicate simulator")
    sim.add_argument("--port", type=int, default=0)
    sim.add_argument("--latency", choices=("short", "realistic"), default="short")
    sim.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="e.g. 'replicate.predictions.create:429@0.2,output:drop@0.05'",
    )
    sim.add_argument("--full-size", action="store_true", help="render outputs at real sizes")
    add_extra_commands(sub)
    return parser


def add_extra_commands(sub: Any) -> None:
    """The review tools' commands (assets, pack, unpack), runs and prices."""
    from . import prices_commands, review_commands, runs_commands

    review_commands.add_commands(sub)
    runs_commands.add_commands(sub)
    prices_commands.add_commands(sub)


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command."""
    if args.command == "run":
        from .run import run_command

        return run_command(args)
    if args.command == "validate":
        return commands.validate_command(
            args.files, as_json=args.json, allow_outside_paths=args.allow_outside_paths
        )
    if args.command == "estimate":
        return commands.estimate_command(args)
    if args.command == "simulate-server":
        return commands.simulate_server_command(args)
    if args.command == "runs":
        from . import runs_commands

        return runs_commands.dispatch(args)
    if args.command == "prices":
        from . import prices_commands

        return prices_commands.dispatch(args)
    from . import review_commands

    return review_commands.dispatch(args)


def command_names() -> set[str]:
    parser = build_parser()
    return set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def main(argv: Sequence[str] | None = None) -> int:
    """The headless commands (``canvastoon_desktop.main`` opens the windows)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return ExitCode.INVALID
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.command in (None, "open", "library"):
        print(
            f"canvastoon {args.command or ''}: this opens a window; run it as `canvastoon`",
            file=sys.stderr,
        )
        return ExitCode.INVALID
    remember_known_keys()  # every command's output is redacted of every key, from the start
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        return ExitCode.CANCELLED
