"""What every node on the canvas shows: the core's ``RunState`` (the plan and the
executor's events folded into each node's state) plus the card's own words for cost.

Plain Python (no Qt), so the rules read and test on their own.
"""

from __future__ import annotations

from canvastoon_desktop.core import run_state
from canvastoon_desktop.core.pricing import format_usd
from canvastoon_desktop.core.run_state import ItemState, first_asset, value_list
from canvastoon_desktop.core.status import ACTIVE, DisplayState

__all__ = ["ItemState", "NodeState", "NodeStates", "first_asset", "value_list"]


class NodeState(run_state.NodeState):
    def cost_text(self) -> str:
        """The card's cost line: what the run cost, or what running it would cost."""
        if self.state in (DisplayState.CACHED, DisplayState.PINNED) and not self.from_run:
            return ""  # the state says "cached" already
        ended = (DisplayState.DONE, DisplayState.FAILED, DisplayState.CANCELLED)
        if self.from_run and self.state in ended and self.cost:
            if (self.cost_source or "").startswith("simulated"):
                return f"{format_usd(self.cost)} sim"  # what it would have cost
            return format_usd(self.cost)
        if self.from_run and self.state == DisplayState.CACHED:
            return "cached · $0"
        if self.state in ACTIVE and self.cost:
            return format_usd(self.cost)
        if self.estimate is not None and not self.estimate.is_free:
            return f"≈ {self.estimate}"
        if self.estimate is not None:
            return "free"
        return ""


class NodeStates(run_state.RunState):
    """The display state of every node of one graph."""

    node_class = NodeState
    nodes: dict[str, NodeState]  # type: ignore[assignment]

    def get(self, node_id: str) -> NodeState:
        return super().get(node_id)  # type: ignore[return-value]
