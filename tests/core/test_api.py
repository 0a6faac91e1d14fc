"""canvastoon_desktop.core.api is the core's one surface for node code, and lists exactly
what the nodes import (as httpx's test_exported_members checks its own ``__all__``)."""

from __future__ import annotations

import ast
from pathlib import Path

from canvastoon_desktop.core import api

ROOT = Path(__file__).resolve().parents[2]


def _isort_style(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions and modules (ruff's RUF022 order)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_exported_members_are_sorted_and_all_defined() -> None:
    assert api.__all__ == sorted(api.__all__, key=_isort_style)
    assert len(set(api.__all__)) == len(api.__all__)
    public = {name for name in vars(api) if not name.startswith("_") and name != "annotations"}
    assert public == set(api.__all__)


def _names_nodes_import_from_the_core() -> dict[str, set[str]]:
    imports: dict[str, set[str]] = {}
    for path in sorted((ROOT / "nodes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "canvastoon_desktop"
            ):
                imports.setdefault(node.module or "", set()).update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("canvastoon_desktop"):
                        imports.setdefault(alias.name, set()).add("*")
    return imports


def test_nodes_import_the_core_only_through_the_api_and_use_all_of_it() -> None:
    imports = _names_nodes_import_from_the_core()
    assert set(imports) == {"canvastoon_desktop.core.api"}
    assert imports["canvastoon_desktop.core.api"] == set(api.__all__)
