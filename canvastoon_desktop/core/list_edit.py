"""Editing one item of a node's list output (a shot of a shot list) by hand.

The edited item becomes a new asset and the node's output is pinned with it in place of the
old one: downstream, only that item's cache keys change, so only that item runs again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .assets import Asset, ItemList, Value
from .errors import GraphError
from .graph import Graph
from .library import Library, encode_outputs


def pin_with_item_replaced(
    graph: Graph,
    library: Library,
    node_id: str,
    outputs: Mapping[str, Value],
    port: str,
    index: int,
    new_item: Asset,
) -> dict[str, Any]:
    """Pin ``node_id`` to ``outputs`` with item ``index`` of ``port`` replaced; returns the
    pin (hashes per port) so an undo command can restore the previous one."""
    value = outputs.get(port)
    if not isinstance(value, ItemList):
        raise GraphError(f"{graph.display_name(node_id)} has no list on {port!r}")
    if not 0 <= index < len(value):
        raise GraphError(f"there is no item {index + 1} in {port!r} (it has {len(value)})")
    items = list(value.items)
    items[index] = new_item
    pinned = dict(outputs)
    pinned[port] = ItemList(tuple(items))
    pin = encode_outputs(pinned)
    graph.set_pin(node_id, pin)
    return pin


def edit_json_item(
    graph: Graph,
    library: Library,
    node_id: str,
    outputs: Mapping[str, Value],
    port: str,
    index: int,
    changes: Mapping[str, Any],
) -> Asset:
    """Change fields of a JSON item (e.g. a shot's image prompt); returns the new asset."""
    value = outputs.get(port)
    item = value.items[index] if isinstance(value, ItemList) and 0 <= index < len(value) else None
    if item is None:
        raise GraphError(f"there is no item {index + 1} to edit")
    current = library.read_json(item)
    if not isinstance(current, dict):
        raise GraphError("this item is not an object with fields")
    new = library.put_json({**current, **changes})
    pin_with_item_replaced(graph, library, node_id, outputs, port, index, new)
    return new
