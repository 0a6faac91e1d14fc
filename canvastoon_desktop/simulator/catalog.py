"""The models the simulator serves and their version ids (what they cost: billing.py).

Replicate's official models run through ``/v1/models/{owner}/{name}/predictions`` and
report ``version: "hidden"`` (the OpenAPI's marker for official models); community
models such as ``allenhooo/lama`` need a version id and ``POST /v1/predictions``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AIML_EDIT_MODELS",
    "AIML_IMAGE_MODELS",
    "AIML_MUSIC_MODELS",
    "AIML_SPEECH_MODELS",
    "AIML_VIDEO_MODELS",
    "LAMA_VERSION",
    "REPLICATE_MODELS",
    "ReplicateModel",
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


@dataclass(frozen=True)
class ReplicateModel:
    name: str
    official: bool
    version: str
    #: "images" (a list of URLs), "image" (one URL) or "video" (one URL).
    output: str
    description: str
    cog_version: str = "0.16.8"

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
        ),
        ReplicateModel(
            "google/veo-3.1-fast",
            official=True,
            version="e1d3b7f6ddee442dbe688225c488b2f531157facd540d7b60bebda335940dcce",
            output="video",
            description="Veo 3.1 Fast video with audio (simulated)",
        ),
        ReplicateModel(
            "minimax/hailuo-2.3-fast",
            official=True,
            version="fb5162b2dfddc5f5a6b99927926eb5de9ff501c470a011bd8ed284eaa8646c13",
            output="video",
            description="Hailuo 2.3 Fast image-to-video (simulated)",
        ),
    )
}

VERSION_TO_MODEL: dict[str, ReplicateModel] = {m.version: m for m in REPLICATE_MODELS.values()}
