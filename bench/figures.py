"""A measured figure and its target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    target: float
    lower_is_better: bool = True

    def meets_target(self) -> bool:
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    @property
    def target_text(self) -> str:
        return f"{'≤' if self.lower_is_better else '≥'} {self.target:g}"
