"""Prompt LLM: writes scenarios, shot lists, and image / video prompts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    MAX_SHOTS,
    Library,
    ModelCall,
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
    parse_shot_list,
    repair_prompt,
    shot_list_schema,
    shot_to_json,
    shots_as_text,
)

from ._characters import cast_lines, read_characters
from ._keys import VOICE_FIELDS, keyed_without
from .presets import load_presets, preset_ids

SHOT_LIST_INSTRUCTIONS = (
    "Break the story into exactly {count} shots for a vertical 9:16 short. For every shot "
    "give: a short title; its duration in seconds (2-10); an image prompt describing the key "
    "frame in detail (subject, outfit, pose, setting, light, style); a video prompt "
    "describing motion and camera; the camera (shot size and move); its role — 'action' for "
    "fast action and dynamic camera, 'motion' for dance and human motion, 'cinematic' for "
    "intros, mood and emotion; the names of the characters in it, exactly as in the "
    "cast; its dialogue — the lines spoken in it, in order, each with its speaker's name "
    "as in the cast and a short line that fits in the shot's duration (empty when nobody "
    "speaks); and its narration, a short caption or an empty string. Never ask the "
    "image or video prompts for text, letters or subtitles in the picture.{cast}"
)


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` for the known names only; other braces stay as typed (no
    ``str.format``: a template must not reach into Python objects)."""
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", value)
    return out


class PromptLLM(NodeType):
    type_id = "prompt_llm"
    title = "Prompt LLM"
    category = "text"
    description = (
        "Scenario writing, shot lists and prompt engineering with an LLM (or the "
        "offline template writer)."
    )
    inputs = (
        Port("text", PortType.TEXT, label="Input", optional=True),
        Port(
            "characters",
            PortType.CHARACTER,
            optional=True,
            multiple=True,
            help="The cast: their names and looks are given to the model",
        ),
    )
    outputs = (
        Port("text", PortType.TEXT),
        Port("shots", PortType.SHOTS, is_list=True, help="With Output = Shot list"),
    )
    model_tasks = (Task.CHAT,)
    default_model = "gpt-4o"
    params = (
        ParamSpec(
            "preset",
            ParamKind.ENUM,
            "scenario_writer",
            choices=preset_ids(),
            choice_labels={p.id: p.name for p in load_presets().values()},
        ),
        ParamSpec(
            "instructions",
            ParamKind.TEXT,
            "",
            help="Extra instructions (with the Custom preset: the whole system prompt)",
        ),
        ParamSpec(
            "output",
            ParamKind.ENUM,
            "text",
            choices=("text", "shot_list"),
            choice_labels={"text": "Text", "shot_list": "Shot list"},
            help="Shot list: structured shots for an episode (the Shots output)",
        ),
        ParamSpec(
            "shot_count",
            ParamKind.INT,
            8,
            label="Shots",
            minimum=1,
            maximum=MAX_SHOTS,
            help="How many shots a shot list should have",
        ),
    )

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if "text" not in connected and not str(params.get("instructions") or "").strip():
            problems.append("connect an Input text or write Instructions")
        return problems

    @classmethod
    def key_inputs(cls, library: Library, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return keyed_without(library, inputs, {"characters": VOICE_FIELDS})

    @classmethod
    def provided_outputs(cls, params: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"text", "shots"} if params.get("output") == "shot_list" else {"text"})

    @classmethod
    def output_count_hint(cls, params: Mapping[str, Any]) -> int | None:
        return int(params.get("shot_count") or 8) if params.get("output") == "shot_list" else None

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        preset = load_presets().get(ctx.params.get("preset", ""))
        if preset is None:
            raise NodeError(f"unknown preset {ctx.params.get('preset')!r}")
        assert ctx.model is not None
        text = ctx.text(inputs.get("text")).strip()
        instructions = str(ctx.params.get("instructions") or "").strip()
        characters = read_characters(ctx, inputs.get("characters") or ())
        cast = cast_lines(characters)
        system = (
            instructions
            if preset.id == "custom"
            else "\n\n".join(p for p in (preset.system, instructions) if p)
        )
        labels = {
            "input": text,
            "instructions": instructions,
            "characters": ", ".join(c.name for c in characters),
        }
        prompt = fill(preset.user_template, {"input": text, "instructions": instructions})
        if ctx.params.get("output") == "shot_list":
            count = int(ctx.params.get("shot_count") or 8)
            prompt = "\n\n".join(
                p
                for p in (
                    prompt,
                    SHOT_LIST_INSTRUCTIONS.format(
                        count=count, cast=f"\nCast:\n{cast}" if cast else ""
                    ),
                )
                if p
            )
            labels["shot_count"] = str(count)
            return await self._shot_list(ctx, prompt, system, labels, preset.offline_template)
        if cast:
            prompt = f"{prompt}\n\nCast:\n{cast}"
        call = ModelCall(
            model=ctx.model,
            params=ctx.model.call_params(ctx.params),
            prompt=prompt,
            system=system or None,
            template=preset.offline_template,
            labels=labels,
        )
        output = await ctx.generate(call)
        texts = [a for a in output.assets if a.kind.value == "text"]
        if not texts or not ctx.text(texts[0]).strip():
            raise NodeError("the model answered with empty text")
        return {"text": texts[0]}

    async def _shot_list(
        self, ctx: NodeContext, prompt: str, system: str, labels: dict[str, str], template: str
    ) -> Mapping[str, Any]:
        """Structured output; an answer that does not match the schema gets one repair
        attempt, then the node fails — half-parsed shots never flow on."""
        assert ctx.model is not None
        schema = shot_list_schema()
        call = ModelCall(
            model=ctx.model,
            params=ctx.model.call_params(ctx.params),
            prompt=prompt,
            system=system,
            response_schema=schema,
            template=template,
            labels=labels,
        )
        answer = ctx.text((await ctx.generate(call)).assets[0])
        try:
            shots = parse_shot_list(answer)
        except ShotListError as first:
            repair = ModelCall(
                model=ctx.model,
                params=ctx.model.call_params(ctx.params),
                prompt=f"{prompt}\n\nYour previous answer:\n{answer[:4000]}\n\n"
                f"{repair_prompt(str(first))}",
                system=system,
                response_schema=schema,
                template=template,
                labels=labels,
            )
            answer = ctx.text((await ctx.generate(repair)).assets[0])
            try:
                shots = parse_shot_list(answer)
            except ShotListError as second:
                raise NodeError(f"the model's shot list was invalid twice: {second}") from None
        shot_assets = [ctx.store_json(shot_to_json(shot)) for shot in shots]
        return {"text": ctx.store_text(shots_as_text(shots)), "shots": shot_assets}
