"""Errors of the core layer, each with a message fit to show a user.

CoreError
├── GraphFileError      a .ctoon file cannot be read (names the file, and the node if any)
├── GraphError          the graph model refuses an edit (unknown node, bad connection, ...)
├── ValidationFailed    a graph cannot run; carries every Problem found
│   └── RunRefused      a run would exceed a budget, or needs a key that is missing
├── LibraryError        the asset library cannot be opened or written
├── MediaError          a file is not the image / video it claims to be
├── ParamError          a parameter value is wrong (also a ValueError)
└── NodeError           a node's own work failed (raised inside node code); the executor
                        reports it as the ``events.NodeFailed`` event
"""

from __future__ import annotations

from collections.abc import Sequence


class CoreError(Exception):
    """Base of the core layer's errors; ``str(err)`` is a user-facing message."""


class GraphFileError(CoreError):
    """A graph file cannot be opened. ``problems`` lists every (node, message) found."""

    def __init__(
        self,
        path: object,
        problem: str,
        *,
        node: str | None = None,
        problems: Sequence[tuple[str | None, str]] = (),
    ) -> None:
        self.path = str(path)
        self.problems: list[tuple[str | None, str]] = list(problems) or [(node, problem)]
        self.node = node if node is not None else self.problems[0][0]
        lines = [f"node {n}: {m}" if n else m for n, m in self.problems]
        if len(lines) == 1:
            message = f"{self.path}: {lines[0]}"
        else:
            message = f"{self.path}: {len(lines)} problems:\n" + "\n".join(
                f"  - {x}" for x in lines
            )
        super().__init__(message)


class GraphError(CoreError):
    pass


class LibraryError(CoreError):
    pass


class MediaError(CoreError):
    pass


class ValidationFailed(CoreError):
    """A graph cannot run. ``problems`` holds every Problem found (see validation.py)."""

    def __init__(self, problems: Sequence[object]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the graph cannot run ({len(self.problems)} problems):\n{lines}")


class RunRefused(ValidationFailed):
    """Refused before anything was spent: over budget, or a provider key is missing."""


class ParamError(CoreError, ValueError):
    """A parameter value is wrong; the message says what is expected."""


class NodeError(CoreError):
    """Raised by node code for a failure that is the node's own (bad input, empty result)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
