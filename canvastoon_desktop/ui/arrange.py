"""Arranging nodes: align, distribute, and a left-to-right layout of a selection.

Plain geometry on ``Box``es (a node's card: top-left and size), so the rules read and test
without Qt; the window turns the new positions into one undo command.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from canvastoon_desktop.core.graph import Edge

Point = tuple[float, float]

#: room between the columns and between the cards of a column of a layout
COLUMN_GAP = 90.0
ROW_GAP = 36.0
#: the least room distribute leaves between cards that overlapped
MIN_GAP = 30.0

ALIGNMENTS = ("left", "hcenter", "right", "top", "vcenter", "bottom")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


def align(boxes: Mapping[str, Box], edge: str) -> dict[str, Point]:
    """New top-left corners lining the boxes up on one edge or centre line of the box around
    them all."""
    if edge not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {edge!r}")
    if not boxes:
        return {}
    left = min(b.x for b in boxes.values())
    right = max(b.right for b in boxes.values())
    top = min(b.y for b in boxes.values())
    bottom = max(b.bottom for b in boxes.values())
    out: dict[str, Point] = {}
    for key, b in boxes.items():
        x, y = b.x, b.y
        if edge == "left":
            x = left
        elif edge == "right":
            x = right - b.width
        elif edge == "hcenter":
            x = (left + right) / 2 - b.width / 2
        elif edge == "top":
            y = top
        elif edge == "bottom":
            y = bottom - b.height
        else:
            y = (top + bottom) / 2 - b.height / 2
        out[key] = (x, y)
    return out


def distribute(boxes: Mapping[str, Box], axis: str) -> dict[str, Point]:
    """Equal gaps between the boxes along ``axis`` ("horizontal" or "vertical"), keeping the
    first and the last where they are — unless they overlap, then at least MIN_GAP apart."""
    if axis not in ("horizontal", "vertical"):
        raise ValueError(f"unknown axis {axis!r}")
    across = axis == "horizontal"
    order = sorted(
        boxes, key=lambda k: (boxes[k].cx, boxes[k].cy) if across else (boxes[k].cy, boxes[k].cx)
    )
    if len(order) < 3 and not _overlap(boxes, order, across):
        return {k: (boxes[k].x, boxes[k].y) for k in order}
    first, last = boxes[order[0]], boxes[order[-1]]
    sizes = [boxes[k].width if across else boxes[k].height for k in order]
    span = (last.right - first.x) if across else (last.bottom - first.y)
    gap = max(MIN_GAP, (span - sum(sizes)) / max(1, len(order) - 1))
    out: dict[str, Point] = {}
    at = first.x if across else first.y
    for key, size in zip(order, sizes, strict=True):
        b = boxes[key]
        out[key] = (at, b.y) if across else (b.x, at)
        at += size + gap
    return out


def _overlap(boxes: Mapping[str, Box], order: list[str], across: bool) -> bool:
    pairs = list(itertools.pairwise(order))
    if across:
        return any(boxes[a].right > boxes[b].x for a, b in pairs)
    return any(boxes[a].bottom > boxes[b].y for a, b in pairs)


def layered_layout(boxes: Mapping[str, Box], edges: Iterable[Edge]) -> dict[str, Point]:
    """Left to right by data flow: a node one column right of the last of its inputs; within
    a column, the order that keeps wires from crossing (inputs' order, then the old height);
    each column centred on the nodes feeding it. Starts at the boxes' top-left corner."""
    if not boxes:
        return {}
    inside = [e for e in edges if e.src_node in boxes and e.dst_node in boxes]
    preds: dict[str, list[str]] = {k: [] for k in boxes}
    for e in inside:
        if e.src_node != e.dst_node and e.src_node not in preds[e.dst_node]:
            preds[e.dst_node].append(e.src_node)
    column: dict[str, int] = {}
    for key in _topological(boxes, preds):
        column[key] = 1 + max((column.get(p, -1) for p in preds[key]), default=-1)
    columns: dict[int, list[str]] = {}
    for key in sorted(boxes, key=lambda k: (boxes[k].y, boxes[k].x)):
        columns.setdefault(column[key], []).append(key)
    rank: dict[str, float] = {}
    for index in sorted(columns):
        keys = columns[index]
        if index > 0:  # barycentre of the inputs' ranks; nodes without inputs keep their place
            keys.sort(
                key=lambda k: (
                    sum(rank[p] for p in preds[k]) / len(preds[k]) if preds[k] else float("inf"),
                    boxes[k].y,
                )
            )
        for position, key in enumerate(keys):
            rank[key] = position
    left = min(b.x for b in boxes.values())
    top = min(b.y for b in boxes.values())
    out: dict[str, Point] = {}
    x = left
    for index in sorted(columns):
        keys = columns[index]
        heights = [boxes[k].height for k in keys]
        stack = sum(heights) + ROW_GAP * (len(keys) - 1)
        fed = [out[p][1] + boxes[p].height / 2 for k in keys for p in preds[k] if p in out]
        y = top if not fed else max(top, sum(fed) / len(fed) - stack / 2)
        for key, height in zip(keys, heights, strict=True):
            out[key] = (x, y)
            y += height + ROW_GAP
        x += max(boxes[k].width for k in keys) + COLUMN_GAP
    return out


def _topological(boxes: Mapping[str, Box], preds: Mapping[str, list[str]]) -> list[str]:
    indegree = {k: len(preds[k]) for k in boxes}
    users: dict[str, list[str]] = {k: [] for k in boxes}
    for key, sources in preds.items():
        for src in sources:
            users[src].append(key)
    ready = sorted((k for k, d in indegree.items() if d == 0), key=lambda k: boxes[k].y)
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for user in users[key]:
            indegree[user] -= 1
            if indegree[user] == 0:
                ready.append(user)
    # a graph never holds a loop; should a stranger's selection, the rest goes last
    order += [k for k in boxes if k not in order]
    return order
