"""Where autosaves live and which of them can be recovered.

Every open document — a file or an untitled graph — autosaves into one folder of the user's
config (``autosave/``): the graph as ``NAME.ctoon.autosave`` and, beside it, a small JSON
note saying whose it is (the file it belongs to, its name, when). A clean close or save
deletes both. So what is left there after a crash is exactly what can be recovered, and
the next launch can offer all of it, untitled graphs included.

Each app process holds a lock on its own session file while it runs; autosaves of a session
whose lock can be taken belong to a process that is gone (a crash, a kill), those of a
locked one to an editor still open (never offered).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from canvastoon_desktop.core.atomic import atomic_write_text
from canvastoon_desktop.core.settings import config_dir

SUFFIX = ".ctoon.autosave"
NOTE_SUFFIX = ".json"

#: this process; its autosaves are never offered to itself
SESSION = uuid.uuid4().hex
_lock: IO[Any] | None = None


def autosave_dir() -> Path:
    return config_dir() / "autosave"


def side_file(path: Path | None, token: str) -> Path:
    """The autosave of the file ``path``, or of an untitled graph known by ``token``."""
    if path is None:
        return autosave_dir() / f"untitled-{token}{SUFFIX}"
    resolved = str(Path(path).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(path).stem)[:40]
    return autosave_dir() / f"{stem}-{digest}{SUFFIX}"


def _note(side: Path) -> Path:
    return side.with_name(side.name + NOTE_SUFFIX)


def write(side: Path, text: str, path: Path | None, name: str) -> None:
    """Write an autosave and its note (from a worker thread: no Qt here)."""
    side.parent.mkdir(parents=True, exist_ok=True)
    hold_session_lock()
    atomic_write_text(side, text)
    note = {
        "path": str(Path(path).resolve()) if path else None,
        "name": name,
        "saved_at": time.time(),
        "session": SESSION,
    }
    atomic_write_text(_note(side), json.dumps(note))


def adopt(side: Path) -> None:
    """A recovered autosave now belongs to this session (the document goes on writing it):
    it is no longer offered as a crash's."""
    note = _read_note(side)
    if note is None:
        return
    hold_session_lock()
    note["session"] = SESSION
    atomic_write_text(_note(side), json.dumps(note))


def discard(side: Path) -> None:
    for file in (side, _note(side)):
        with contextlib.suppress(OSError):
            file.unlink()


@dataclass(frozen=True)
class Recoverable:
    """Unsaved changes a session that is gone left behind."""

    side: Path
    path: Path | None  # the file they belong to; None for an untitled graph
    name: str
    saved_at: float


def find(path: Path | None, side: Path) -> Recoverable | None:
    """The autosave ``side`` of ``path`` if it holds changes the file lacks."""
    found = _read(side)
    if found is None:
        return None
    if path is not None:
        try:
            if found.saved_at <= Path(path).stat().st_mtime:
                return None  # the file was saved after it
        except OSError:
            pass  # the file is gone: the autosave is all there is
    return found


def recoverable() -> list[Recoverable]:
    """Every autosave left by a session that ended without closing its documents, newest
    first (none of this process's, none of an editor still running)."""
    folder = autosave_dir()
    if not folder.is_dir():
        return []
    found = []
    for side in folder.glob(f"*{SUFFIX}"):
        note = _read_note(side)
        if note is None or note.get("session") == SESSION or _session_alive(note.get("session")):
            continue
        item = find(Path(note["path"]) if note.get("path") else None, side)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda r: -r.saved_at)


def _read(side: Path) -> Recoverable | None:
    note = _read_note(side)
    if note is None or not side.is_file():
        return None
    path = note.get("path")
    return Recoverable(
        side,
        Path(path) if isinstance(path, str) and path else None,
        str(note.get("name") or (Path(path).name if path else "Untitled"))[:200],
        float(note.get("saved_at") or side.stat().st_mtime),
    )


def _read_note(side: Path) -> dict[str, Any] | None:
    try:
        note = json.loads(_note(side).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


# -- which sessions are still running --------------------------------------------------------


def _lock_file(session: str) -> Path:
    return autosave_dir() / f"session-{session}.lock"


def hold_session_lock() -> None:
    """Take this process's session lock in the autosave folder (once per folder; the OS
    lets go of it when the process ends)."""
    global _lock
    if _lock is not None and Path(_lock.name).parent == autosave_dir():
        return
    try:
        import fcntl
    except ImportError:  # no advisory locks here: every other session counts as gone
        return
    if _lock is not None:  # the autosave folder moved (another config): let go of the old one
        _lock.close()
        _lock = None
    autosave_dir().mkdir(parents=True, exist_ok=True)
    handle = open(_lock_file(SESSION), "a")  # noqa: SIM115 — held for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return
    _lock = handle


def _session_alive(session: Any) -> bool:
    if not isinstance(session, str) or not session.isalnum():
        return False
    try:
        import fcntl
    except ImportError:
        return False
    path = _lock_file(session)
    try:
        handle = open(path, "a")  # noqa: SIM115
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True  # its process holds it
        fcntl.flock(handle, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        path.unlink()  # a gone session's lock file
    return False
