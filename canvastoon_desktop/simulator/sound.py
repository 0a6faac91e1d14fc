"""Sound files the simulator answers with: speech-like syllables for text-to-speech and a
simple beat for music — real, decodable MP3 or WAV, deterministic for the same request."""

from __future__ import annotations

import hashlib
import io
import wave

import av
import numpy as np

RATE = 44_100


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


def speech_seconds(text: str) -> float:
    """About how long the words take to say (2.8 words a second)."""
    return max(0.6, len(text.split()) / 2.8 + 0.2)


def speech_samples(text: str, voice: str) -> np.ndarray:
    rng = np.random.default_rng(_seed(text, voice))
    n = round(speech_seconds(text) * RATE)
    out = np.zeros(n, np.float32)
    base = 120 + (_seed(voice) % 120)  # each voice has its own pitch
    syllables = max(1, round(len(text) / 3.2))
    span = n // syllables
    t = np.arange(span) / RATE
    for k in range(syllables):
        f0 = base * (1 + 0.08 * np.sin(k))
        formant = rng.uniform(500, 1400)
        wave_ = np.sin(2 * np.pi * f0 * t) + 0.4 * np.sin(2 * np.pi * formant * t)
        env = np.sin(np.pi * np.clip(t / (span / RATE), 0, 1)) ** 2
        out[k * span : (k + 1) * span] += (0.3 * wave_ * env).astype(np.float32)
    return out


def music_samples(prompt: str, seconds: float) -> np.ndarray:
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    root = 110 * 2 ** ((_seed(prompt) % 12) / 12)
    pad = sum(np.sin(2 * np.pi * root * r * t) for r in (1, 1.26, 1.5)) * 0.08
    beat = np.exp(-((t % 0.5) * 14)) * np.sin(2 * np.pi * 55 * t) * 0.5
    return (pad + beat).astype(np.float32)


def encode(samples: np.ndarray, fmt: str) -> tuple[bytes, str]:
    """``fmt`` "mp3" → MPEG audio, anything else → 16-bit WAV; returns (bytes, content type)."""
    if fmt == "mp3":
        buffer = io.BytesIO()
        with av.open(buffer, "w", format="mp3") as container:
            stream = container.add_stream("libmp3lame", rate=RATE, layout="mono")
            stream.bit_rate = 128_000
            for i in range(0, samples.shape[0], 1152):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(samples[np.newaxis, i : i + 1152]),
                    format="fltp",
                    layout="mono",
                )
                frame.sample_rate = RATE
                frame.pts = i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        return buffer.getvalue(), "audio/mpeg"
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue(), "audio/wav"
