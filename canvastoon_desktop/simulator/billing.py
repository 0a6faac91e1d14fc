"""What the simulated providers bill, from the providers' own documents.

These facts are the simulator's own, read from AIML's, MiniMax's, Google's, ElevenLabs'
and Replicate's pages — never from the app's price table (``resources/prices.json``), so
that a test can find the app quoting or booking something else than what a provider would
bill. Where a document is silent the choice is written down next to the number.

AIML bills in credits ($1 = 2,000,000: docs.aimlapi.com/faq/how-can-i-track-my-funds) and
says so in ``meta.usage`` of the answer that started the work — for music, of the completed
poll; its text-to-speech answer is the audio alone and says nothing. Replicate's official models
bill per output (an image, a second of video), its community models by ``predict_time`` ×
the hardware's rate; Replicate's answers carry no price — the simulator's bill log does.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from .catalog import MINIMAX_HAILUO_FAST_USD, REPLICATE_MODELS

__all__ = [
    "CREDITS_PER_USD",
    "Bill",
    "BillLog",
    "aiml_video_credits",
    "chat_credits",
    "image_credits",
    "music_credits",
    "replicate_bill",
    "speech_credits",
]

#: docs.aimlapi.com/faq/how-can-i-track-my-funds: "$1 USD = 2,000,000 credits"
CREDITS_PER_USD = 2_000_000

#: AIML adds about 5% to the model maker's price: its Hailuo example bills 399,000 credits
#: ($0.1995) for the 768P 6 s video MiniMax lists at $0.19 (see ``aiml_video_credits``)
AIML_MARKUP = 1.05

# -- AIML: chat --------------------------------------------------------------------------------
#: gpt-4o at OpenAI's list price (platform.openai.com/docs/pricing: $2.50 / $10.00 per 1M
#: input / output tokens) with AIML's markup; AIML publishes no gpt-4o rate of its own
CHAT_USD_PER_M_INPUT = 2.50 * AIML_MARKUP
CHAT_USD_PER_M_OUTPUT = 10.00 * AIML_MARKUP


def chat_credits(prompt_tokens: int, completion_tokens: int) -> int:
    usd = (prompt_tokens * CHAT_USD_PER_M_INPUT + completion_tokens * CHAT_USD_PER_M_OUTPUT) / 1e6
    return math.ceil(usd * CREDITS_PER_USD)


# -- AIML: Nano Banana Pro (and its edit variant) ----------------------------------------------
#: docs.aimlapi.com/api-references/image-models/google/gemini-3-pro-image-preview: the
#: example answer reports ``meta.usage.tokens_used: 315000`` for one 1K image (and the edit
#: page the same for a 1K image made from two references)
IMAGE_CREDITS_1K = 315_000
#: ai.google.dev/gemini-api/docs/pricing: $0.134 per 1K or 2K image, $0.24 per 4K image.
#: AIML documents only 1K; 2K costs what 1K does (as at Google), 4K what 1K does scaled by
#: Google's 4K / 1K ratio
IMAGE_CREDITS = {
    "1K": IMAGE_CREDITS_1K,
    "2K": IMAGE_CREDITS_1K,
    "4K": round(IMAGE_CREDITS_1K * 0.24 / 0.134),
}


def image_credits(resolution: str) -> int:
    return IMAGE_CREDITS.get(resolution, IMAGE_CREDITS_1K)


# -- AIML: Hailuo 2.3 Fast (MiniMax's price: catalog.py) ---------------------------------------
def aiml_video_credits(resolution: str, duration_s: int) -> int | None:
    """AIML's charge for a Hailuo video (None: MiniMax makes no such video). AIML's
    example (docs.aimlapi.com/.../hailuo-2.3-fast): 399,000 credits for 768P 6 s."""
    usd = MINIMAX_HAILUO_FAST_USD.get((resolution.upper(), int(duration_s)))
    return None if usd is None else round(usd * AIML_MARKUP * CREDITS_PER_USD)


# -- AIML: ElevenLabs speech and music ----------------------------------------------------------
#: AIML publishes no price for its ElevenLabs models, and its TTS answer is the audio alone
#: (no credits). ElevenLabs' API list prices, as third-party pages give them (June 2026):
#: Multilingual v2 $0.10 per 1,000 characters, Eleven Music $0.30 per minute
#: (developer.puter.com/tutorials/elevenlabs-api-pricing); with AIML's markup, as for chat
ELEVEN_TTS_USD_PER_1K_CHARS = 0.10 * AIML_MARKUP
ELEVEN_MUSIC_USD_PER_MINUTE = 0.30 * AIML_MARKUP


def speech_credits(characters: int) -> int:
    """eleven_multilingual_v2: per character of the text spoken."""
    return round(characters * ELEVEN_TTS_USD_PER_1K_CHARS / 1000 * CREDITS_PER_USD)


def music_credits(music_length_ms: int) -> int:
    """eleven_music: per millisecond of the length asked for (what ElevenLabs bills)."""
    return round(music_length_ms * ELEVEN_MUSIC_USD_PER_MINUTE / 60_000 * CREDITS_PER_USD)


# -- Replicate ------------------------------------------------------------------------------
#: replicate.com/pricing: per-second hardware rates
HARDWARE_USD_PER_S = {"cpu": 0.0001, "t4": 0.000225, "a40": 0.000575, "a100-80gb": 0.0014}
#: allenhooo/lama is a community model; its model page does not name its hardware here, and
#: the A40 (the integration spec's assumption) is what the simulator bills
LAMA_HARDWARE = "a40"
#: replicate.com/prunaai/z-image-turbo (readme): "Pricing is based on image resolution:
#: up to 0.5 MP $0.0025, up to 1 MP $0.005, up to 2 MP $0.01". Larger images: the 2 MP
#: price per started megapixel-pair, the simulator's choice (Replicate lists none)
Z_IMAGE_TIERS = ((0.5, 0.0025), (1.0, 0.005), (2.0, 0.01))
# the video models' prices: their VideoFacts in catalog.py


def z_image_usd(width: int, height: int) -> float:
    megapixels = width * height / 1e6
    for limit, usd in Z_IMAGE_TIERS:
        if megapixels <= limit:
            return usd
    return Z_IMAGE_TIERS[-1][1] * math.ceil(megapixels / Z_IMAGE_TIERS[-1][0])


def replicate_bill(
    model: str, inputs: dict[str, Any], *, outputs: int, predict_s: float | None
) -> tuple[float, str]:
    """What Replicate bills for a finished prediction: (USD, how it was counted). The
    inputs are the prediction's with its schema's defaults filled in."""
    if model == "allenhooo/lama":
        seconds = max(0.0, predict_s or 0.0)
        return seconds * HARDWARE_USD_PER_S[LAMA_HARDWARE], f"{seconds:.3f} s on {LAMA_HARDWARE}"
    if not outputs:
        return 0.0, "no output"
    if model == "prunaai/z-image-turbo":
        width, height = int(inputs.get("width", 1024)), int(inputs.get("height", 1024))
        return z_image_usd(width, height) * outputs, f"{outputs} image(s) {width}x{height}"
    facts = REPLICATE_MODELS[model].video
    if facts is not None:
        return facts.bill(inputs, outputs)
    raise KeyError(model)


@dataclass(frozen=True)
class Bill:
    """One charge a simulated provider made."""

    provider: str  # aiml | replicate
    model: str
    usd: float
    job_id: str | None  # prediction / generation / completion id (None: AIML images)
    what: str  # how it was counted
    at: float


class BillLog:
    """Every charge, in order; thread-safe so tests can read it while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bills: list[Bill] = []
        self._billed_jobs: set[str] = set()

    def add(self, bill: Bill) -> None:
        with self._lock:
            if bill.job_id is not None and bill.provider == "replicate":
                if bill.job_id in self._billed_jobs:
                    return  # a prediction is billed once, however often it is read
                self._billed_jobs.add(bill.job_id)
            self._bills.append(bill)

    def snapshot(self) -> list[Bill]:
        with self._lock:
            return list(self._bills)

    def clear(self) -> None:
        with self._lock:
            self._bills.clear()
            self._billed_jobs.clear()
