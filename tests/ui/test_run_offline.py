"""Running the offline example from the window: results appear on the nodes; a second run
comes from the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.assets import AssetKind
from tests.ui.uihelpers import copy_example, wait_plan, wait_run


def _media_nodes(window: Any) -> list[str]:
    graph = window.document.graph
    return [n for n in graph.nodes if window.bridge.card(n).card_layout.kind == "media"]


@pytest.mark.slow
def test_run_shows_previews_then_a_second_run_is_all_cached(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    assert window.quote_label.text().startswith("≈ $0")

    window.actions_by_name["run_all"].trigger()
    record = wait_run(qtbot, window)
    assert record.status == "done", record.problems
    graph = window.document.graph
    for node_id in graph.nodes:
        assert window.states.get(node_id).state == "done", node_id

    # every image / video node shows its result as a picture drawn on the card
    media = _media_nodes(window)
    assert {"card", "cleanup", "clip", "mask"} <= set(media)
    for node_id in media:
        body = window.bridge.card(node_id).body
        asset = body.state.preview()
        assert asset is not None and asset.kind in (AssetKind.IMAGE, AssetKind.VIDEO)
        qtbot.waitUntil(lambda b=body, a=asset: b.pixmap_for(a) is not None, timeout=15_000)
        pixmap = body.pixmap_for(asset)
        assert not pixmap.isNull() and pixmap.height() > pixmap.width()  # 9:16
    # the text nodes show their text
    assert window.bridge.card("image_prompt").body.state.preview().kind is AssetKind.TEXT

    wait_plan(qtbot, window)
    window.actions_by_name["run_all"].trigger()
    qtbot.waitUntil(
        lambda: len(window.runner.records) == 2 and window.runner.active is None, timeout=30_000
    )
    second = window.runner.records[0]
    assert second.status == "done"
    outcomes = second.summary.nodes
    models = [
        n for n in graph.nodes if graph.node_type(n).cacheable and not graph.node_type(n).is_source
    ]
    assert models and all(outcomes[n].status == "cached" for n in models)
    assert all(window.states.get(n).state == "cached" for n in models)
    assert "cached" in window.quote_label.text()
