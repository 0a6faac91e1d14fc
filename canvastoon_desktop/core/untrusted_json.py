"""JSON from strangers (graph files, pack manifests, provenance): parsed, then walked once,
without recursion, for what would break the app later rather than now.

``json`` accepts things that fail far from where they came in: ``1e400`` parses as infinity
(every later save refuses it), ``"\\ud800"`` as a lone surrogate (no UTF-8 encoder takes
it: saves, SQLite and the terminal fail), and a value nested 900 levels deep parses but
breaks ``copy.deepcopy`` and pydantic with a RecursionError. ``check_tree`` finds these
and says where, as a path such as ``nodes[2].params.text``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

__all__ = ["MAX_DEPTH", "UntrustedJson", "check_tree", "has_surrogate", "loads", "where"]

#: no document the app writes nests anywhere near this deep
MAX_DEPTH = 64


class UntrustedJson(ValueError):
    """The JSON is malformed or holds a value the app refuses; ``path`` says where (a list
    of keys and indexes, empty for the whole document) and ``problem`` what."""

    def __init__(self, path: list[str | int], problem: str) -> None:
        self.path = path
        self.problem = problem
        #: the parsed document, when the problem was found after parsing (to name things)
        self.document: Any = None
        super().__init__(f"{where(path)}: {problem}" if path else problem)


def where(path: list[str | int]) -> str:
    """A path as a message shows it: ``nodes[2].params.text``."""
    if len(path) > 8:  # a deep path: its start and end say enough
        return f"{where(path[:4])}… ({len(path)} levels down)"
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if len(part) <= 40 and part.isprintable() else repr(part[:40])
            text += f".{shown}" if text else shown
    return text


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (it cannot be written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON (no duplicate keys, no NaN/Infinity literals) and ``check_tree`` it."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UntrustedJson([], f"not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse)
    except RecursionError:
        raise UntrustedJson([], "the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        what = "it ends too early (truncated?)" if exc.pos >= len(text.rstrip()) else exc.msg
        raise UntrustedJson(
            [], f"not valid JSON: {what} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except ValueError as exc:  # duplicate keys, constants, an integer of 4,300+ digits
        raise UntrustedJson([], f"not valid JSON: {exc}") from None
    try:
        check_tree(value, max_depth=max_depth)
    except UntrustedJson as exc:
        exc.document = value
        raise
    return value


def check_tree(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise UntrustedJson at the first value nested deeper than ``max_depth``, the first
    string (key or value) with a lone surrogate, or the first number that is not finite."""
    for path, item in _walk(value, max_depth):
        if isinstance(item, str):
            if has_surrogate(item):
                raise UntrustedJson(path, "contains a character that is not valid Unicode")
        elif isinstance(item, float) and not math.isfinite(item):
            raise UntrustedJson(path, "is not a finite number (too large?)")


def _walk(value: Any, max_depth: int) -> Iterator[tuple[list[str | int], Any]]:
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict | list):
            if len(path) >= max_depth:
                raise UntrustedJson(path, f"is nested too deeply (more than {max_depth} levels)")
            if isinstance(item, dict):
                for key, inner in item.items():
                    if has_surrogate(key):
                        raise UntrustedJson(path, "has a key that is not valid Unicode")
                    stack.append(([*path, key], inner))
            else:
                stack.extend(([*path, index], inner) for index, inner in enumerate(item))
        else:
            yield path, item


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key[:60]!r} appears twice in one object")
        result[key] = value
    return result


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
