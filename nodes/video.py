"""Video: animates a first frame — action, human motion, cinematic, or an offline pan/zoom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    Catalog,
    ModelCall,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    Task,
)

from ._prompting import compose_prompt, without_text


class Video(NodeType):
    type_id = "video"
    item_noun = "shots"  # in an episode it runs once per shot
    title = "Video"
    category = "video"
    description = "Image-to-video: the first frame comes in, a clip comes out."
    inputs = (
        Port("prompt", PortType.TEXT, optional=True),
        Port("image", PortType.IMAGE, label="First frame", optional=True),
        Port("last_frame", PortType.IMAGE, label="Last frame", optional=True),
    )
    outputs = (Port("video", PortType.VIDEO),)
    model_tasks = (Task.VIDEO,)
    default_model = "minimax/hailuo-2.3-fast"
    params = (
        ParamSpec(
            "prompt",
            ParamKind.TEXT,
            "",
            help="Motion and camera; with the Prompt input connected, added after it",
        ),
    )

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        problems = super().check(catalog, params, connected)
        model = cls.model_for(catalog, params)
        if model is None:
            return problems
        if "last_frame" in connected and model.file("last_frame") is None:
            problems.append(f"{model.label} does not take a last frame")
        if (
            model.prompt_required
            and "prompt" not in connected
            and not str(params.get("prompt") or "").strip()
        ):
            problems.append("connect a Prompt or write one")
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        model = ctx.model
        assert model is not None
        prompt = compose_prompt(ctx, inputs)
        if model.max_prompt_length and len(prompt) > model.max_prompt_length:
            raise NodeError(
                f"the prompt is {len(prompt)} characters; {model.label} takes at "
                f"most {model.max_prompt_length}"
            )
        prompt = without_text(prompt, model.max_prompt_length)
        files = {
            name: (inputs[name],)
            for name in ("image", "last_frame")
            if inputs.get(name) is not None and model.file(name) is not None
        }
        call = ModelCall(
            model=model, params=model.call_params(ctx.params), prompt=prompt, files=files
        )
        output = await ctx.generate(call)
        videos = [a for a in output.assets if a.kind.value == "video"]
        if not videos:
            raise NodeError("the model returned no video")
        return {"video": videos[0]}
