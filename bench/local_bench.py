"""Offline models (issue: core engine): how long one render takes on this machine.

``storyboard_card_ms``: the median of three storyboard cards with three reference images
(fonts and imports warmed first). A test once held this figure and failed on loaded
machines; timing belongs here.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Iterator

import numpy as np
from PIL import Image

from canvastoon_desktop.providers.local.storyboard import render_storyboard_card

from .figures import Figure

PROMPT = "Two idols on a neon stage at night, the lead turns to the camera, confetti falling"


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def storyboard_card_ms() -> float:
    colours = ((230, 20, 20), (20, 200, 40), (30, 40, 230))
    refs = [_png(np.full((768, 512, 3), c, np.uint8)) for c in colours]
    render_storyboard_card(PROMPT, references=refs)  # warm-up: fonts, imports
    times = []
    for seed in range(3):
        started = time.perf_counter()
        render_storyboard_card(
            PROMPT, title="Ep. 1", shot_label="SHOT 1 · 3 s", references=refs, seed=seed
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run() -> Iterator[Figure]:
    yield Figure("storyboard_card_ms", storyboard_card_ms(), 150.0)
