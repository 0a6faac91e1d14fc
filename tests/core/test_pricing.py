"""Prices, quotes and budgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.pricing import (
    Budget,
    CostRange,
    PriceTable,
    PriceTableError,
    Quote,
    UnpricedModel,
    budget_problems,
)

CATALOG = default_catalog()


def test_every_hosted_model_has_a_price_for_every_setting_it_accepts() -> None:
    prices = PriceTable.load()
    for model in CATALOG:
        if model.free:
            continue
        assert model.id in prices.models, f"{model.id} has no price entry"
        assert prices.uncovered(model) == [], model.id
        assert not prices.estimate(model, model.call_params({})).is_free, model.id


def test_each_bundled_price_cites_its_document_and_date() -> None:
    prices = PriceTable.load()
    for model in CATALOG:
        if model.free:
            continue
        citation = prices.citation(model.id)
        assert citation.source, f"{model.id}: no source"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", citation.as_of), f"{model.id}: no date"
    for shared in ("aiml", "replicate_hardware"):
        assert prices.citations[shared].source and prices.citations[shared].as_of


def test_nano_banana_pro_is_priced_per_image_by_resolution() -> None:
    prices = PriceTable.load()
    banana = CATALOG["google/nano-banana-pro"]
    # AIML's own example: 315,000 credits ($0.1575) for one 1K image
    assert prices.estimate(banana, {"resolution": "1K"}) == CostRange(0.1575, 0.1575)
    two = prices.estimate(banana, {"resolution": "1K", "num_images": 2})
    assert two.high == pytest.approx(0.315)
    four_k = prices.estimate(banana, {"resolution": "4K"})
    assert four_k.low >= 0.24 and four_k.high > four_k.low  # Google's $0.24 and up


def test_hailuo_is_priced_per_video_by_resolution_and_duration() -> None:
    prices = PriceTable.load()
    hailuo = CATALOG["minimax/hailuo-2.3-fast"]
    # AIML's example create answer: 399,000 credits for a 768P 6 s video
    assert prices.estimate(hailuo, {"resolution": "768P", "duration": 6}).high == 0.1995
    ten = prices.estimate(hailuo, {"resolution": "768P", "duration": 10})
    full_hd = prices.estimate(hailuo, {"resolution": "1080P", "duration": 6})
    assert 0.1995 < ten.low <= ten.high and 0.1995 < full_hd.low <= full_hd.high


def test_official_replicate_videos_are_priced_per_second_of_output() -> None:
    prices = PriceTable.load()
    seedance = CATALOG["bytedance/seedance-1-pro-fast"]
    assert prices.estimate(seedance, {"duration": 5, "resolution": "480p"}).high == pytest.approx(
        0.075
    )
    assert prices.estimate(seedance, {"duration": 5, "resolution": "1080p"}).high == pytest.approx(
        0.30
    )
    veo = CATALOG["google/veo-3.1-fast"]
    with_audio = prices.estimate(veo, {"duration": 8, "generate_audio": True})
    silent = prices.estimate(veo, {"duration": 8, "generate_audio": False})
    assert with_audio.high == pytest.approx(1.20) and silent.high == pytest.approx(0.80)
    assert prices.estimate(veo, {"duration": 4}).high == pytest.approx(0.60)


def test_eleven_speech_is_priced_per_character_and_music_per_second_of_its_length() -> None:
    prices = PriceTable.load()
    speech = CATALOG["elevenlabs/eleven_multilingual_v2"]
    # ElevenLabs' $0.10 per 1,000 characters, up to twice that through AIML
    assert prices.estimate(speech, {}, prompt_chars=1000) == CostRange(0.10, 0.21)
    music = CATALOG["elevenlabs/eleven_music"]
    # its length is asked for in milliseconds; the price is per second ($0.30-0.75 a minute)
    minute = prices.estimate(music, {"music_length_ms": 60_000})
    assert (minute.low, minute.high) == pytest.approx((0.30, 0.75))
    assert prices.outputs_usd(music, {"music_length_ms": 90_000}, 1) == pytest.approx(1.125)


def test_a_length_param_in_other_units_is_scaled_to_seconds_by_its_price_rule() -> None:
    from canvastoon_desktop.core.catalog import (
        ModelSpec,
        PriceRule,
        PriceUnit,
        Provider,
        Role,
        Task,
    )
    from canvastoon_desktop.core.params import ParamKind, ParamSpec

    def clip(model_id: str, param: str, scale: float) -> ModelSpec:
        rule = PriceRule(PriceUnit.OUTPUT_SECOND, seconds=param, seconds_scale=scale)
        length = ParamSpec(param, ParamKind.INT, 1)
        return ModelSpec(model_id, model_id, Provider.AIML, Task.MUSIC, Role.MUSIC, (length,),
                         rule, (1, 2))  # fmt: skip

    prices = PriceTable.load()
    prices.models.update({m: {"usd_per_second": 0.01} for m in ("in/ms", "in/s", "in/min")})
    assert prices.estimate(clip("in/ms", "length_ms", 0.001), {"length_ms": 2500}).high == (
        pytest.approx(0.025)
    )
    assert prices.estimate(clip("in/s", "seconds", 1.0), {"seconds": 2}).high == 0.02
    assert prices.estimate(clip("in/min", "minutes", 60.0), {"minutes": 2}).high == 1.2
    assert clip("in/ms", "length_ms", 0.001).price_rule.output_seconds({"length_ms": 500}) == 0.5


def test_z_image_is_priced_per_image_by_megapixels_and_refuses_larger_ones() -> None:
    prices = PriceTable.load()
    z_image = CATALOG["prunaai/z-image-turbo"]
    assert prices.estimate(z_image, {"width": 512, "height": 768}).high == 0.0025  # 0.39 MP
    assert prices.estimate(z_image, {"width": 720, "height": 1280}).high == 0.005  # 0.92 MP
    assert prices.estimate(z_image, {"width": 1024, "height": 1440}).high == 0.01  # 1.47 MP
    with pytest.raises(UnpricedModel, match=r"Z-Image Turbo at megapixels 2\.07 MP"):
        prices.estimate(z_image, {"width": 1440, "height": 1440})


def test_community_lama_is_priced_by_gpu_seconds() -> None:
    prices = PriceTable.load()
    cost = prices.estimate(CATALOG["allenhooo/lama"], {})
    assert cost == CostRange(2 * 0.000575, 5 * 0.000575)
    assert prices.gpu_time_usd("allenhooo/lama", 4.0) == pytest.approx(4 * 0.000575)


def test_a_chat_quote_spans_its_possible_tokens() -> None:
    prices = PriceTable.load()
    gpt = CATALOG["gpt-4o"]
    cost = prices.estimate(gpt, {"max_tokens": 1000}, prompt_chars=4000)
    # at most one token per character plus the message overhead, all 1000 output tokens,
    # at the higher rates; at least one token per 8 characters and one output token
    assert cost.high == pytest.approx(((4000 + 32) * 5 + 1000 * 15) / 1e6)
    assert cost.low == pytest.approx((500 * 2.5 + 1 * 10) / 1e6)
    assert prices.estimate(CATALOG["local/pan-zoom"], {"duration": 4}).is_free


def test_what_providers_report_converts_to_usd() -> None:
    prices = PriceTable.load()
    assert prices.credits_to_usd(2_000_000) == pytest.approx(1.0)
    veo = CATALOG["google/veo-3.1-fast"]
    assert prices.outputs_usd(veo, {"duration": 6, "generate_audio": False}, 1) == pytest.approx(
        0.6
    )
    banana = CATALOG["google/nano-banana-pro"]
    assert prices.outputs_usd(banana, {"resolution": "2K"}, 3) == pytest.approx(3 * 0.1575)


def test_a_model_without_a_price_is_not_quoted_zero() -> None:
    prices = PriceTable.load()
    del prices.models["google/veo-3.1-fast"]
    veo = CATALOG["google/veo-3.1-fast"]
    with pytest.raises(UnpricedModel, match=r"Veo 3\.1 Fast \(google/veo-3\.1-fast\) has no price"):
        prices.estimate(veo, {})
    assert "has no price" in (prices.price_problem(veo, {}) or "")


def test_a_user_table_overrides_one_setting_and_keeps_the_others(tmp_path: Path) -> None:
    mine = tmp_path / "prices.json"
    mine.write_text(
        json.dumps(
            {
                "format": "canvastoon-prices",
                "version": 2,
                "models": {"google/nano-banana-pro": {"usd_per_output": {"4K": 0.30}}},
            }
        )
    )
    prices = PriceTable.load(mine)
    banana = CATALOG["google/nano-banana-pro"]
    assert prices.estimate(banana, {"resolution": "4K"}).high == 0.30
    assert prices.estimate(banana, {"resolution": "1K"}).high == 0.1575
    assert prices.origins["google/nano-banana-pro"] == str(mine)
    assert prices.paths[-1] == str(mine)
    mine.write_text("{not json")
    with pytest.raises(PriceTableError, match="not valid JSON"):
        PriceTable.load(mine)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"usd_per_output": {"1K": -1}}, "must be a finite number"),
        ({"usd_per_output": {"1K": [0.2, 0.1]}}, "min above its max"),
        ({"usd_per_output": {"1K": "cheap"}}, "must be a number"),
        ({"hardware": "quantum"}, "unknown hardware"),
    ],
)
def test_a_broken_user_table_is_refused_naming_the_entry(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    mine = tmp_path / "prices.json"
    doc = {"format": "canvastoon-prices", "models": {"google/nano-banana-pro": entry}}
    mine.write_text(json.dumps(doc))
    with pytest.raises(PriceTableError, match=message):
        PriceTable.load(mine)


def test_an_old_user_table_is_read_with_a_warning(tmp_path: Path) -> None:
    mine = tmp_path / "prices.json"
    doc = {
        "format": "canvastoon-prices",
        "version": 1,
        "models": {"google/nano-banana-pro": {"usd_per_image": [0.1, 0.1]}},
    }
    mine.write_text(json.dumps(doc))
    prices = PriceTable.load(mine)
    assert "version 1" in prices.warnings[0] and str(mine) in prices.warnings[0]
    banana = CATALOG["google/nano-banana-pro"]
    assert prices.estimate(banana, {}).high == 0.1575  # the old key is not a price


def test_budgets_refuse_with_the_reason() -> None:
    quote = Quote(cost=CostRange(0.5, 1.5))
    assert budget_problems(quote, Budget(per_run=2.0, per_day=10.0), spent_today=0) == []
    assert "per-run budget of $1.00" in budget_problems(quote, Budget(per_run=1.0), 0)[0]
    assert "only $0.50 of today's budget" in budget_problems(quote, Budget(per_day=3.0), 2.5)[0]


def test_the_toolbar_summary_reads_like_the_spec() -> None:
    quote = Quote(cost=CostRange(0.40, 0.42), seconds=95, cached=3)
    assert quote.summary() == "≈ $0.40–$0.42 · ~95 s · 3 cached"


def test_speech_and_music_models_are_one_declaration_and_one_entry_each() -> None:
    """The shapes the hosted speech and music models need: per character of text or per
    second of audio (its length not a parameter: a guess for the quote, the file's length
    for the bill), per generation or per second of a chosen length."""
    from canvastoon_desktop.core.catalog import (
        ModelSpec,
        PriceBy,
        PriceRule,
        PriceUnit,
        Provider,
        Role,
        Task,
    )
    from canvastoon_desktop.core.params import ParamKind, ParamSpec

    def model(model_id: str, rule: PriceRule, *params: ParamSpec) -> ModelSpec:
        return ModelSpec(
            model_id,
            model_id,
            Provider.AIML,
            Task.CHAT,
            Role.SCENARIO,
            params,
            rule,
            (1, 2),
            max_prompt_length=5000,
        )

    voice = ParamSpec("voice", ParamKind.ENUM, "hd", choices=("hd", "turbo"))
    length = ParamSpec("duration", ParamKind.INT, 30, minimum=5, maximum=240)
    tts_chars = model("tts/chars", PriceRule(PriceUnit.CHARACTER, by=(PriceBy("voice"),)), voice)
    tts_seconds = model("tts/seconds", PriceRule(PriceUnit.OUTPUT_SECOND))
    song = model("music/song", PriceRule(PriceUnit.OUTPUT))
    clip = model("music/clip", PriceRule(PriceUnit.OUTPUT_SECOND, seconds="duration"), length)
    prices = PriceTable.load()
    prices.models.update(
        {
            "tts/chars": {"usd_per_million_characters": {"hd": 100.0, "turbo": 60.0}},
            "tts/seconds": {"usd_per_second": 0.002, "seconds": [1, 60]},
            "music/song": {"usd_per_output": 0.03},
            "music/clip": {"usd_per_second": 0.001},
        }
    )
    assert prices.estimate(tts_chars, {"voice": "turbo"}, prompt_chars=1000).high == 0.06
    assert prices.estimate(tts_chars, {}).high == pytest.approx(5000 * 100 / 1e6)  # any text
    assert prices.estimate(tts_seconds, {}) == CostRange(0.002, 0.12)
    assert prices.outputs_usd(tts_seconds, {}, 1, seconds=12.5) == pytest.approx(0.025)
    assert prices.estimate(song, {}).high == 0.03
    assert prices.estimate(clip, {"duration": 90}).high == pytest.approx(0.09)
    for spec in (tts_chars, tts_seconds, song, clip):
        assert prices.uncovered(spec) == []
