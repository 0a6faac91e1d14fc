"""The sound of a short: dialogue placed on the timeline, the clips' own sound, and a music
bed that ducks under the speech.

All tracks are float32 planar stereo at 48 kHz, shaped (2, n), on the cut's timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from canvastoon_desktop.core.media.writer import AUDIO_RATE

#: the music bed sits this far under the dialogue before any ducking
MUSIC_BED_DB = -10.0
#: and this much further while someone speaks
DUCK_DB = -12.0
DUCK_ATTACK_S = 0.06
DUCK_RELEASE_S = 0.4
FADE_S = 1.0


@dataclass(frozen=True, slots=True)
class Placed:
    """A sound and where on the timeline it starts."""

    samples: np.ndarray
    start_s: float


def silence(n: int) -> np.ndarray:
    return np.zeros((2, n), np.float32)


def place(length: int, sounds: Sequence[Placed], rate: int = AUDIO_RATE) -> np.ndarray:
    """One track of ``length`` samples with every sound added in at its start (cut at the
    end of the track)."""
    track = silence(length)
    for sound in sounds:
        start = max(0, round(sound.start_s * rate))
        if start >= length:
            continue
        piece = sound.samples[:, : length - start]
        track[:, start : start + piece.shape[1]] += piece
    return track


def music_bed(music: np.ndarray, length: int, rate: int = AUDIO_RATE) -> np.ndarray:
    """The music looped (or cut) to ``length`` samples, faded in and out."""
    if music.shape[1] == 0 or length == 0:
        return silence(length)
    repeats = -(-length // music.shape[1])
    bed = np.tile(music, (1, repeats))[:, :length].copy()
    fade = min(round(FADE_S * rate), length // 4)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        bed[:, :fade] *= ramp
        bed[:, -fade:] *= ramp[::-1]
    return bed


def _smooth(target: np.ndarray, rate: int) -> np.ndarray:
    """A gain curve that falls in ``DUCK_ATTACK_S`` and recovers in ``DUCK_RELEASE_S``."""
    hop = 256
    steps = target[::hop]
    out = np.empty_like(steps)
    fall = 1 - np.exp(-hop / (DUCK_ATTACK_S * rate))
    rise = 1 - np.exp(-hop / (DUCK_RELEASE_S * rate))
    level = 1.0
    for i, goal in enumerate(steps):
        level += (goal - level) * (fall if goal < level else rise)
        out[i] = level
    return np.repeat(out, hop)[: target.shape[0]]


def duck_gain(speech: np.ndarray, rate: int = AUDIO_RATE, depth_db: float = DUCK_DB) -> np.ndarray:
    """Per-sample gain for the music: ``depth_db`` down while the speech track is audible
    (a little before and after each word, so the bed does not pump between syllables)."""
    n = speech.shape[1]
    if n == 0:
        return np.ones(0, np.float32)
    window = round(0.05 * rate)
    level = np.abs(speech).max(axis=0)
    frames = -(-n // window)
    padded = np.zeros(frames * window, np.float32)
    padded[:n] = level
    active = padded.reshape(frames, window).max(axis=1) > 10 ** (-45 / 20)
    hold = round(0.25 / 0.05)  # bridge the gaps between words
    if hold and active.any():
        kernel = np.ones(2 * hold + 1)
        active = np.convolve(active.astype(float), kernel, mode="same") > 0
    target = np.where(np.repeat(active, window)[:n], 10 ** (depth_db / 20), 1.0)
    return _smooth(target.astype(np.float32), rate).astype(np.float32)


def mix(
    length: int,
    *,
    clip_sound: np.ndarray | None = None,
    speech: np.ndarray | None = None,
    music: np.ndarray | None = None,
    rate: int = AUDIO_RATE,
) -> np.ndarray:
    """Clips' sound + dialogue + the music bed ducked under the dialogue."""
    out = silence(length)
    if clip_sound is not None:
        out += clip_sound[:, :length]
    if speech is not None:
        out += speech[:, :length]
    if music is not None:
        bed = music_bed(music, length, rate) * 10 ** (MUSIC_BED_DB / 20)
        if speech is not None:
            bed *= duck_gain(speech[:, :length], rate)[np.newaxis, :]
        out += bed
    return out


# -- beats ----------------------------------------------------------------------------------


def beat_times(music: np.ndarray, rate: int = AUDIO_RATE) -> list[float]:
    """Beat positions (seconds) of a music track: the tempo (60-180 BPM) whose pulse best
    matches the onsets (rises of the spectral energy), phased onto the strongest of them."""
    mono = music.mean(axis=0) if music.ndim == 2 else music
    hop, size = 512, 1024
    frames = (mono.shape[0] - size) // hop
    if frames < 16:
        return []
    idx = np.arange(size)[None, :] + hop * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(mono[idx] * np.hanning(size), axis=1))
    rises = np.maximum(0.0, np.diff(np.sqrt(spectrum), axis=0))
    flux = rises.sum(axis=1)
    flux -= flux.mean()
    # the beat is where the low end hits (kick, bass); hats and shakers sit between beats
    low = rises[:, : max(2, round(300 * size / rate))].sum(axis=1)
    fps = rate / hop
    lags = np.arange(int(fps * 60 / 180), int(fps * 60 / 60) + 1)
    corr = np.array([np.dot(flux[:-lag], flux[lag:]) for lag in lags])
    period = float(lags[int(np.argmax(corr))])
    phases = np.arange(int(period))
    strength = [low[int(p) :: max(1, round(period))].sum() for p in phases]
    phase = int(phases[int(np.argmax(strength))])
    # flux[i] compares the frames starting at i and i + 1 hops: the onset sits about a
    # window's middle into the later one
    times = (np.arange(flux.shape[0]) + 1) * hop / rate + size / 2 / rate
    step, first = period / fps, float(times[phase])
    # refine tempo and phase on the onset peaks near the grid (the lag is whole frames)
    peaks = [
        i
        for i in range(1, flux.shape[0] - 1)
        if flux[i] > flux[i - 1] and flux[i] >= flux[i + 1] and flux[i] > flux.std()
    ]
    if len(peaks) >= 4:
        peak_t = times[peaks]
        numbers, found = [], []
        for t in peak_t:
            k = round((t - first) / step)
            if abs(t - (first + k * step)) < 0.2 * step:
                numbers.append(k)
                found.append(t)
        if len(set(numbers)) >= 4:
            step, first = (float(v) for v in np.polyfit(numbers, found, 1))
    duration = mono.shape[0] / rate
    while first - step >= 0:
        first -= step
    return [round(first + k * step, 4) for k in range(int((duration - first) / step) + 1)]


def snap_cuts(
    lengths: Sequence[float],
    beats: Sequence[float],
    *,
    max_lengths: Sequence[float] | None = None,
    max_shift_s: float = 0.5,
    min_length_s: float = 1.0,
) -> list[float]:
    """Shot lengths whose cuts land on the nearest beat within ``max_shift_s`` (a cut with no
    beat that near stays). No shot gets shorter than ``min_length_s`` or longer than its
    clip (``max_lengths``)."""
    if not beats:
        return list(lengths)
    beat_array = np.asarray(beats)
    out: list[float] = []
    start = 0.0
    planned = 0.0
    for k, length in enumerate(lengths):
        planned += length
        if k == len(lengths) - 1:  # the last cut is the end: keep the total
            out.append(max(planned - start, 1e-3))
            break
        low = start + min(min_length_s, length)
        high = start + (max_lengths[k] if max_lengths else np.inf)
        near = beat_array[(np.abs(beat_array - planned) <= max_shift_s)]
        near = near[(near >= low) & (near <= high)]
        cut = float(near[np.argmin(np.abs(near - planned))]) if near.size else planned
        cut = min(max(cut, low), high)
        out.append(cut - start)
        start = cut
    return out
