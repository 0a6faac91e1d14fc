"""Open, check and decode sound files with PyAV: WAV, MP3, AAC (M4A), FLAC and Ogg.

As with videos, the demuxer is chosen from the file's magic bytes, never by FFmpeg's
guessing, and a file counts as sound only when all of it decodes: a truncated download or a
"song" that is really a web page is refused with a message naming the file.

Samples cross this module as float32 arrays shaped (2, n): planar stereo at 48 kHz, the
rate the MP4 writer's AAC track uses.
"""

from __future__ import annotations

import math
import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.image import file_label, read_head
from canvastoon_desktop.core.media.sniff import describe_head, sniff_mime
from canvastoon_desktop.core.media.video import short
from canvastoon_desktop.core.media.writer import AUDIO_RATE

_DEMUXERS = {
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/mp4": "mov",
    "audio/flac": "flac",
    "audio/ogg": "ogg",
}
#: longer sounds are refused: a short's music bed or a line of dialogue is minutes at most
MAX_AUDIO_SECONDS = 20 * 60


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a fully decoded sound file turned out to be."""

    duration_s: float
    sample_rate: int
    channels: int
    codec: str
    mime: str


def _open(path: str | os.PathLike[str], label: str) -> tuple[Any, str]:
    head = read_head(path, 4096, label=label)
    mime = sniff_mime(head)
    if mime not in _DEMUXERS:
        raise MediaError(f"{label}: not a sound file, it is {describe_head(head)}")
    try:
        container = av.open(os.fspath(path), format=_DEMUXERS[mime])
    except Exception as exc:
        raise MediaError(f"{label}: is damaged and cannot be opened ({short(exc)})") from None
    if not container.streams.audio:
        container.close()
        raise MediaError(f"{label}: holds no sound")
    return container, mime


def _frames(container: Any, label: str) -> Any:
    stream = container.streams.audio[0]
    decoded = 0.0
    try:
        for frame in container.decode(stream):
            decoded += frame.samples / max(1, frame.sample_rate)
            if decoded > MAX_AUDIO_SECONDS:
                raise MediaError(
                    f"{label}: refused, it is longer than {MAX_AUDIO_SECONDS // 60} minutes"
                )
            yield frame
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(
            f"{label}: cannot be decoded at about {decoded:.1f} s ({short(exc)})"
        ) from None


def probe_audio_file(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe a sound file, decoding all of it to prove it plays to its end."""
    label = file_label(path)
    container, mime = _open(path, label)
    with container:
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        samples = 0
        for frame in _frames(container, label):
            samples += frame.samples
            rate = rate or int(frame.sample_rate)
        codec = str(stream.codec_context.name)
    if samples == 0 or rate <= 0:
        raise MediaError(f"{label}: holds no sound that can be decoded")
    duration = samples / rate
    if not math.isfinite(duration) or duration <= 0:
        raise MediaError(f"{label}: has zero length")
    return AudioInfo(duration, rate, channels, codec, mime)


def decode_audio(path: str | os.PathLike[str], rate: int = AUDIO_RATE) -> np.ndarray:
    """The whole file as float32 planar stereo at ``rate`` Hz, shape (2, n)."""
    label = file_label(path)
    container, _mime = _open(path, label)
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
    parts: list[np.ndarray] = []
    with container:
        for frame in _frames(container, label):
            frame.pts = None  # the resampler keeps its own clock: gaps in pts are not ours
            parts.extend(out.to_ndarray().reshape(2, -1) for out in resampler.resample(frame))
        parts.extend(out.to_ndarray().reshape(2, -1) for out in resampler.resample(None))
    if not parts:
        raise MediaError(f"{label}: holds no sound that can be decoded")
    samples = np.concatenate(parts, axis=1).astype(np.float32, copy=False)
    if not np.isfinite(samples).all():
        raise MediaError(f"{label}: decodes to invalid samples")
    return samples


def sound_envelope(path: str | os.PathLike[str], per_second: int = 100) -> np.ndarray:
    """How loud a sound file is over time: the peak of each 1/``per_second`` of it (mono,
    0 to 1), decoded as a stream so that a long file is never held whole in memory."""
    label = file_label(path)
    rate = per_second * 80
    container, _mime = _open(path, label)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    peaks: list[np.ndarray] = []
    carry = np.zeros(0, np.float32)

    def take(frames: list[Any]) -> None:
        nonlocal carry
        for out in frames:
            carry = np.concatenate([carry, np.abs(out.to_ndarray().reshape(-1))])
        whole = carry.shape[0] // 80 * 80
        if whole:
            peaks.append(carry[:whole].reshape(-1, 80).max(axis=1))
            carry = carry[whole:]

    with container:
        for frame in _frames(container, label):
            frame.pts = None
            take(resampler.resample(frame))
        take(resampler.resample(None))
    if carry.shape[0]:
        peaks.append(carry.max(keepdims=True))
    if not peaks:
        raise MediaError(f"{label}: holds no sound that can be decoded")
    envelope: np.ndarray = np.clip(np.concatenate(peaks), 0.0, 1.0).astype(np.float32)
    return envelope


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, rate: int = AUDIO_RATE) -> Path:
    """Write (channels, n) float samples as 16-bit PCM WAV (clipped to full scale)."""
    data = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if data.ndim == 1:
        data = data[np.newaxis, :]
    pcm = (data.T * 32767.0).round().astype("<i2")
    with wave.open(os.fspath(path), "wb") as out:
        out.setnchannels(data.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return Path(path)


def seconds(samples: np.ndarray, rate: int = AUDIO_RATE) -> float:
    return int(samples.shape[-1]) / rate
