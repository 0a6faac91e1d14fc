"""The library package is the only code that speaks SQL to the index: nothing outside
``core/library/`` reaches for its connection, its lock or its transactions (import-linter
keeps ``sqlite3`` itself inside the package; see pyproject.toml)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "canvastoon_desktop" / "core" / "library"
#: ``receiver.attribute`` for the library's connection, lock and transactions
ATTRIBUTE = re.compile(
    r"([\w\].)]+)\.(connection\(|lock\b|_lock\b|_db\b|_conn\w*|_connection\("
    r"|_transaction\(|transaction\()"
)


def reaching_in(text: str) -> list[str]:
    """What ``text`` (Python source) reaches for: an object's own (``self._lock``) is its
    business; a lock is the library's when its holder is named after it."""
    found = []
    for line in text.splitlines():
        for match in ATTRIBUTE.finditer(line.split("#", 1)[0]):
            receiver, attribute = match.groups()
            if receiver == "self":
                continue
            if attribute in ("lock", "_lock") and "librar" not in receiver.lower():
                continue
            found.append(match.group(0))
    return found


def test_nothing_outside_the_library_package_touches_its_connection_or_lock() -> None:
    found = []
    for folder in ("canvastoon_desktop", "nodes", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if PACKAGE in path.parents or path == Path(__file__):
                continue
            found += [
                f"{path.relative_to(ROOT)}: {hit}"
                for hit in reaching_in(path.read_text(encoding="utf-8"))
            ]
    assert found == []


def test_the_check_sees_every_way_in_and_leaves_an_objects_own_lock_alone() -> None:
    source = (
        "db = library.connection()\n"
        "with self.library.lock:\n"
        "    rig.library._db.execute('x')\n"
        "with other_library._transaction() as db:\n"
        "with workspace.library._lock:\n"
        "with self._lock:  # a cache's own\n"
        "recovery._lock.close()\n"
    )
    assert reaching_in(source) == [
        "library.connection(",
        "self.library.lock",
        "rig.library._db",
        "other_library._transaction(",
        "workspace.library._lock",
    ]
