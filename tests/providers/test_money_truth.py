"""Money truth: every hosted model's quote holds what its provider bills, the ledger books
what the provider reported to the cent, and a hostile reported charge is recorded as
unknown (at most the quote's max) instead of as spend — against the simulator, whose price
facts come from the providers' documents, not from our table."""

from __future__ import annotations

from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.pricing import Budget, CostRange
from canvastoon_desktop.simulator import Bill, FaultRule, Simulator
from tests.providers.hosted_rig import Rig


def ledger(rig: Rig) -> list[dict[str, Any]]:
    keys = ("model", "usd", "quote_low", "quote_high", "reported_usd", "basis", "note", "reason")
    return [{k: charge[k] for k in keys} for charge in rig.library.charges()]


def build(rig: Rig, model: str, **params: Any) -> tuple[Graph, str]:
    g = rig.graph()
    if model == "gpt-4o":
        idea = rig.text(g, "A rookie idol dances on a rainy Seoul rooftop at midnight")
        node = rig.node(g, "prompt_llm", {"text": idea}, model=model, **params)
    elif model == "google/gemini-3-pro-image-edit":
        refs = [rig.picture(g, 320, 480, seed=s) for s in (1, 2)]
        node = rig.node(g, "image_gen", {"references": refs}, prompt="same idol", **params)
    elif model == "allenhooo/lama":
        image, mask = rig.picture(g, 384, 680, seed=3), rig.picture(g, 384, 680, mode="L")
        node = rig.node(g, "inpaint", {"image": image, "mask": mask}, model=model)
    elif model in ("google/nano-banana-pro", "prunaai/z-image-turbo"):
        node = rig.node(g, "image_gen", model=model, prompt="idol on a neon rooftop", **params)
    elif model == "elevenlabs/eleven_multilingual_v2":
        line = rig.text(g, params.pop("text", "Five, six, seven, eight!"))
        node = rig.node(g, "speech", {"text": line}, model=model, **params)
    elif model == "elevenlabs/eleven_music":
        node = rig.node(g, "music", model=model, prompt="bright K-pop synth bed", **params)
    else:
        node = rig.video(g, model, **params)
    return g, node


SETTINGS = [
    ("gpt-4o", {"max_tokens": 64}),
    ("gpt-4o", {"max_tokens": 1024, "preset": "scenario_writer"}),
    ("google/nano-banana-pro", {"resolution": "1K"}),
    ("google/nano-banana-pro", {"resolution": "2K", "num_images": 2}),
    ("google/nano-banana-pro", {"resolution": "4K"}),
    ("google/gemini-3-pro-image-edit", {"resolution": "1K"}),
    ("prunaai/z-image-turbo", {"width": 512, "height": 768}),
    ("prunaai/z-image-turbo", {"width": 720, "height": 1280}),
    ("prunaai/z-image-turbo", {"width": 1024, "height": 1440}),
    ("allenhooo/lama", {}),
    ("minimax/hailuo-2.3-fast", {"resolution": "768P", "duration": 6}),
    ("minimax/hailuo-2.3-fast", {"resolution": "768P", "duration": 10}),
    ("minimax/hailuo-2.3-fast", {"resolution": "1080P", "duration": 6}),
    ("bytedance/seedance-1-pro-fast", {"resolution": "480p", "duration": 3}),
    ("bytedance/seedance-1-pro-fast", {"resolution": "720p", "duration": 10}),
    ("bytedance/seedance-1-pro-fast", {"resolution": "1080p", "duration": 12}),
    ("google/veo-3.1-fast", {"resolution": "720p", "duration": 8, "generate_audio": True}),
    ("google/veo-3.1-fast", {"resolution": "1080p", "duration": 4, "generate_audio": False}),
    ("google/veo-3.1-fast", {"resolution": "720p", "duration": 6, "generate_audio": False}),
    ("elevenlabs/eleven_music", {"music_length_ms": 10_000}),
    ("elevenlabs/eleven_music", {"music_length_ms": 95_500}),
]
#: models whose provider reports no charge: booked at the quote's max, as an estimate
ESTIMATED = [
    ("elevenlabs/eleven_multilingual_v2", {}),
    ("elevenlabs/eleven_multilingual_v2", {"text": "우리 함께 가자. " * 40, "voice": "Aria"}),
]


def test_every_hosted_model_of_the_catalog_is_exercised_here(rig: Rig) -> None:
    hosted = {m.id for m in rig.executor.registry.catalog if not m.offline}
    assert hosted == {model for model, _ in SETTINGS + ESTIMATED}


@pytest.mark.slow
@pytest.mark.parametrize(("model", "params"), SETTINGS, ids=lambda v: str(v))
def test_the_quote_holds_the_bill_and_the_ledger_books_it_to_the_cent(
    rig: Rig, sim: Simulator, model: str, params: dict[str, Any]
) -> None:
    if model == "allenhooo/lama":  # a realistic GPU time: it is what the quote is about
        sim.set_latency(model, queue_s=0.0, run_s=2.5)
    g, node = build(rig, model, **params)
    quote = _quote(rig, g, node)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done", summary.nodes[node]
    (bill,) = [b for b in sim.bills() if b.model == summary.nodes[node].model]
    assert quote.low - 1e-9 <= bill.usd <= quote.high + 1e-9, (quote, bill)
    (row,) = ledger(rig)
    assert row["basis"] == "reported" and row["note"] is None
    assert abs(row["reported_usd"] - bill.usd) < 0.005  # to the cent
    assert row["usd"] == row["reported_usd"]
    # the call's own quote (a chat's, once its prompt is known) lies within the node's
    assert row["quote_low"] <= bill.usd <= row["quote_high"]
    assert quote.low - 1e-9 <= row["quote_low"] and row["quote_high"] <= quote.high + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize(("model", "params"), ESTIMATED, ids=lambda v: str(v)[:40])
def test_a_charge_the_provider_does_not_report_is_booked_at_the_quote_max_over_the_bill(
    rig: Rig, sim: Simulator, model: str, params: dict[str, Any]
) -> None:
    g, node = build(rig, model, **params)
    quote = _quote(rig, g, node)
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done", summary.nodes[node]
    (bill,) = [b for b in sim.bills() if b.model == model]
    assert quote.low - 1e-9 <= bill.usd <= quote.high + 1e-9, (quote, bill)
    (row,) = ledger(rig)
    assert (row["basis"], row["reported_usd"]) == ("estimate", None)
    # booked at the call's quote max (its text known), which lies within the node's quote
    assert row["usd"] == pytest.approx(row["quote_high"])
    assert quote.low - 1e-9 <= row["quote_low"] and row["quote_high"] <= quote.high + 1e-9
    assert row["quote_low"] <= bill.usd <= row["usd"]  # never booked below what was billed


@pytest.mark.slow
def test_an_episode_with_speech_and_music_is_quoted_within_its_bill(
    rig: Rig, sim: Simulator
) -> None:
    """Dialogue Lines from a written shot list, each line spoken by Eleven Multilingual,
    over an Eleven Music bed: quoted once the lines are written (each by its own length),
    the quote holds the sum AIML bills; music is booked as reported, each line at its own
    quote's max."""
    g = rig.graph()
    story = rig.text(
        g,
        'Mina waits on the rooftop (5s) Mina: "Five, six, seven, eight!"\n'
        'Jun runs up the stairs (6s) Jun: "기다려, 미나!" Mina: "You are late again."\n'
        "The city lights pulse with the beat",
    )
    writer = rig.node(
        g,
        "prompt_llm",
        {"text": story},
        model="local/template-writer",
        preset="scenario_writer",
        output="shot_list",
        shot_count=3,
    )
    dialogue = g.create_node("dialogue_lines").id
    g.connect(Edge(writer, "shots", dialogue, "shots"))
    voices = g.create_node("speech", params={"model": "elevenlabs/eleven_multilingual_v2"}).id
    g.connect(Edge(dialogue, "lines", voices, "line"))
    music = rig.node(
        g, "music", model="elevenlabs/eleven_music", prompt="K-pop bed", music_length_ms=20_000
    )
    written, _ = rig.run(g, targets=[dialogue])  # the shot list and its lines: offline
    assert written.nodes[dialogue].status == "done", written.nodes[dialogue]
    quote = rig.executor.plan(g).quote
    summary, _ = rig.run(g)
    assert summary.status == "done", {n: o.error for n, o in summary.nodes.items() if o.error}
    bills = sim.bills()
    assert [b.model for b in bills].count("elevenlabs/eleven_multilingual_v2") == 3
    billed = sum(b.usd for b in bills)
    assert quote.cost.low - 1e-9 <= billed <= quote.cost.high + 1e-9, (quote.cost, billed)
    spoken_chars = len("Five, six, seven, eight!기다려, 미나!You are late again.")
    voiced = quote.nodes[voices]
    assert voiced.runs == 3 and voiced.items_known  # each line by its length, not any text's
    assert (voiced.cost.low, voiced.cost.high) == pytest.approx(
        (spoken_chars * 100 / 1e6, spoken_chars * 210 / 1e6)
    )
    rows = ledger(rig)
    spoken = [r for r in rows if r["model"] == "elevenlabs/eleven_multilingual_v2"]
    assert [r["basis"] for r in spoken] == ["estimate"] * 3
    (bed,) = [r for r in rows if r["model"] == "elevenlabs/eleven_music"]
    (bed_bill,) = [b for b in bills if b.model == "elevenlabs/eleven_music"]
    assert bed["basis"] == "reported" and abs(bed["usd"] - bed_bill.usd) < 0.005
    assert summary.nodes[music].cost_usd == pytest.approx(bed_bill.usd)


def _quote(rig: Rig, g: Graph, node: str) -> CostRange:
    return rig.executor.plan(g).quote.nodes[node].cost


HOSTILE = [
    ("aiml.images", "google/nano-banana-pro", "1e400"),  # parses as infinity
    ("aiml.images", "google/nano-banana-pro", "-315000"),  # negative
    ("aiml.images", "google/nano-banana-pro", "1e13"),  # $5,000,000: far above the quote
    ("aiml.images", "google/nano-banana-pro", '"315000 credits"'),  # not a number
    ("aiml.chat", "gpt-4o", "NaN"),
    ("aiml.video.create", "minimax/hailuo-2.3-fast", "1e400"),  # the create answer's charge
    ("aiml.music.poll", "elevenlabs/eleven_music", "-1"),  # music: the completed poll's
    ("replicate.predictions.get", "allenhooo/lama", "Infinity"),  # predict_time: Infinity
    ("replicate.predictions.get", "allenhooo/lama", "-4.5"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("route", "model", "charge"), HOSTILE, ids=lambda v: str(v))
def test_a_hostile_reported_charge_is_unknown_at_most_the_quote_and_spends_nothing_more(
    rig: Rig, sim: Simulator, route: str, model: str, charge: str
) -> None:
    sim.faults.add(FaultRule(route, "hostile_charge", charge=charge, model=model))
    g, node = build(rig, model)
    quote = _quote(rig, g, node)
    summary, events = rig.run(g, budget=Budget(per_day=quote.high * 1.5))
    outcome = summary.nodes[node]
    assert outcome.status == "done", outcome
    assert outcome.note and "recorded as unknown, at most" in outcome.note
    (row,) = ledger(rig)
    assert (row["basis"], row["reported_usd"]) == ("unknown", None)
    assert "recorded as unknown" in row["note"]
    # booked at the call's quote max, which lies within the node's quote
    assert outcome.cost_usd == pytest.approx(row["usd"]) == pytest.approx(row["quote_high"])
    assert row["usd"] <= quote.high + 1e-9
    assert rig.library.spent_today() == pytest.approx(row["usd"])  # finite, bounded
    assert [type(e).__name__ for e in events].count("NodeDone") >= 1


def test_a_hostile_charge_does_not_refuse_the_next_paid_run(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.images", "hostile_charge", charge="1e400", times=1))
    g, node = build(rig, "google/nano-banana-pro")
    budget = Budget(per_day=1.0)
    first, _ = rig.run(g, budget=budget)
    assert first.nodes[node].status == "done"
    g.set_param(node, "prompt", "idol under one spotlight")
    second, _ = rig.run(g, budget=budget)  # $0.16 spent of $1: not locked for the day
    assert second.nodes[node].status == "done" and second.cost_usd == pytest.approx(0.1575)


@pytest.mark.slow
def test_hailuo_charged_in_the_create_answer_is_booked_when_a_later_run_collects_it(
    rig: Rig, sim: Simulator
) -> None:
    """The completed poll has no meta: a run that resumes the job reads the charge that was
    journaled with its id."""
    sim.set_latency("minimax/hailuo-2.3-fast", queue_s=0.0, run_s=3.0)
    g, node = build(rig, "minimax/hailuo-2.3-fast", resolution="768P", duration=6)

    def journaled(event: object) -> bool:
        return type(event).__name__ == "JobSubmitted"

    cancelled, _ = rig.run(g, cancel_when=journaled)
    assert cancelled.nodes[node].status == "cancelled"
    summary, _ = rig.run(g)
    assert summary.nodes[node].status == "done"
    (bill,) = [b for b in sim.bills() if b.model == "minimax/hailuo-2.3-fast"]
    rows = ledger(rig)
    assert sum(r["usd"] for r in rows) == pytest.approx(bill.usd)  # booked once, as reported
    assert rows[0]["basis"] == "reported" and rows[0]["reported_usd"] == pytest.approx(0.1995)


def test_bills_list_every_charge_once(sim: Simulator, rig: Rig) -> None:
    g, _node = build(rig, "prunaai/z-image-turbo")
    rig.run(g)
    rig.run(g)  # cached: nothing is billed again
    assert [(b.model, b.usd) for b in sim.bills()] == [("prunaai/z-image-turbo", 0.005)]
    assert all(isinstance(b, Bill) for b in sim.bills())
