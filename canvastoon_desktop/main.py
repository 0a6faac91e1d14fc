"""The ``canvastoon`` command's front door: windows for ``open`` / ``library`` (and for a
bare file name), the headless CLI for everything else. It sits above both the ``ui`` and
the ``cli`` layers, so neither has to import the other."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import cli


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in cli.command_names() and not args[0].startswith("-")):
        args = ["open", *args]
    if args[0] == "open" and not {"-h", "--help"} & set(args):
        from .ui.app import main as editor

        return editor(args[1:])
    if args[0] == "library" and not {"-h", "--help"} & set(args):
        parser = argparse.ArgumentParser(prog="canvastoon library")
        parser.add_argument("--library", metavar="DIR")
        options = parser.parse_args(args[1:])
        from .ui.gallery import main as gallery

        return int(gallery(["--library", options.library] if options.library else []))
    return cli.main(args)
