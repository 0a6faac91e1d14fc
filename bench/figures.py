"""A measured figure and its target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    #: None for a figure that is reported, not held to a target
    target: float | None
    lower_is_better: bool = True

    def meets_target(self) -> bool:
        if self.target is None:
            return True
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "(report)"
        return f"{'≤' if self.lower_is_better else '≥'} {self.target:g}"
