"""How nodes put a prompt together from their Prompt input and their own prompt field."""

from __future__ import annotations

from canvastoon_desktop.core.api import NodeContext, PortValues


def compose_prompt(
    ctx: NodeContext, inputs: PortValues, *, port: str = "prompt", param: str = "prompt"
) -> str:
    """The input text, then the node's own prompt text (a style, or additions), joined."""
    parts = [ctx.text(inputs.get(port)).strip(), str(ctx.params.get(param) or "").strip()]
    return "\n".join(p for p in parts if p)


#: captions are burned in by Assemble Short from the script: the video model must not
#: paint its own (misspelt, unreadable) letters into the picture
NO_ON_SCREEN_TEXT = "no on-screen text"


def without_text(prompt: str, limit: int | None = None) -> str:
    """``prompt`` asking for no on-screen text (once; cut to fit ``limit`` characters)."""
    if NO_ON_SCREEN_TEXT in prompt.lower():
        return prompt[:limit] if limit else prompt
    suffix = f"{'. ' if prompt.strip() else ''}{NO_ON_SCREEN_TEXT.capitalize()}."
    if limit:
        prompt = prompt[: max(0, limit - len(suffix))]
    return f"{prompt.rstrip(' .')}{suffix}" if prompt.strip() else suffix.strip()
