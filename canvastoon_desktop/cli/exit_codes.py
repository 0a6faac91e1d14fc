"""The ``canvastoon`` command's exit codes, declared once for every subcommand."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the work ran and something in it failed
    INVALID = 2  # a bad file, argument or graph: nothing ran
    CANCELLED = 130  # Ctrl+C, as shells report SIGINT
