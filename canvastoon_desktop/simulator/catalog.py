"""The models the simulator serves, their version ids and, for video models, what they make
and bill (the other models' bills: billing.py).

Replicate's official models run through ``/v1/models/{owner}/{name}/predictions`` and
report ``version: "hidden"`` (the OpenAPI's marker for official models); community
models such as ``allenhooo/lama`` need a version id and ``POST /v1/predictions``.

A Replicate video model is one entry here (with its :class:`VideoFacts`) plus its schema
file in ``schemas/replicate`` (whose defaults fill the inputs a request leaves out). These
facts are read from the models' pages, never from the app's catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "AIML_EDIT_MODELS",
    "AIML_IMAGE_MODELS",
    "AIML_MUSIC_MODELS",
    "AIML_SPEECH_MODELS",
    "AIML_VIDEO_MODELS",
    "LAMA_VERSION",
    "MINIMAX_HAILUO_FAST_USD",
    "REPLICATE_MODELS",
    "Aspect",
    "Refusal",
    "ReplicateModel",
    "VideoFacts",
]

#: A stable, invented version id for the community model ``allenhooo/lama``.
LAMA_VERSION = (
    "cdac78a1bec5b23c07fd29692fb70baa513ea403a39e643c48ec5edadb15fe72"  # the public version id
)

#: Accepted by ``/v1/images/generations`` (schema files in ``schemas/aiml``).
AIML_IMAGE_MODELS = ("google/nano-banana-pro", "google/gemini-3-pro-image-preview")
AIML_EDIT_MODELS = ("google/gemini-3-pro-image-edit",)
AIML_VIDEO_MODELS = ("minimax/hailuo-2.3-fast",)
AIML_SPEECH_MODELS = ("elevenlabs/eleven_multilingual_v2",)
AIML_MUSIC_MODELS = ("elevenlabs/eleven_music",)


#: platform.minimax.io/docs/pricing/pay-as-you-go, MiniMax-Hailuo-2.3-Fast: $0.19 per 768P
#: 6 s video, $0.32 per 768P 10 s, $0.33 per 1080P 6 s (1080P is 6 s only); AIML adds its
#: markup, Replicate passes the price on
MINIMAX_HAILUO_FAST_USD = {("768P", 6): 0.19, ("768P", 10): 0.32, ("1080P", 6): 0.33}


class Aspect(StrEnum):
    """Where a video's aspect ratio comes from."""

    FIRST_FRAME = "first_frame"  # the first frame's (which the model requires)
    INPUT = "input"  # the ``aspect_ratio`` input's, a first frame or not
    FIRST_FRAME_OR_INPUT = "first_frame_or_input"  # the first frame's, else the input's


@dataclass(frozen=True)
class Refusal:
    """A combination of input values the model refuses with a 422 on ``field``."""

    when: Mapping[str, Any]
    field: str
    message: str

    def applies(self, inputs: Mapping[str, Any]) -> bool:
        return all(inputs.get(name) == value for name, value in self.when.items())


@dataclass(frozen=True)
class VideoFacts:
    """What a Replicate video model makes and bills, from its model page.

    Inputs are read with the schema's defaults filled in. The price is ``usd`` looked up
    by the values of the ``price_by`` inputs (upper-cased strings), per second of output
    (``per_second``) or per video.
    """

    #: each ``resolution`` value's short side in pixels
    short_sides: Mapping[str, int]
    aspect: Aspect
    price_by: tuple[str, ...]
    usd: Mapping[tuple[Any, ...], float]
    per_second: bool = True
    first_frame: str = "image"  # the input that takes the first frame
    fps_input: str | None = None  # the input giving the frame rate (None: the renderer's)
    refusals: tuple[Refusal, ...] = ()

    def price_key(self, inputs: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(_price_value(inputs.get(name)) for name in self.price_by)

    def bill(self, inputs: Mapping[str, Any], outputs: int) -> tuple[float, str]:
        """What Replicate bills for ``outputs`` videos made from these inputs (USD, how)."""
        seconds = int(inputs.get("duration") or 0)
        usd = self.usd[self.price_key(inputs)] * (seconds if self.per_second else 1)
        what = ", ".join(f"{name} {inputs.get(name)}" for name in self.price_by)
        return usd * outputs, f"{seconds} s, {what}"


def _price_value(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


@dataclass(frozen=True)
class ReplicateModel:
    name: str
    official: bool
    version: str
    #: "images" (a list of URLs), "image" (one URL) or "video" (one URL).
    output: str
    description: str
    cog_version: str = "0.16.8"
    video: VideoFacts | None = None  # set for the video models

    @property
    def owner(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def short_name(self) -> str:
        return self.name.split("/", 1)[1]


REPLICATE_MODELS: dict[str, ReplicateModel] = {
    m.name: m
    for m in (
        ReplicateModel(
            "prunaai/z-image-turbo",
            official=True,
            version="93fd3b351238c6c5db4a293728776c88e4b962b1e27bd600eebec6a21d516929",
            output="image",  # its published Output: one file URI
            description="Fast 6B text-to-image model (simulated)",
        ),
        ReplicateModel(
            "allenhooo/lama",
            official=False,
            version=LAMA_VERSION,
            output="image",
            description="LaMa: resolution-robust large mask inpainting (simulated)",
        ),
        ReplicateModel(
            "bytedance/seedance-1-pro-fast",
            official=True,
            version="50957f04e17635a905e57a95edfc7f93d6d23bec4d387f54305ca2699274f947",
            output="video",
            description="Seedance 1 Pro Fast text/image-to-video (simulated)",
            # replicate.com/bytedance/seedance-1-pro-fast: the video takes the image's
            # aspect; $0.015 / $0.025 / $0.06 per second of output at 480p / 720p / 1080p
            video=VideoFacts(
                short_sides={"480p": 480, "720p": 720, "1080p": 1080},
                aspect=Aspect.FIRST_FRAME_OR_INPUT,
                price_by=("resolution",),
                usd={("480P",): 0.015, ("720P",): 0.025, ("1080P",): 0.06},
                fps_input="fps",
            ),
        ),
        ReplicateModel(
            "google/veo-3.1-fast",
            official=True,
            version="e1d3b7f6ddee442dbe688225c488b2f531157facd540d7b60bebda335940dcce",
            output="video",
            description="Veo 3.1 Fast video with audio (simulated)",
            # replicate.com/google/veo-3.1-fast: $0.10 per second of output video, $0.15
            # with audio; the aspect_ratio input decides the frame, an image or not
            video=VideoFacts(
                short_sides={"720p": 720, "1080p": 1080},
                aspect=Aspect.INPUT,
                price_by=("generate_audio",),
                usd={(True,): 0.15, (False,): 0.10},
            ),
        ),
        ReplicateModel(
            "minimax/hailuo-2.3-fast",
            official=True,
            version="fb5162b2dfddc5f5a6b99927926eb5de9ff501c470a011bd8ed284eaa8646c13",
            output="video",
            description="Hailuo 2.3 Fast image-to-video (simulated)",
            # replicate.com/minimax/hailuo-2.3-fast: image-to-video only, the video takes
            # the first frame's aspect; MiniMax's price per video
            video=VideoFacts(
                short_sides={"768p": 768, "1080p": 1080},
                aspect=Aspect.FIRST_FRAME,
                price_by=("resolution", "duration"),
                usd=MINIMAX_HAILUO_FAST_USD,
                per_second=False,
                first_frame="first_frame_image",
                refusals=(
                    Refusal(
                        {"duration": 10, "resolution": "1080p"},
                        "duration",
                        "10 seconds is only available at 768p",
                    ),
                ),
            ),
        ),
    )
}

VERSION_TO_MODEL: dict[str, ReplicateModel] = {m.version: m for m in REPLICATE_MODELS.values()}
