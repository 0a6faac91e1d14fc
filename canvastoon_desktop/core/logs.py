"""What the app writes to its log and terminal: never a key, never a control sequence.

The CLI and the editor set up logging here, the same way: every record goes through
``LogScrubber``, which redacts every key the app knows (``secrets.redact_secrets``) and
strips terminal control sequences (``plain``) — a log line may quote a model's answer or a
file name from a shared graph, and a terminal showing it must not obey it.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from .secrets import redact_secrets

__all__ = ["LogScrubber", "plain", "setup_logging"]

#: escape sequences (CSI, OSC, ...) and the other C0/C1 control characters but tab and newline
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[@-Z\\-_]?"  # any other escape
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)

#: libraries that say too much at INFO and DEBUG
_NOISY = (
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "openai",
    "replicate",
    "aiohttp.access",
    "PIL",
    "asyncio",
)


def plain(text: str) -> str:
    """``text`` without terminal control sequences: model answers, file names and titles
    from a shared graph are shown, never obeyed, by the terminal."""
    return _CONTROL.sub("", text) if text else text


class LogScrubber(logging.Filter):
    """Scrubs every record: known keys redacted, control sequences stripped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = plain(redact_secrets(message))
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = plain(redact_secrets(record.exc_text))
        return True


def setup_logging(verbose: bool = False) -> logging.Handler:
    """Log to stderr through ``LogScrubber`` (DEBUG with ``verbose`` or CANVASTOON_DEBUG,
    else WARNING); returns the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(LogScrubber())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(
        logging.DEBUG if verbose or os.environ.get("CANVASTOON_DEBUG") else logging.WARNING
    )
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
