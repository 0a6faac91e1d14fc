"""AIML image generation and editing through the real openai client."""

from __future__ import annotations

import base64
import hashlib

import httpx
import openai
import pytest
from PIL import Image

from canvastoon_desktop.simulator import Simulator
from tests.simulator.simhelpers import image_bytes, open_image, png_data_uri


def _generate(aiml: openai.OpenAI, model: str = "google/nano-banana-pro", **extra: object):
    prompt = extra.pop("prompt", "A K-pop idol on a rainy rooftop, neon reflections")
    return aiml.images.generate(model=model, prompt=prompt, extra_body=extra)  # type: ignore[arg-type]


def test_nine_by_sixteen_gives_a_portrait_png_that_decodes(aiml: openai.OpenAI) -> None:
    resp = _generate(aiml, aspect_ratio="9:16", resolution="1K")
    assert resp.created is None  # AIML sends no "created"
    assert len(resp.data) == 1
    item = resp.data[0]
    extra = item.model_extra
    assert item.b64_json is None
    assert extra["content_type"] == "image/png"
    assert extra["file_name"].endswith(".png")
    r = httpx.get(item.url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert int(r.headers["content-length"]) == len(r.content)
    img = open_image(r.content)
    assert img.format == "PNG"
    assert (extra["width"], extra["height"]) == (None, None)  # as in AIML's example answer
    assert img.height > img.width
    assert abs(img.width / img.height - 9 / 16) < 0.02
    # AIML's example answer: the credits as tokens_used, 315,000 for one 1K image
    assert resp.model_extra["meta"] == {"usage": {"tokens_used": 315_000}}


def test_images_differ_by_prompt_and_repeat_for_equal_requests(aiml: openai.OpenAI) -> None:
    a = httpx.get(_generate(aiml, prompt="a red fox").data[0].url).content
    b = httpx.get(_generate(aiml, prompt="a red fox").data[0].url).content
    c = httpx.get(_generate(aiml, prompt="a blue whale").data[0].url).content
    assert a == b
    assert a != c


def test_num_images_returns_that_many_distinct_images(aiml: openai.OpenAI) -> None:
    resp = _generate(aiml, num_images=3, aspect_ratio="16:9")
    images = [open_image(httpx.get(d.url).content) for d in resp.data]
    digests = {hashlib.sha256(img.tobytes()).hexdigest() for img in images}
    assert len(resp.data) == 3 and len(digests) == 3
    assert all(img.width > img.height for img in images)
    assert resp.model_extra["meta"]["usage"]["tokens_used"] == 3 * 315_000


def test_a_4k_image_costs_what_google_charges_more_for_it(aiml: openai.OpenAI) -> None:
    resp = _generate(aiml, resolution="4K")
    # Google: $0.24 for 4K against $0.134 for 1K; AIML's 1K charge scaled alike
    assert resp.model_extra["meta"]["usage"]["tokens_used"] == round(315_000 * 0.24 / 0.134)


def test_unknown_openai_fields_are_ignored_as_the_schema_allows(aiml: openai.OpenAI) -> None:
    resp = aiml.images.generate(
        model="google/nano-banana-pro",
        prompt="a lighthouse",
        size="1024x1024",
        n=1,
        response_format="url",
    )
    img = open_image(httpx.get(resp.data[0].url).content)
    assert img.width == img.height  # default 1:1, "size" ignored


def test_invalid_aspect_ratio_is_a_400_with_the_aiml_error_body(aiml: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        _generate(aiml, aspect_ratio="7:3")
    body = info.value.body
    assert isinstance(body, dict)
    assert set(body) == {"message", "path", "requestId", "statusCode", "timestamp"}
    assert body["statusCode"] == 400
    assert "aspect_ratio" in body["message"] and "9:16" in body["message"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"num_images": 5}, "num_images"),
        ({"resolution": "8K"}, "resolution"),
        ({"prompt": None}, "prompt"),
    ],
)
def test_out_of_range_parameters_are_rejected(
    aiml: openai.OpenAI, extra: dict[str, object], field: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        _generate(aiml, **extra)
    assert field in info.value.body["message"]


@pytest.mark.slow
def test_edit_model_uses_reference_images_from_data_uris_and_own_urls(
    aiml: openai.OpenAI, sim: Simulator
) -> None:
    first = _generate(aiml, aspect_ratio="3:4", prompt="character sheet: Hana").data[0].url
    ref = png_data_uri(400, 300, (30, 200, 90))
    resp = aiml.images.generate(
        model="google/gemini-3-pro-image-edit",
        prompt="Hana waves from a train window",
        extra_body={"image_urls": [first, ref], "aspect_ratio": "9:16"},
    )
    img = open_image(httpx.get(resp.data[0].url).content)
    assert img.height > img.width
    without = aiml.images.generate(
        model="google/gemini-3-pro-image-edit",
        prompt="Hana waves from a train window",
        extra_body={"image_urls": [ref], "aspect_ratio": "9:16"},
    )
    other = open_image(httpx.get(without.data[0].url).content)
    assert img.tobytes() != other.tobytes()  # the references change the picture


def test_edit_without_aspect_ratio_takes_the_reference_shape(aiml: openai.OpenAI) -> None:
    resp = aiml.images.generate(
        model="google/gemini-3-pro-image-edit",
        prompt="same girl, now smiling",
        extra_body={"image_urls": [png_data_uri(300, 540)]},
    )
    img = open_image(httpx.get(resp.data[0].url).content)
    assert abs(img.width / img.height - 9 / 16) < 0.02


@pytest.mark.parametrize(
    ("urls", "needle"),
    [
        ([png_data_uri(64, 64)] * 6, "image_urls"),
        (["data:image/png;base64," + base64.b64encode(b"not an image").decode()], "image_urls[0]"),
        (["ftp://example.com/a.png"], "image_urls[0]"),
        (["data:text/plain;base64,aGVsbG8="], "image_urls[0]"),
    ],
)
def test_bad_reference_images_are_rejected(
    aiml: openai.OpenAI, urls: list[str], needle: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        aiml.images.generate(
            model="google/gemini-3-pro-image-edit", prompt="x", extra_body={"image_urls": urls}
        )
    assert info.value.body["message"].startswith(needle)


def test_reference_from_an_expired_output_is_rejected(aiml: openai.OpenAI, sim: Simulator) -> None:
    url = _generate(aiml).data[0].url
    sim.expire_outputs()
    assert httpx.get(url).status_code == 404
    with pytest.raises(openai.BadRequestError) as info:
        aiml.images.generate(
            model="google/gemini-3-pro-image-edit", prompt="x", extra_body={"image_urls": [url]}
        )
    assert "404" in info.value.body["message"]


def test_jpeg_reference_is_accepted(aiml: openai.OpenAI) -> None:
    jpeg = image_bytes(Image.new("RGB", (320, 320), (10, 20, 200)), "JPEG")
    uri = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    resp = aiml.images.generate(
        model="google/gemini-3-pro-image-edit", prompt="x", extra_body={"image_urls": [uri]}
    )
    assert open_image(httpx.get(resp.data[0].url).content).format == "PNG"
