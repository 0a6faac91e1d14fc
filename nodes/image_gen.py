"""Image Gen: main cuts, fast previews, and — fed characters or reference images — the same
face and outfit across shots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    Catalog,
    Library,
    ModelCall,
    ModelSpec,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    ShotListError,
    Task,
    shot_from_json,
)

from ._characters import read_characters, references_for
from ._keys import PICTURE_PARTS, keyed_without
from ._prompting import compose_prompt

MAX_REFERENCES = 5
REFERENCE_PORTS = frozenset({"references", "characters"})


class ImageGen(NodeType):
    type_id = "image_gen"
    item_noun = "shots"  # in an episode it runs once per shot
    title = "Image Gen"
    category = "image"
    description = (
        "Generates a 9:16 image from a prompt (or a shot); with characters or "
        "reference images, keeps the same face and outfit across shots."
    )
    inputs = (
        Port("prompt", PortType.TEXT, optional=True),
        Port(
            "shot",
            PortType.SHOTS,
            optional=True,
            help="A shot: its image prompt, and the characters it names",
        ),
        Port(
            "characters",
            PortType.CHARACTER,
            optional=True,
            multiple=True,
            help="Characters whose reference images keep them consistent",
        ),
        Port(
            "references",
            PortType.IMAGE,
            optional=True,
            multiple=True,
            help="Up to 5 reference images",
        ),
    )
    outputs = (Port("image", PortType.IMAGE),)
    model_tasks = (Task.IMAGE,)
    default_model = "google/nano-banana-pro"
    params = (
        ParamSpec(
            "prompt",
            ParamKind.TEXT,
            "",
            help="The prompt; with a Prompt or Shot connected, added after it",
        ),
    )

    @classmethod
    def resolve_model(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> ModelSpec | None:
        model = cls.model_for(catalog, params)
        if model is not None and connected & REFERENCE_PORTS and model.with_references:
            return catalog.get(model.with_references) or model
        return model

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        # references may come through characters instead of the References input
        satisfied = connected | {"references"} if "characters" in connected else connected
        problems = super().check(catalog, params, satisfied)
        model = cls.model_for(catalog, params)
        if model is not None and connected & REFERENCE_PORTS and not model.with_references:
            problems.append(f"{model.label} cannot use reference images; choose Nano Banana Pro")
        if not connected & {"prompt", "shot"} and not str(params.get("prompt") or "").strip():
            problems.append("connect a Prompt or write one")
        return problems

    @classmethod
    def key_inputs(cls, library: Library, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return keyed_without(library, inputs, PICTURE_PARTS)

    @classmethod
    def output_count_hint(cls, params: Mapping[str, Any]) -> int | None:
        count = int(params.get("num_images") or 1)
        return count if count > 1 else None

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        model = ctx.model
        assert model is not None
        shot = None
        if inputs.get("shot") is not None:
            try:
                shot = shot_from_json(ctx.json(inputs["shot"]))
            except ShotListError as exc:
                raise NodeError(str(exc)) from None
        prompt = compose_prompt(ctx, inputs)
        if shot is not None:
            prompt = "\n".join(p for p in (shot.image_prompt, prompt) if p)
        characters, references = references_for(
            read_characters(ctx, inputs.get("characters") or ()),
            shot.characters if shot is not None else None,
            MAX_REFERENCES,
        )
        looks = [f"{c.name}: {c.description}" for c in characters if c.description]
        if looks:
            prompt = f"{prompt}\nCharacters — " + "; ".join(looks)
        references += [a for a in inputs.get("references") or () if a not in references]
        if len(references) > MAX_REFERENCES:
            raise NodeError(f"{len(references)} reference images; at most {MAX_REFERENCES}")
        if not prompt and model.prompt_required:
            raise NodeError("the prompt is empty")
        files = {"references": tuple(references)} if references else {}
        edit = model.file("references")
        if edit is not None and edit.required and not references:
            # characters connected but none of them is in this shot: the plain model
            model = ctx.catalog[ctx.params["model"]]
        labels = {"title": ctx.node_title}
        if shot is not None:
            labels = {"title": shot.title, "shot": f"SHOT {shot.index} · {shot.duration:g} s"}
        elif ctx.item is not None:
            labels["shot"] = f"SHOT {ctx.item + 1}"
        call = ModelCall(
            model=model,
            params=model.call_params(ctx.params),
            prompt=prompt,
            files=files,
            labels=labels,
        )
        output = await ctx.generate(call)
        images = [a for a in output.assets if a.kind.value == "image"]
        if not images:
            raise NodeError("the model returned no image")
        return {"image": images[0] if len(images) == 1 else images}
