"""How nodes put a prompt together from their Prompt input and their own prompt field."""

from __future__ import annotations

from canvastoon_desktop.core.runtime import NodeContext, PortValues


def compose_prompt(
    ctx: NodeContext, inputs: PortValues, *, port: str = "prompt", param: str = "prompt"
) -> str:
    """The input text, then the node's own prompt text (a style, or additions), joined."""
    parts = [ctx.text(inputs.get(port)).strip(), str(ctx.params.get(param) or "").strip()]
    return "\n".join(p for p in parts if p)
