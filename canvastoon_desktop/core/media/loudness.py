"""Loudness of a mix, measured and normalised for the platforms (EBU R128 / ITU-R BS.1770).

Measuring is FFmpeg's ``ebur128`` filter run through PyAV's filter graph: integrated
loudness with its gating, and true peak from 4× oversampling. Normalising is two-pass: the
first pass measures, the gain that brings the mix to the target is applied, and when that
would push the true peak over the ceiling FFmpeg's ``alimiter`` limits it at 192 kHz (so the
peaks *between* samples are caught too); the second pass measures the result and corrects
what the limiter took away, until both numbers hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import av
import av.filter
import numpy as np

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.writer import AUDIO_RATE

#: below this the mix is silence: nothing to normalise (BS.1770's absolute gate is -70)
SILENT_LUFS = -69.0
_CHUNK = 4800


@dataclass(frozen=True, slots=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float

    @property
    def silent(self) -> bool:
        return self.integrated_lufs <= SILENT_LUFS

    def __str__(self) -> str:
        return f"{self.integrated_lufs:.1f} LUFS, true peak {self.true_peak_dbtp:.1f} dBTP"


def _run_graph(
    samples: np.ndarray, rate: int, chain: list[tuple[str, str]], out_rate: int | None = None
) -> tuple[np.ndarray, dict[str, str]]:
    """Push (2, n) float32 samples through an FFmpeg filter chain; returns the output samples
    and the metadata of the last frame that carried any."""
    graph = av.filter.Graph()
    node = graph.add_abuffer(format="fltp", sample_rate=rate, layout="stereo")
    first = node
    for name, args in chain:
        nxt = graph.add(name, args)
        node.link_to(nxt)
        node = nxt
    if out_rate is not None:
        fmt = graph.add(
            "aformat", f"sample_fmts=fltp:sample_rates={out_rate}:channel_layouts=stereo"
        )
        node.link_to(fmt)
        node = fmt
    sink = graph.add("abuffersink")
    node.link_to(sink)
    graph.configure()
    outputs: list[np.ndarray] = []
    metadata: dict[str, str] = {}

    def drain() -> None:
        while True:
            try:
                frame = graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            meta = dict(frame.metadata)
            if meta:
                metadata.update(meta)
            outputs.append(frame.to_ndarray().reshape(2, -1))

    data = np.ascontiguousarray(samples, dtype=np.float32)
    for start in range(0, data.shape[1], _CHUNK):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data[:, start : start + _CHUNK]), format="fltp", layout="stereo"
        )
        frame.sample_rate = rate
        frame.pts = start
        first.push(frame)
        drain()
    first.push(None)
    drain()
    out = np.concatenate(outputs, axis=1) if outputs else np.zeros((2, 0), np.float32)
    return out.astype(np.float32, copy=False), metadata


def measure(samples: np.ndarray, rate: int = AUDIO_RATE) -> Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of (2, n) float samples."""
    if samples.ndim != 2 or samples.shape[0] != 2:
        raise MediaError("loudness is measured on stereo samples shaped (2, n)")
    if samples.shape[1] == 0:
        return Loudness(-70.0, -math.inf)
    try:
        _out, meta = _run_graph(samples, rate, [("ebur128", "metadata=1:peak=true")])
    except Exception as exc:
        raise MediaError(f"the loudness of the mix cannot be measured ({exc})") from None
    try:
        integrated = float(meta["lavfi.r128.I"])
        peak = float(meta["lavfi.r128.true_peak"])
    except (KeyError, ValueError):
        raise MediaError("the loudness meter gave no reading for the mix") from None
    true_peak = 20 * math.log10(peak) if peak > 0 else -math.inf
    return Loudness(integrated, true_peak)


def _db(gain: float) -> float:
    return 10 ** (gain / 20)


def _limited(samples: np.ndarray, rate: int, ceiling_dbtp: float) -> np.ndarray:
    """True-peak limiting: alimiter at 4× the rate (at least 192 kHz), then back."""
    over = max(192_000, 4 * rate)
    limit = min(1.0, max(0.0625, _db(ceiling_dbtp)))
    out, _meta = _run_graph(
        samples,
        rate,
        [
            ("aresample", f"{over}"),
            ("alimiter", f"limit={limit:.6f}:attack=2:release=60:level=0:latency=1"),
            ("aresample", f"{rate}"),
        ],
        out_rate=rate,
    )
    n = samples.shape[1]
    if out.shape[1] < n:
        out = np.concatenate([out, np.zeros((2, n - out.shape[1]), np.float32)], axis=1)
    return out[:, :n]


@dataclass(frozen=True, slots=True)
class Normalised:
    samples: np.ndarray
    before: Loudness
    after: Loudness
    limited: bool


def normalise(
    samples: np.ndarray,
    rate: int = AUDIO_RATE,
    *,
    target_lufs: float = -14.0,
    ceiling_dbtp: float = -1.5,
    tolerance_lu: float = 0.3,
    max_passes: int = 4,
) -> Normalised:
    """Bring a mix to ``target_lufs`` integrated with its true peak at most ``ceiling_dbtp``.

    Silence is returned as it is (there is nothing to bring up). The ceiling sits a little
    under the platforms' -1 dBTP because the AAC encoder adds overshoot of its own.
    """
    before = measure(samples, rate)
    if before.silent:
        return Normalised(samples, before, before, False)
    current, reading, limited = samples, before, False
    for _ in range(max_passes):
        gain = target_lufs - reading.integrated_lufs
        if abs(gain) <= tolerance_lu and reading.true_peak_dbtp <= ceiling_dbtp:
            break
        current = (current * _db(gain)).astype(np.float32)
        if reading.true_peak_dbtp + gain > ceiling_dbtp:
            current = _limited(current, rate, ceiling_dbtp)
            limited = True
        reading = measure(current, rate)
    if reading.true_peak_dbtp > ceiling_dbtp + 0.05:  # last resort: plain gain under the ceiling
        current = (current * _db(ceiling_dbtp - reading.true_peak_dbtp - 0.05)).astype(np.float32)
        reading = measure(current, rate)
    return Normalised(current, before, reading, limited)
