"""What the commands share to talk to the terminal: consoles, JSON on stdout, the
``--library`` option and run states in colour."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ..core.library import Library
from ..core.logs import plain
from ..core.secrets import redact_secrets
from ..core.settings import Settings
from ..core.status import NodeStatus, RunStatus

#: run and node states in colour (None: plain)
STATUS_STYLES: dict[NodeStatus | RunStatus, str | None] = {
    RunStatus.RUNNING: None,
    RunStatus.DONE: None,
    RunStatus.FAILED: "red",
    RunStatus.CANCELLED: "magenta",
    RunStatus.REFUSED: "red",
    NodeStatus.DONE: None,
    NodeStatus.CACHED: None,
    NodeStatus.FAILED: "red",
    NodeStatus.SKIPPED: "yellow",
    NodeStatus.CANCELLED: "magenta",
}


def styled_status(status: str) -> str:
    style = STATUS_STYLES.get(status)
    return f"[{style}]{status}[/]" if style else status


class SafeConsole(Console):
    """A rich Console whose every string (messages, table cells) is shown as ``plain``."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(plain(text), **kwargs)


def console() -> Console:
    """Piped output is not cut to 80 columns (a terminal keeps its own width)."""
    probe = Console()
    return SafeConsole(highlight=False, width=None if probe.is_terminal else 140, soft_wrap=True)


def print_json(value: Any) -> None:
    print(redact_secrets(json.dumps(value, ensure_ascii=False, indent=1, default=str)))


def library_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library", metavar="DIR", help="library folder (default: $CANVASTOON_LIBRARY or settings)"
    )


def outside_paths_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="let the graph read or write files outside its own folder (absolute, ~ or ../"
        " paths); refused otherwise, since a shared graph chose them",
    )


def open_library(path: str | None, *, read_only: bool = False) -> Library:
    """The library of ``--library`` or the settings; ``read_only`` for commands that only
    look (they never write, not even on a full disk)."""
    root = Path(path).expanduser() if path else Settings.load().library_path()
    return Library(root, read_only=read_only)
