"""Recognising the prediction a lost create made, from the input Replicate shows back."""

from __future__ import annotations

import asyncio
import base64

from canvastoon_desktop.providers.replicate_match import SentInput, input_match

FRAME = b"\x89PNG first frame"
OTHER = b"\x89PNG another frame"
FRAME_URI = "data:image/png;base64," + base64.b64encode(FRAME).decode()
SENT = {"prompt": "she dances", "duration": 5, "guidance": 0.1 + 0.2, "image": FRAME_URI}
KEPT = {"https://replicate.delivery/pbxt/a/image.png": FRAME}


async def read(url: str) -> bytes | None:
    return KEPT.get(url)


def made(echoed: dict[str, object], sent: SentInput | None = None) -> bool | None:
    return asyncio.run((sent or SentInput.of(SENT, {"image": FRAME})).made(echoed, read))


def test_an_input_shown_back_verbatim_is_recognised() -> None:
    assert made(dict(SENT)) is True


def test_numbers_reserialised_by_replicate_still_match() -> None:
    echoed = {**SENT, "duration": 5.0, "guidance": 0.30000001192092896}  # float32
    assert made(echoed) is True
    assert input_match({"steps": 8}, ()) == input_match({"steps": 8.0}, ())
    assert input_match({"steps": 8}, ()) != input_match({"steps": 9}, ())
    assert input_match({"on": True}, ()) != input_match({"on": 1}, ())


def test_a_file_shown_back_as_a_delivery_url_is_read_and_compared() -> None:
    echoed = {**SENT, "image": "https://replicate.delivery/pbxt/a/image.png"}
    assert made(echoed) is True


def test_a_twin_with_the_same_settings_but_another_file_is_not_adopted() -> None:
    KEPT["https://replicate.delivery/pbxt/b/image.png"] = OTHER
    echoed = {**SENT, "image": "https://replicate.delivery/pbxt/b/image.png"}
    assert made(echoed) is False
    other_uri = "data:image/png;base64," + base64.b64encode(OTHER).decode()
    assert made({**SENT, "image": other_uri}) is False


def test_other_settings_are_another_request() -> None:
    assert made({**SENT, "prompt": "she sings"}) is False
    assert made({k: v for k, v in SENT.items() if k != "duration"}) is False


def test_a_file_that_cannot_be_read_back_leaves_it_undecided() -> None:
    echoed = {**SENT, "image": "https://replicate.delivery/pbxt/gone/image.png"}
    assert made(echoed) is None


def test_an_uploaded_files_url_shown_back_as_sent_needs_no_reading() -> None:
    upload = "https://api.replicate.com/v1/files/abc"
    sent = SentInput.of({**SENT, "image": upload}, {"image": FRAME})
    assert made({**SENT, "image": upload}, sent) is True


def test_what_was_sent_survives_the_journal() -> None:
    sent = SentInput.of(SENT, {"image": FRAME})
    again = SentInput.from_info(sent.info())
    assert again == sent
    assert SentInput.from_info({"input_sha256": "abc"}) is None
