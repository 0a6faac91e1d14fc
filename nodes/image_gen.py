"""Image Gen: main cuts, fast previews, and — fed character references — the same face
across shots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.catalog import Catalog, ModelSpec, Task
from canvastoon_desktop.core.errors import NodeFailed
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.runtime import NodeContext, PortValues

from ._prompting import compose_prompt

MAX_REFERENCES = 5


class ImageGen(NodeType):
    type_id = "image_gen"
    title = "Image Gen"
    category = "image"
    description = "Generates a 9:16 image from a prompt; with reference images, keeps a character consistent."
    inputs = (
        Port("prompt", PortType.TEXT, optional=True),
        Port("references", PortType.IMAGE, optional=True, multiple=True,
             help="Up to 5 reference images (the same character across shots)"),
    )
    outputs = (Port("image", PortType.IMAGE),)
    model_tasks = (Task.IMAGE,)
    default_model = "google/nano-banana-pro"
    params = (
        ParamSpec("prompt", ParamKind.TEXT, "",
                  help="The prompt; with the Prompt input connected, added after it"),
    )

    @classmethod
    def resolve_model(cls, catalog: Catalog, params: Mapping[str, Any],
                      connected: frozenset[str]) -> ModelSpec | None:
        model = cls.model_for(catalog, params)
        if model is not None and "references" in connected and model.with_references:
            return catalog.get(model.with_references) or model
        return model

    @classmethod
    def check(cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        model = cls.model_for(catalog, params)
        if model is not None and "references" in connected and not model.with_references:
            problems.append(f"{model.label} cannot use reference images; choose Nano Banana Pro")
        if "prompt" not in connected and not str(params.get("prompt") or "").strip():
            problems.append("connect a Prompt or write one")
        return problems

    @classmethod
    def output_count_hint(cls, params: Mapping[str, Any]) -> int | None:
        count = int(params.get("num_images") or 1)
        return count if count > 1 else None

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        assert ctx.model is not None
        prompt = compose_prompt(ctx, inputs)
        if not prompt and ctx.model.prompt_required:
            raise NodeFailed("the prompt is empty")
        references = tuple(inputs.get("references") or ())
        if len(references) > MAX_REFERENCES:
            raise NodeFailed(f"{len(references)} reference images; at most {MAX_REFERENCES}")
        files = {"references": references} if references else {}
        labels = {"title": ctx.node.title or ""}
        if ctx.item is not None:
            labels["shot"] = f"SHOT {ctx.item + 1}"
        call = ModelCall(model=ctx.model, params=ctx.model.call_params(ctx.params),
                         prompt=prompt, files=files, labels=labels)
        output = await ctx.generate(call)
        images = [a for a in output.assets if a.kind.value == "image"]
        if not images:
            raise NodeFailed("the model returned no image")
        return {"image": images[0] if len(images) == 1 else images}
