"""GUI test fixtures: an asyncio loop driven by the Qt loop (qasync), and main windows on
throwaway libraries."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_API", "pyside6")

import pytest
import qasync
from PySide6 import QtWidgets

from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.main_window import MainWindow
from tests.support.shown import answer_next_box
from tests.ui.uihelpers import make_workspace


@pytest.fixture(autouse=True)
def _empty_clipboard_afterwards(qapp: Any) -> Iterator[None]:
    """Copy/paste leaves QMimeData on the clipboard; the offscreen platform crashes while
    destroying it at interpreter exit, so each test leaves the clipboard empty."""
    yield
    qapp.clipboard().clear()


@pytest.fixture
def event_loop_qt(qapp: Any, qtbot: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """The app's arrangement: asyncio runs on the Qt loop, which pytest-qt spins."""
    theme.apply(qapp)
    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = ThreadPoolExecutor(max_workers=4)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    yield loop
    # as asyncio.run does: cancel what is left (e.g. the providers' client keepers, which
    # close their connections as they go) and let it finish
    leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in leftovers:
        task.cancel()
    qtbot.waitUntil(lambda: all(t.done() for t in leftovers), timeout=10_000)
    # not loop.stop(): it calls QApplication.exit(), after which signals sent from worker
    # threads are no longer delivered — every later test would hang on its first plan
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    loop.close()
    executor.shutdown(wait=True)
    asyncio.set_event_loop(None)


@pytest.fixture
def make_window(qtbot: Any, event_loop_qt: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    made: list[tuple[Any, Any]] = []

    def make(workspace: Any = None, **kwargs: Any) -> MainWindow:
        workspace = workspace or make_workspace(tmp_path / f"ws{len(made)}", **kwargs)
        window = MainWindow(workspace)  # closed below, not by qtbot (it would ask to save)
        window.show()
        qtbot.waitExposed(window)
        made.append((window, workspace))
        return window

    yield make
    for widget in QtWidgets.QApplication.topLevelWidgets():
        # what a test left on screen goes, as a user would close it: the next test finds
        # only the dialogs and menus it opened (tests/support/shown.py)
        if widget.isVisible() and isinstance(widget, QtWidgets.QDialog | QtWidgets.QMenu):
            widget.close()
    for window, workspace in made:
        if window.runner.active is not None:
            window.runner.cancel()
            qtbot.waitUntil(lambda w=window: w.runner.active is None, timeout=20_000)
        if window.document.is_modified() and not window._closing:
            answer_next_box(QtWidgets.QMessageBox.StandardButton.Discard)  # "Unsaved changes"
        window.close()
        workspace.close()


@pytest.fixture
def window(make_window: Callable[..., Any]) -> Any:
    return make_window()
