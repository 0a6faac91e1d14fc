"""The properties panel: a form generated from each parameter's declaration; every edit is
one undo step; the model chooser shows role and price; edits mark results stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets
from PySide6.QtTest import QTest

from canvastoon_desktop.core.params import ParamKind
from canvastoon_desktop.ui import param_editors as pe
from tests.ui.uihelpers import run_offline_example


def _select(window: Any, node_id: str) -> Any:
    window.bridge.select([node_id])
    window._selection_changed()
    return window.properties


@pytest.mark.slow
def test_form_is_generated_per_parameter_kind(qtbot: Any, window: Any) -> None:
    bridge = window.bridge
    expected = {
        ParamKind.ENUM: pe.EnumEditor,
        ParamKind.INT: pe.NumberEditor,
        ParamKind.FLOAT: pe.NumberEditor,
        ParamKind.BOOL: pe.BoolEditor,
        ParamKind.TEXT: pe.TextEditor,
        ParamKind.STRING: pe.StringEditor,
        ParamKind.FILE: pe.PathEditor,
        ParamKind.FOLDER: pe.PathEditor,
        ParamKind.SEED: pe.SeedEditor,
    }
    seen: set[ParamKind] = set()
    registry = window.registry
    for node_type in registry:
        for model_id in [None, *[m.id for m in node_type.models(registry.catalog)]]:
            node_id = bridge.add_node(
                node_type.type_id, (0.0, 0.0), {"model": model_id} if model_id else None
            )
            panel = _select(window, node_id)
            specs = node_type.param_specs(
                registry.catalog,
                model_id or window.document.graph.nodes[node_id].params.get("model"),
            )
            assert set(panel.editors) == {s.name for s in specs}
            for spec in specs:
                editor = panel.editors[spec.name]
                assert isinstance(editor, expected[spec.kind]), (node_type.type_id, spec.name)
                seen.add(spec.kind)
                if (
                    spec.kind in (ParamKind.INT, ParamKind.FLOAT)
                    and spec.minimum is not None
                    and spec.maximum is not None
                ):
                    assert editor.spin.minimum() == spec.minimum
                    assert editor.spin.maximum() == spec.maximum
    assert seen >= {
        ParamKind.ENUM,
        ParamKind.INT,
        ParamKind.FLOAT,
        ParamKind.BOOL,
        ParamKind.TEXT,
        ParamKind.STRING,
        ParamKind.FILE,
        ParamKind.FOLDER,
        ParamKind.SEED,
    }


@pytest.mark.slow
def test_model_chooser_shows_role_and_price_and_rebuilds_the_form(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("video", (0.0, 0.0))
    panel = _select(window, node_id)
    combo = panel.editors["model"].combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    veo = next(text for text in labels if text.startswith("Veo"))
    assert "cinematic" in veo and "Replicate" in veo and "$" in veo
    assert any("free" in text for text in labels)  # the offline pan/zoom
    assert "generate_audio" not in panel.editors
    index = next(i for i in range(combo.count()) if combo.itemData(i) == "google/veo-3.1-fast")
    combo.activated.emit(index)
    qtbot.waitUntil(lambda: "generate_audio" in panel.editors, timeout=10_000)
    assert window.document.graph.nodes[node_id].params["model"] == "google/veo-3.1-fast"
    window.actions_by_name["undo"].trigger()
    qtbot.waitUntil(lambda: "generate_audio" not in panel.editors, timeout=10_000)
    assert window.document.graph.nodes[node_id].params["model"] == "minimax/hailuo-2.3-fast"


@pytest.mark.slow
def test_typing_is_one_undo_step(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("text", (0.0, 0.0), {"text": ""})
    panel = _select(window, node_id)
    edit = panel.editors["text"].edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=10_000)
    QTest.keyClicks(edit, "neon rain")
    graph = window.document.graph
    assert graph.nodes[node_id].params["text"] == "neon rain"
    window.viewer.setFocus()
    stack = window.document.stack
    before = stack.count()
    stack.undo()
    assert graph.nodes[node_id].params["text"] == ""
    assert edit.toPlainText() == ""  # the form follows the graph
    stack.redo()
    assert edit.toPlainText() == "neon rain"
    assert stack.count() == before


@pytest.mark.slow
def test_undo_of_a_number_edit_updates_the_form(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("inpaint", (0.0, 0.0), {"model": "local/opencv-inpaint"})
    panel = _select(window, node_id)
    editor = panel.editors["radius"]
    editor.new_session()
    editor.spin.setValue(12)
    graph = window.document.graph
    assert graph.nodes[node_id].params["radius"] == 12
    assert editor.slider is not None and editor.slider.value() == 11  # 1..50, step 1
    window.actions_by_name["undo"].trigger()
    assert graph.nodes[node_id].params["radius"] == 5
    assert editor.spin.value() == 5


@pytest.mark.slow
def test_a_bad_value_is_explained_and_not_applied(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("export", (0.0, 0.0))
    panel = _select(window, node_id)
    editor = panel.editors["prefix"]
    count = window.document.stack.count()
    editor.commit("x" * 500, merge=True)  # the line edit's own limit would stop a user first
    assert panel.errors["prefix"].isVisibleTo(panel)
    assert window.document.stack.count() == count


@pytest.mark.slow
def test_title_edits_rename_the_node(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("image_gen", (0.0, 0.0))
    panel = _select(window, node_id)
    panel.title_edit.setText("Main cut")
    panel.title_edit.editingFinished.emit()
    assert window.document.graph.nodes[node_id].title == "Main cut"
    assert window.bridge.card(node_id).name == "Main cut"
    window.actions_by_name["undo"].trigger()
    assert window.bridge.card(node_id).name == "Image Gen"


@pytest.mark.slow
def test_a_param_edit_marks_the_node_and_downstream_stale(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)
    states = window.states
    assert states.get("card").state == "done"
    panel = _select(window, "card")
    size = panel.editors["size"]
    index = size.combo.findData("540x960")
    size.combo.activated.emit(index)
    qtbot.waitUntil(lambda: states.get("card").state == "stale", timeout=10_000)
    for downstream in ("cleanup", "clip"):
        assert states.get(downstream).state == "stale"
    assert states.get("idea").state in ("done", "ready")  # upstream untouched
    assert states.get("card").outputs is not None  # the old result still shows, dimmed
    window.actions_by_name["undo"].trigger()
    qtbot.waitUntil(lambda: states.get("card").state in ("done", "cached"), timeout=10_000)


@pytest.mark.slow
def test_seed_random_check(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("image_gen", (0.0, 0.0), {"model": "google/nano-banana-pro"})
    panel = _select(window, node_id)
    seeds = [n for n, e in panel.editors.items() if isinstance(e, pe.SeedEditor)]
    if not seeds:
        return
    editor = panel.editors[seeds[0]]
    graph = window.document.graph
    editor.random.setChecked(False)
    editor.spin.setValue(42)
    assert graph.nodes[node_id].params[seeds[0]] == 42
    editor.random.setChecked(True)
    assert graph.nodes[node_id].params[seeds[0]] is None
    assert not editor.spin.isEnabled()
    assert isinstance(editor.widget, QtWidgets.QWidget)
