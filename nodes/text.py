"""Text: a piece of text typed on the canvas (an idea, a prompt, a line of dialogue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    NodeContext,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    SourceContext,
    Value,
)


class TextInput(NodeType):
    type_id = "text"
    title = "Text"
    category = "input"
    description = "Text you type: an idea, a prompt, a line."
    outputs = (Port("text", PortType.TEXT),)
    params = (ParamSpec("text", ParamKind.TEXT, "", label="Text"),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        return {"text": ctx.text_asset(ctx.params.get("text", ""))}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        return {"text": ctx.store_text(ctx.params.get("text", ""))}
