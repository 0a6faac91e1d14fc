"""Helpers for the GUI tests: workspaces on a temporary library, example graphs, and
driving the canvas with real mouse events."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.secrets import KeyStore
from canvastoon_desktop.core.settings import Settings
from canvastoon_desktop.providers import ProviderSetup
from canvastoon_desktop.workspace import Workspace
from nodes import default_registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples"


def make_workspace(
    root: Path, setup: ProviderSetup | None = None, settings: Settings | None = None
) -> Workspace:
    """The app's workspace on a library under ``root`` (no keys unless ``setup`` has some)."""
    settings = settings or Settings()
    setup = setup or ProviderSetup(keys=KeyStore(environ={}, use_keyring=False))
    try:
        return Workspace.open(settings=settings, library_dir=root / "library", setup=setup)
    except ImportError:  # hosted adapters not built yet: offline models only
        from canvastoon_desktop.providers.local.adapter import LocalAdapter

        registry = default_registry()
        library = Library(root / "library")
        prices = PriceTable.load()
        executor = Executor(
            registry,
            library,
            prices,
            adapters={"local": LocalAdapter()},
            limits=settings.concurrency,
            key_problem=setup.key_problem(),
            budget=settings.budget,
        )
        return Workspace(settings, registry, library, prices, setup, executor)


def copy_example(name: str, dest: Path) -> Path:
    """An example graph copied with the files it points to (masks, characters)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / name, dest / name)
    for folder in ("masks", "characters"):
        if (EXAMPLES / folder).is_dir():
            shutil.copytree(EXAMPLES / folder, dest / folder, dirs_exist_ok=True)
    return dest / name


def port_point(window: Any, node_id: str, port: str, *, output: bool) -> QtCore.QPoint:
    canvas_node = window.bridge.canvas_node(node_id)
    ports = canvas_node.outputs() if output else canvas_node.inputs()
    item = ports[port].view
    return window.viewer.mapFromScene(item.sceneBoundingRect().center())


def drag(
    qtbot: Any,
    viewer: QtWidgets.QGraphicsView,
    start: QtCore.QPoint,
    end: QtCore.QPoint,
    steps: int = 10,
) -> None:
    """Press, move in steps and release the left button — a user's drag."""
    port = viewer.viewport()
    QTest.mouseMove(port, start)
    QTest.mousePress(
        port, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, start
    )
    for i in range(1, steps + 1):
        point = start + (end - start) * i / steps
        QTest.mouseMove(port, point)
        QtWidgets.QApplication.processEvents()
    QTest.mouseRelease(
        port, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, end
    )
    QtWidgets.QApplication.processEvents()


def wait_plan(qtbot: Any, window: Any, timeout: int = 10_000) -> None:
    """Wait until the debounced plan of the current graph has been applied."""
    qtbot.waitUntil(lambda: not window.runner.planning, timeout=timeout)


def wait_run(qtbot: Any, window: Any, timeout: int = 60_000) -> Any:
    qtbot.waitUntil(
        lambda: bool(window.runner.records) and window.runner.active is None, timeout=timeout
    )
    return window.runner.records[0]


def run_offline_example(
    qtbot: Any, window: Any, tmp_path: Path, name: str = "offline_storyboard.ctoon"
) -> Path:
    """Open a copy of a bundled offline example in ``window`` and run it to the end."""
    path = copy_example(name, tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.run_all()
    assert wait_run(qtbot, window).status == "done"
    wait_plan(qtbot, window)
    return path


def pretend_the_app_died(monkeypatch: Any) -> None:
    """What a kill does to the autosaves: the session's lock goes, and the next "launch"
    is another session (the windows of this test stay, as a dead process's would)."""
    import uuid

    from canvastoon_desktop.ui import recovery

    if recovery._lock is not None:  # let go, as the OS does: not restored afterwards
        recovery._lock.close()
        recovery._lock = None
    monkeypatch.setattr(recovery, "SESSION", uuid.uuid4().hex)


def wheel(widget: QtWidgets.QWidget, dy: int, modifiers: Any = None) -> None:
    """Turn the mouse wheel over the middle of ``widget`` (``dy`` 120 per notch, up > 0)."""
    centre = QtCore.QPointF(widget.rect().center())
    QtWidgets.QApplication.sendEvent(
        widget,
        QtGui.QWheelEvent(
            centre,
            widget.mapToGlobal(centre.toPoint()),
            QtCore.QPoint(),
            QtCore.QPoint(0, dy),
            QtCore.Qt.MouseButton.NoButton,
            modifiers or QtCore.Qt.KeyboardModifier.NoModifier,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )
