"""How long each simulated model takes: a queue wait, then a run.

Both AIML video jobs and Replicate predictions derive their status from the clock
(``created + queue_s`` → running, ``+ run_s`` → done), so a latency table is all the
simulator needs to play out a job's life. Synchronous AIML calls (chat, images) simply
wait ``queue_s + run_s`` before answering.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["Latencies", "Latency"]


@dataclass(frozen=True)
class Latency:
    """One model's simulated timing, in seconds."""

    queue_s: float = 0.0
    run_s: float = 0.0

    def __post_init__(self) -> None:
        if self.queue_s < 0 or self.run_s < 0:
            raise ValueError(f"latencies must be >= 0, got {self.queue_s}, {self.run_s}")

    @property
    def total_s(self) -> float:
        return self.queue_s + self.run_s


# Short defaults: a whole example pipeline runs through the simulator in a few seconds.
_SHORT: dict[str, Latency] = {
    "gpt-4o": Latency(0.0, 0.2),
    "google/nano-banana-pro": Latency(0.0, 0.3),
    "google/gemini-3-pro-image-edit": Latency(0.0, 0.3),
    "prunaai/z-image-turbo": Latency(0.05, 0.1),
    "allenhooo/lama": Latency(0.1, 0.3),
    "minimax/hailuo-2.3-fast": Latency(0.3, 1.2),
    "bytedance/seedance-1-pro-fast": Latency(0.3, 1.5),
    "google/veo-3.1-fast": Latency(0.5, 1.5),
}

# Roughly what the real services take (the pricing notes in providers.md, plus queueing).
_REALISTIC: dict[str, Latency] = {
    "gpt-4o": Latency(0.3, 4.0),
    "google/nano-banana-pro": Latency(0.5, 12.0),
    "google/gemini-3-pro-image-edit": Latency(0.5, 15.0),
    "prunaai/z-image-turbo": Latency(1.0, 0.7),
    "allenhooo/lama": Latency(2.0, 3.5),
    "minimax/hailuo-2.3-fast": Latency(10.0, 70.0),
    "bytedance/seedance-1-pro-fast": Latency(8.0, 60.0),
    "google/veo-3.1-fast": Latency(15.0, 100.0),
}

# Model ids that are aliases of one another share a timing entry.
_ALIASES = {
    "openai/gpt-4o": "gpt-4o",
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-2024-05-13": "gpt-4o",
    "google/gemini-3-pro-image-preview": "google/nano-banana-pro",
}


@dataclass
class Latencies:
    """Per-model ``(queue_s, run_s)``; unknown models use ``default``.

    Mutable at runtime (``set``) so a test can slow one model down mid-run; each job
    snapshots its latency when it is created.
    """

    per_model: dict[str, Latency] = field(default_factory=lambda: dict(_SHORT))
    default: Latency = Latency(0.1, 0.5)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @classmethod
    def short(cls) -> Latencies:
        """The default: sub-second images, 1–2 s videos."""
        return cls()

    @classmethod
    def realistic(cls) -> Latencies:
        """Close to the real services: images take seconds, videos 60–120 s."""
        return cls(per_model=dict(_REALISTIC), default=Latency(1.0, 10.0))

    @classmethod
    def instant(cls) -> Latencies:
        """Every job is done the moment it is created (still rendered for real)."""
        return cls(per_model={}, default=Latency(0.0, 0.0))

    @classmethod
    def preset(cls, name: str) -> Latencies:
        """``short`` | ``realistic`` | ``instant`` (the CLI's ``--latency``)."""
        presets = {"short": cls.short, "realistic": cls.realistic, "instant": cls.instant}
        try:
            return presets[name]()
        except KeyError:
            raise ValueError(
                f"unknown latency preset {name!r}; choose one of {', '.join(presets)}"
            ) from None

    def scaled(self, factor: float) -> Latencies:
        """A copy with every duration multiplied by ``factor``."""
        with self._lock:
            table = {
                m: Latency(v.queue_s * factor, v.run_s * factor) for m, v in self.per_model.items()
            }
        d = self.default
        return Latencies(per_model=table, default=Latency(d.queue_s * factor, d.run_s * factor))

    def get(self, model: str) -> Latency:
        model = _ALIASES.get(model, model)
        with self._lock:
            return self.per_model.get(model, self.default)

    def set(self, model: str, queue_s: float | None = None, run_s: float | None = None) -> None:
        """Change one model's timing; ``None`` keeps that part as it is."""
        model = _ALIASES.get(model, model)
        with self._lock:
            old = self.per_model.get(model, self.default)
            self.per_model[model] = Latency(
                old.queue_s if queue_s is None else queue_s,
                old.run_s if run_s is None else run_s,
            )
