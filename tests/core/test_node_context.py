"""Nodes work through a narrow context: what NodeContext lists, never the executor's Run."""

from __future__ import annotations

import ast
from pathlib import Path

from canvastoon_desktop.core import item_context, runtime

ROOT = Path(__file__).resolve().parents[2]


def _protocol_members(protocol: type) -> set[str]:
    return {
        name
        for name in (*vars(protocol), *getattr(protocol, "__annotations__", {}))
        if not name.startswith("_")
    }


def _context_attributes_used_by_nodes() -> dict[str, set[str]]:
    """``ctx.<name>`` in node code, for every parameter annotated as a NodeContext."""
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "nodes").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = {
                a.arg
                for a in fn.args.args + fn.args.kwonlyargs
                if a.annotation is not None and ast.unparse(a.annotation) == "NodeContext"
            }
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in names
                ):
                    used.setdefault(node.attr, set()).add(path.name)
    return used


def test_node_code_uses_only_what_the_node_context_lists() -> None:
    used = _context_attributes_used_by_nodes()
    assert used, "no node reads its context: the scan is broken"
    unlisted = {
        name: files
        for name, files in used.items()
        if name not in _protocol_members(runtime.NodeContext)
    }
    assert not unlisted


def test_the_context_the_executor_hands_out_provides_every_listed_member() -> None:
    missing = {
        name
        for name in _protocol_members(runtime.NodeContext)
        if name not in item_context.ItemContext.__slots__
        and not hasattr(item_context.ItemContext, name)
    }
    assert not missing


def test_the_node_context_module_knows_nothing_of_the_executor() -> None:
    for module in (runtime, item_context):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not {m for m in imported if m.endswith("executor")}, module.__name__
