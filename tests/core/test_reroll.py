"""Re-roll asks for a new result: a re-rolled node calls its model with a seed derived from
its own seed (or none) and the re-roll counter — so even the offline storyboard card, the
same for a fixed seed, draws something new each re-roll — and a given re-roll repeats."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from canvastoon_desktop.core.cachekey import SEED_RANGE, reroll_seed
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry

REGISTRY = default_registry()


def test_the_seed_is_kept_until_the_first_reroll_then_derived() -> None:
    assert reroll_seed(None, 0) is None  # the provider's own random seed
    assert reroll_seed(42, 0) == 42  # a fixed seed repeats
    seeds = {reroll_seed(s, n) for s in (None, 0, 42) for n in (1, 2, 3)}
    assert len(seeds) == 9  # every (seed, re-roll) its own
    assert reroll_seed(42, 2) == reroll_seed(42, 2)
    assert all(0 <= s <= SEED_RANGE for s in seeds)  # type: ignore[operator]
    assert 0 <= reroll_seed(7, 5, maximum=1000) <= 1000  # type: ignore[operator]


def _card_graph(seed: int | None = None) -> tuple[Graph, str]:
    graph = Graph(REGISTRY)
    idea = graph.create_node("text", params={"text": "a girl on a neon rooftop at night"})
    params = {"model": "local/storyboard-card", "size": "540x960"}
    if seed is not None:
        params["seed"] = seed
    card = graph.create_node("image_gen", params=params)
    graph.connect(Edge(idea.id, "text", card.id, "prompt"))
    return graph, card.id


def _image(executor: Executor, graph: Graph, card: str) -> str:
    summary = asyncio.run(executor.run(graph))
    outcome = summary.nodes[card]
    assert outcome.status in ("done", "cached"), outcome
    plan = executor.plan(graph)
    return plan.nodes[card].outputs["image"].sha256


@pytest.mark.slow
def test_each_reroll_of_an_offline_card_draws_a_new_one(tmp_path: Path) -> None:
    executor = Executor(
        REGISTRY,
        Library(tmp_path / "library"),
        PriceTable.load(),
        adapters={"local": LocalAdapter()},
    )
    for seed in (None, 42):  # unset, and fixed in the params
        graph, card = _card_graph(seed)
        first = _image(executor, graph, card)
        graph.reroll(card)
        second = _image(executor, graph, card)
        graph.reroll(card)
        third = _image(executor, graph, card)
        assert len({first, second, third}) == 3, seed
        graph.set_rerolls(card, {"": 1})  # back to the first re-roll: the same card again
        assert _image(executor, graph, card) == second
