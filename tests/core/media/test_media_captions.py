"""Burning a caption into a video frame: in the frame's own Y'CbCr, over the caption's box
alone — the same picture as compositing it in RGB, everything outside the box untouched."""

from __future__ import annotations

import av
import numpy as np
import pytest

from canvastoon_desktop.core.media.captions import Overlay, burn, render_caption
from canvastoon_desktop.core.media.writer import to_output_yuv

W, H = 720, 1280


def frame_of(rgb: np.ndarray):
    return to_output_yuv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))


def planes(frame) -> list[np.ndarray]:
    out = []
    for plane in frame.planes:
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        out.append(rows[:, : plane.width].copy())
    return out


def rgb_composite(rgb: np.ndarray, overlay: Overlay) -> np.ndarray:
    """The caption composited the plain way: over the RGB picture, alpha by alpha."""
    out = rgb.astype(np.float32)
    box = overlay.box
    alpha = overlay.rgba[..., 3:4] / 255.0
    region = out[box.top : box.bottom, box.left : box.right]
    out[box.top : box.bottom, box.left : box.right] = (
        region * (1 - alpha) + overlay.rgba[..., :3] * alpha
    )
    return out.round().astype(np.uint8)


@pytest.fixture
def picture() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([x * 255 // W, y * 255 // H, (x + y) % 256], axis=-1).astype(np.uint8)


@pytest.mark.parametrize("shift", [(0, 0), (1, 0), (0, 1), (1, 1)])  # odd places too
def test_a_burned_caption_looks_as_if_composited_in_rgb(picture, shift) -> None:
    caption = render_caption("Five, six, seven, eight!", W, H)
    overlay = Overlay(caption.rgba, caption.left + shift[0], caption.top + shift[1])
    burned = burn(frame_of(picture), overlay)
    expected = frame_of(rgb_composite(picture, overlay)).to_ndarray(format="rgb24")
    got = burned.to_ndarray(format="rgb24").astype(int)
    box = overlay.box
    inside = np.abs(got - expected)[box.top : box.bottom, box.left : box.right]
    assert inside.mean() < 2.0 and np.percentile(inside, 99) <= 12
    assert (burned.width, burned.height, burned.format.name) == (W, H, "yuv420p")


def test_only_the_box_is_touched_and_the_source_frame_is_left_alone(picture) -> None:
    caption = render_caption("기다려, 미나!", W, H)  # Hangul, from the bundled font
    source = frame_of(picture)
    before = planes(source)
    after = planes(burn(source, caption))
    assert all((a == b).all() for a, b in zip(planes(source), before, strict=True))
    box = caption.box
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        s = 1 if index == 0 else 2
        changed = np.argwhere(old != new)
        assert changed.size, "nothing was burned in"
        top, left = changed.min(axis=0)
        bottom, right = changed.max(axis=0)
        assert top >= box.top // s and left >= box.left // s
        assert bottom < -(-box.bottom // s) and right < -(-box.right // s)
