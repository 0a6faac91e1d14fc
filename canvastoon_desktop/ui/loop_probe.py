"""A probe of the GUI's responsiveness: a timer that should fire every few milliseconds
records how late it fires. Anything blocking the GUI thread (decoding, big queries, sleeps)
shows up as lateness."""

from __future__ import annotations

import time

from PySide6 import QtCore


class LoopProbe(QtCore.QObject):
    def __init__(self, interval_ms: int = 10, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_s = interval_ms / 1000.0
        self.lateness_ms: list[float] = []
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def start(self) -> None:
        self.lateness_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness_ms.append(max(0.0, (now - self._last - self.interval_s) * 1000.0))
        self._last = now

    def percentile(self, q: float) -> float:
        if not self.lateness_ms:
            return 0.0
        ordered = sorted(self.lateness_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100.0 * (len(ordered) - 1))))
        return ordered[index]

    @property
    def worst_ms(self) -> float:
        return max(self.lateness_ms, default=0.0)
