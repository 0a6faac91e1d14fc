"""render_storyboard_card: a deterministic 9:16 card that never overflows or crashes on text."""

from __future__ import annotations

import numpy as np
import pytest
from local_helpers import load, png

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.fonts import get_font
from canvastoon_desktop.providers.local.storyboard import render_storyboard_card, wrap_text

PROMPT = "Two idols on a neon stage at night, the lead turns to the camera, confetti falling"
COLOURS = [(230, 20, 20), (20, 200, 40), (30, 40, 230), (240, 200, 0), (0, 200, 220)]


def swatch(colour: tuple[int, int, int], size: tuple[int, int] = (300, 400)) -> bytes:
    return png(np.full((size[1], size[0], 3), colour, np.uint8))


def colour_share(img: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> float:
    return float(np.all(np.abs(img[..., :3].astype(int) - colour) <= tol, axis=-1).mean())


def test_card_is_a_9_16_png_and_deterministic() -> None:
    a = render_storyboard_card(PROMPT, title="Ep. 1", shot_label="SHOT 3 · 4 s", seed=7)
    b = render_storyboard_card(PROMPT, title="Ep. 1", shot_label="SHOT 3 · 4 s", seed=7)
    assert a == b
    img = load(a)
    assert img.shape[:2] == (1280, 720)


def test_different_prompts_and_seeds_give_different_panels() -> None:
    base = load(render_storyboard_card(PROMPT))
    other_prompt = load(render_storyboard_card("A quiet beach at dawn, one girl walking"))
    other_seed = load(render_storyboard_card(PROMPT, seed=1))
    panel = (slice(120, 800), slice(40, 680))
    for other in (other_prompt, other_seed):
        diff = np.abs(base[panel].astype(int) - other[panel].astype(int)).mean()
        assert diff > 5


@pytest.mark.slow
def test_references_appear_as_a_row_of_thumbnails_in_the_lower_part() -> None:
    refs = [swatch(c) for c in COLOURS]
    with_refs = load(render_storyboard_card(PROMPT, references=refs))
    without = load(render_storyboard_card(PROMPT))
    lower = with_refs[1050:]
    for colour in COLOURS:
        assert colour_share(lower, colour) > 0.01, colour
        assert colour_share(with_refs[:1050], colour) < 0.001
        assert colour_share(without, colour) < 0.001
    # Left to right, in the order given.
    row = lower[lower.shape[0] // 2 + 40]
    xs = [np.nonzero(np.all(np.abs(row.astype(int) - c) <= 12, axis=-1))[0].mean() for c in COLOURS]
    assert xs == sorted(xs)


def test_more_than_five_references_are_counted_and_broken_ones_do_not_fail() -> None:
    refs = [swatch(c) for c in COLOURS] + [swatch((0, 0, 0))] * 3
    card = load(render_storyboard_card(PROMPT, references=refs))
    assert colour_share(card[1050:], COLOURS[-1]) < 0.001  # fifth tile is covered by "+4"
    load(render_storyboard_card(PROMPT, references=[b"<html>404</html>", swatch(COLOURS[0])]))


def test_long_prompts_are_cut_with_an_ellipsis_and_stay_in_their_box() -> None:
    font = get_font(22)
    lines = wrap_text("word " * 5000, font, 600, 6)
    assert len(lines) == 6 and lines[-1].endswith("…")
    assert all(font.getlength(line) <= 600 for line in lines)
    unspaced = wrap_text("가" * 3000, font, 600, 4)  # no spaces: wrapped by character
    assert len(unspaced) == 4 and unspaced[-1].endswith("…")
    assert all(font.getlength(line) <= 600 for line in unspaced)
    short = wrap_text("fits on one line", font, 600, 6)
    assert short == ["fits on one line"]

    long_card = load(render_storyboard_card("lorem ipsum " * 3000, references=[swatch(COLOURS[0])]))
    short_card = load(render_storyboard_card("lorem", references=[swatch(COLOURS[0])]))
    # Text never spills into the references row (its caption starts at y = 1100).
    assert np.array_equal(long_card[1095:], short_card[1095:])
    assert not np.array_equal(long_card[1000:1095], short_card[1000:1095])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "비 오는 밤, 서울 골목에서 우산을 든 소년이 뒤를 돌아본다",
        "東京の夜、ネオンの下で",
        "مرحبا بالعالم",
        "emoji 🎤✨🕺 party",
        "tabs\tand\nnew\r\nlines\x00\x07 and controls",
        "x" * 100_000,
    ],
)
def test_any_text_renders(text: str) -> None:
    card = load(render_storyboard_card(text, title=text[:40] or None, shot_label=text[:10] or None))
    assert card.shape[:2] == (1280, 720)


def test_other_sizes_render() -> None:
    assert load(render_storyboard_card(PROMPT, width=540, height=960)).shape[:2] == (960, 540)
    with pytest.raises(MediaError, match="card size"):
        render_storyboard_card(PROMPT, width=10, height=10)
