"""The models the simulator serves, their version ids, and what they cost on AIML.

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
    "CREDITS_PER_USD",
    "LAMA_VERSION",
    "REPLICATE_MODELS",
    "ReplicateModel",
    "chat_credits",
    "image_credits",
    "video_credits",
]

#: A stable, invented version id for the community model ``allenhooo/lama``.
LAMA_VERSION = (
    "cdac78a1bec5b23c07fd29692fb70baa513ea403a39e643c48ec5edadb15fe72"  # the public version id
)

CREDITS_PER_USD = 2_000_000

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
            output="images",
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


def chat_credits(prompt_tokens: int, completion_tokens: int) -> int:
    """gpt-4o: $5 per 1M input tokens, $15 per 1M output tokens."""
    return prompt_tokens * 10 + completion_tokens * 30


def image_credits(resolution: str) -> int:
    """nano-banana-pro: $0.04 (1K) – $0.08 (4K) per image."""
    return {"1K": 80_000, "2K": 120_000, "4K": 160_000}.get(resolution, 80_000)


def video_credits(resolution: str, duration_s: int) -> int:
    """hailuo-2.3-fast: ≈ $0.34 per 10 s at 768P, half as much again at 1080P."""
    per_second = 68_000 if resolution.upper() == "768P" else 110_000  # $0.034 / $0.055
    return per_second * duration_s


def speech_credits(characters: int) -> int:
    """eleven_multilingual_v2: $0.10 per 1,000 characters (ElevenLabs' API price list, as
    published 2026-06; AIML's TTS answer reports no credits)."""
    return characters * 200


def music_credits(music_length_ms: int) -> int:
    """eleven_music: $0.30 per minute of music (ElevenLabs' API price list, 2026-06)."""
    return music_length_ms * 10
