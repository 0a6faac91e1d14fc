"""Offline models (issue: core engine): how long one render takes on this machine.

``storyboard_card_ms``: the median of three storyboard cards with three reference images
(fonts and imports warmed first). A test once held this figure and failed on loaded
machines; timing belongs here.

``kenburns_default_size_s``: one pan-and-zoom clip at the default size (720×1280, 96 frames)
from a 1024×1024 picture, encoded to H.264 (about 1 s on two cores).
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from canvastoon_desktop.providers.local.kenburns import render_pan_zoom
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


def kenburns_default_size_s() -> float:
    rng = np.random.default_rng(3)
    picture = _png(rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8))
    with tempfile.TemporaryDirectory() as root:
        started = time.perf_counter()
        render_pan_zoom(picture, Path(root) / "full.mp4")
        return time.perf_counter() - started


def run() -> Iterator[Figure]:
    yield Figure("storyboard_card_ms", storyboard_card_ms(), 150.0)
    yield Figure("kenburns_default_size_s", kenburns_default_size_s(), 5.0)
