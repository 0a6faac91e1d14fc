"""Text: a piece of text typed on the canvas (an idea, a prompt, a line of dialogue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.assets import Value
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.runtime import NodeContext, PortValues, SourceContext


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
