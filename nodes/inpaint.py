"""Inpaint: cleans up an image — removes text artifacts, logos or objects under a mask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    ModelCall,
    NodeContext,
    NodeError,
    NodeType,
    Port,
    PortType,
    PortValues,
    Task,
)


class Inpaint(NodeType):
    type_id = "inpaint"
    item_noun = "shots"  # in an episode it runs once per shot
    title = "Inpaint"
    category = "image"
    description = "Fills the white area of the mask from its surroundings."
    inputs = (
        Port("image", PortType.IMAGE),
        Port("mask", PortType.MASK, help="White = the area to fill"),
    )
    outputs = (Port("image", PortType.IMAGE),)
    model_tasks = (Task.INPAINT,)
    default_model = "allenhooo/lama"

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        assert ctx.model is not None
        image, mask = inputs.get("image"), inputs.get("mask")
        if image is None or mask is None:
            raise NodeError("needs both an image and a mask")
        call = ModelCall(
            model=ctx.model,
            params=ctx.model.call_params(ctx.params),
            files={"image": (image,), "mask": (mask,)},
        )
        output = await ctx.generate(call)
        images = [a for a in output.assets if a.kind.value == "image"]
        if not images:
            raise NodeError("the model returned no image")
        return {"image": images[0]}
