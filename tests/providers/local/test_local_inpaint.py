"""inpaint_image fills white mask areas from their surroundings and touches nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from local_helpers import load, png, texture

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.providers.local.inpaint import inpaint_image

H, W = 120, 160


def with_red_square() -> np.ndarray:
    img = texture(H, W)
    img[40:80, 60:100] = (255, 0, 0)
    return img


def square_mask(value: int = 255, pad: int = 2) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[40 - pad : 80 + pad, 60 - pad : 100 + pad] = value
    return mask


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_fills_the_masked_area_and_leaves_the_rest_exactly(method: str) -> None:
    img = with_red_square()
    out = load(inpaint_image(png(img), png(square_mask()), method=method))  # type: ignore[arg-type]
    inside = square_mask() > 0
    assert out.shape == img.shape
    assert np.array_equal(out[~inside], img[~inside])
    # The red object is gone: the fill now looks like the background around it.
    fill = out[inside].astype(int)
    assert (fill[:, 0] - fill[:, 1]).mean() < 60
    assert np.abs(fill.mean(axis=0) - texture(H, W)[inside].mean(axis=0)).max() < 40


def test_all_black_mask_returns_the_image_unchanged() -> None:
    img = with_red_square()
    assert np.array_equal(load(inpaint_image(png(img), png(np.zeros((H, W), np.uint8)))), img)


def test_mask_threshold_is_half_grey() -> None:
    img = with_red_square()
    faint = load(inpaint_image(png(img), png(square_mask(value=120))))
    strong = load(inpaint_image(png(img), png(square_mask(value=136))))
    assert np.array_equal(faint, img)
    assert not np.array_equal(strong, img)


def test_transparent_parts_of_an_rgba_mask_count_as_black() -> None:
    img = with_red_square()
    mask = np.full((H, W, 4), 255, np.uint8)  # white everywhere...
    mask[..., 3] = 0  # ...but transparent,
    mask[40:80, 60:100, 3] = 255  # except over the square.
    out = load(inpaint_image(png(img), png(mask, "RGBA")))
    changed = np.any(out != img, axis=-1)
    assert changed[40:80, 60:100].mean() > 0.9
    assert not changed[:38].any() and not changed[82:].any()


def test_mask_of_another_size_is_stretched_to_the_image() -> None:
    img = with_red_square()
    small = np.zeros((H // 4, W // 4), np.uint8)
    small[10:20, 15:25] = 255  # the same square at quarter scale
    out = load(inpaint_image(png(img), png(small)))
    changed = np.any(out != img, axis=-1)
    assert changed[40:80, 60:100].mean() > 0.9
    outside = np.ones_like(changed)
    outside[40:80, 60:100] = False
    assert not changed[outside].any()


def test_alpha_channel_is_preserved() -> None:
    img = np.dstack([with_red_square(), np.tile(np.linspace(0, 255, W, dtype=np.uint8), (H, 1))])
    out = load(inpaint_image(png(img, "RGBA"), png(square_mask())))
    assert out.shape == (H, W, 4)
    assert np.array_equal(out[..., 3], img[..., 3])
    assert not np.array_equal(out[..., :3], img[..., :3])


def test_bad_inputs_are_media_errors() -> None:
    img, mask = png(with_red_square()), png(square_mask())
    with pytest.raises(MediaError, match="the mask: not an image"):
        inpaint_image(img, b"<html>oops</html>")
    with pytest.raises(MediaError, match="the image: is truncated"):
        inpaint_image(img[: len(img) // 2], mask)
    with pytest.raises(MediaError, match="method must be"):
        inpaint_image(img, mask, method="magic")  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="radius"):
        inpaint_image(img, mask, radius=0)
