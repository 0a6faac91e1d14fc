"""``python -m canvastoon_desktop.simulator``: run the provider simulator in the foreground."""

from __future__ import annotations

import argparse
import sys

from .server import DEFAULT_SERVE_PORT, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m canvastoon_desktop.simulator",
        description="Loopback AIML + Replicate simulator (no keys, no spend).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVE_PORT, help="0 picks a free port")
    parser.add_argument("--latency", default="short", choices=("short", "realistic", "instant"))
    parser.add_argument(
        "--faults",
        default="",
        help="e.g. 'replicate.predictions.create:429@0.2,output:drop@0.05' (see faults.py)",
    )
    parser.add_argument("--full-size", action="store_true", help="render real output sizes")
    parser.add_argument("--seed", type=int, default=0, help="seed for fault rates")
    args = parser.parse_args(argv)
    try:
        serve(args.port, args.latency, args.faults, args.full_size, host=args.host, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
