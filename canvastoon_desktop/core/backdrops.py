"""Backdrops: labelled, coloured frames drawn behind parts of a graph ("characters", "shot
1–3"). They only group and label — a run never reads them — and belong to the graph file
(a top-level ``backdrops`` list), so a layout survives save and reload.

Which nodes a backdrop holds is geometric, as in Nuke: the nodes lying inside its rectangle
when it is dragged move with it. Nothing else ties a node to a backdrop.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

#: the colours the editor offers (a file may hold any #rrggbb)
BACKDROP_COLORS: dict[str, str] = {
    "slate": "#5b6b8c",
    "rose": "#b2567a",
    "amber": "#a87b2c",
    "teal": "#2f8a7c",
    "violet": "#7457a8",
    "red": "#a8493f",
}
DEFAULT_COLOR = BACKDROP_COLORS["slate"]
MIN_SIZE = 80.0
MAX_EXTENT = 1e7
MAX_TITLE = 200
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def new_backdrop_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, eq=True)
class Backdrop:
    id: str
    #: scene rectangle: x, y, width, height
    rect: tuple[float, float, float, float]
    title: str = ""
    color: str = DEFAULT_COLOR
    #: fields of the file entry this app version does not know; written back unchanged
    extra: dict[str, Any] = field(default_factory=dict)

    def changed(self, **changes: Any) -> Backdrop:
        return replace(self, **changes)


def backdrop_problem(backdrop: Backdrop) -> str | None:
    """Why a backdrop read from a file cannot be used, or None."""
    _x, _y, width, height = backdrop.rect
    if not all(math.isfinite(v) and abs(v) <= MAX_EXTENT for v in backdrop.rect):
        return "its rectangle is not made of finite numbers in range"
    if width < 1.0 or height < 1.0:
        return "its width and height must be positive"
    if not _COLOR.match(backdrop.color):
        return f"colour {backdrop.color[:20]!r} is not #rrggbb"
    if len(backdrop.title) > MAX_TITLE:
        return f"its title is longer than {MAX_TITLE} characters"
    return None
