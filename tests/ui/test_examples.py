"""Open Example gives an untitled copy: the bundled file is never saved over, its exports
and Save As go to the user's documents folder, its pictures still come from the bundle, and
the menu names examples as they name themselves ("K-pop episode")."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from canvastoon_desktop.core.resources import examples_dir
from tests.ui.uihelpers import wait_plan, wait_run


def _bundle_digest() -> str:
    digest = hashlib.sha256()
    for file in sorted(examples_dir().rglob("*")):
        if file.is_file():
            digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()


def _documents() -> Path:
    return Path(platformdirs.user_documents_dir()) / "CanvasToon"


def _open_example(window: Any, title: str) -> None:
    action = next(a for a in window.examples_menu.actions() if a.text() == title)
    action.trigger()


@pytest.mark.slow
def test_the_menu_names_examples_as_they_name_themselves(qtbot: Any, window: Any) -> None:
    titles = [a.text() for a in window.examples_menu.actions()]
    assert "K-pop episode" in titles and "Offline storyboard" in titles
    assert not any("Kpop" in t for t in titles)


@pytest.mark.slow
def test_an_example_opens_as_an_untitled_copy_that_writes_nothing_into_the_install(
    qtbot: Any, window: Any
) -> None:
    before = _bundle_digest()
    _open_example(window, "Offline storyboard")
    document = window.document
    assert document.path is None
    assert window.windowTitle().startswith("Offline storyboard (example)")
    graph = document.graph
    export = next(n for n in graph if n.type == "export")
    assert Path(export.params["folder"]).is_relative_to(_documents())
    mask = next(n for n in graph if n.type == "load_image")
    assert Path(mask.params["path"]).is_file()  # read from the bundle, wherever the app runs
    wait_plan(qtbot, window)
    window.run_all()
    assert wait_run(qtbot, window).status == "done"
    assert any(Path(export.params["folder"]).iterdir())  # the exports are in the documents
    window.bridge.add_node("text", (0.0, 600.0), {"text": "my change"})
    assert document.autosave()
    document.flush_autosave()
    assert _bundle_digest() == before  # nothing saved, exported or autosaved into the bundle


@pytest.mark.slow
def test_save_of_an_example_asks_where_starting_in_the_documents(
    qtbot: Any, window: Any, monkeypatch: Any
) -> None:
    _open_example(window, "K-pop episode")
    asked: list[str] = []

    def pick(_parent: Any, _caption: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return "", ""  # the user cancels

    from PySide6 import QtWidgets

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", pick)
    assert not window.save()  # Save of an untitled copy is Save As, never the bundle file
    assert Path(asked[0]) == _documents() / "kpop_episode" / "kpop_episode.ctoon"
