"""Starting the desktop editor: ``canvastoon [FILE...]`` lands in ``main``.

One QApplication, the asyncio loop driven by Qt's (qasync) so provider I/O runs beside the
GUI, the same ``Workspace`` the CLI uses, and a window per file given on the command line.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")  # before qasync / NodeGraphQt pick a binding

import asyncio
import logging
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.logs import setup_logging
from canvastoon_desktop.providers import warm_adapters

from . import theme

log = logging.getLogger(__name__)


def create_app(argv: Sequence[str] | None = None) -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        QtGui.QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            QtCore.Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QtWidgets.QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("CanvasToon")
    app.setOrganizationName("CanvasToon")
    app.setApplicationDisplayName("CanvasToon")
    theme.apply(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def create_loop(app: QtWidgets.QApplication) -> asyncio.AbstractEventLoop:
    import qasync

    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(max_workers=8, thread_name_prefix="asyncio"))
    asyncio.set_event_loop(loop)
    return loop


def drain_loop(loop: asyncio.AbstractEventLoop) -> None:
    """At exit, as ``asyncio.run`` does: cancel leftover tasks (the providers' client
    keepers close their connections as they are cancelled) and let them finish."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())


def open_windows(workspace: Any, files: Sequence[str]) -> list[Any]:
    from .main_window import MainWindow

    windows = []
    for file in files or [None]:
        window = MainWindow(workspace)
        window.showMaximized()
        if file is not None:
            window.open_file(file, ask_unsaved=False)  # offers that file's own changes
        windows.append(window)
    # and whatever else a session that did not close cleanly left unsaved
    windows[0].offer_recovery_at_launch(skip=[Path(f) for f in files])
    return windows


def main(files: list[str]) -> int:
    """Open the editor with these ``.ctoon`` files; returns the exit status."""
    setup_logging()  # what reaches stderr is scrubbed of keys and control sequences
    app = create_app()
    from canvastoon_desktop.workspace import Workspace

    try:
        workspace = Workspace.open()
    except (CoreError, OSError) as exc:
        QtWidgets.QMessageBox.critical(None, "CanvasToon cannot start", str(exc))
        return 1
    missing = [f for f in files if not Path(f).exists()]
    loop = create_loop(app)
    windows = open_windows(workspace, [f for f in files if f not in missing])
    warm_adapters(workspace.executor.adapters)  # the SDKs load now, off the GUI thread
    for file in missing:
        windows[0].statusBar().showMessage(f"No such file: {file}", 8000)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    try:
        with loop:
            loop.run_until_complete(closed.wait())
            drain_loop(loop)
    finally:
        workspace.close()
    return 0
