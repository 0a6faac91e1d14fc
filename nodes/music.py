"""Music: the bed under a short — made by a hosted music model from a prompt, or the
artist's own track (Load Audio), which is also the offline way."""

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

from ._prompting import compose_prompt


class Music(NodeType):
    type_id = "music"
    title = "Music"
    category = "audio"
    description = "A music bed: from a prompt (hosted), or your own track (Load Audio)."
    inputs = (
        Port("prompt", PortType.TEXT, optional=True),
        Port("file", PortType.AUDIO, optional=True, help="Your own track, from Load Audio"),
    )
    outputs = (Port("music", PortType.AUDIO),)
    model_tasks = (Task.MUSIC,)
    default_model = "elevenlabs/eleven_music"
    params = (
        ParamSpec(
            "prompt",
            ParamKind.TEXT,
            "",
            help="Genre, mood, tempo, instruments — e.g. bright K-pop synth, 120 BPM, no vocals",
        ),
    )

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        problems = super().check(catalog, params, connected)
        model = cls.model_for(catalog, params)
        if (
            model is not None
            and model.prompt_required
            and "prompt" not in connected
            and not str(params.get("prompt") or "").strip()
        ):
            problems.append("describe the music: connect a Prompt or write one")
        if model is not None and model.file("file") is None and "file" in connected:
            problems.append(f"{model.label} makes its own music; choose Your own file")
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        model = ctx.model
        assert model is not None
        files = {"file": (inputs["file"],)} if inputs.get("file") is not None else {}
        prompt = compose_prompt(ctx, inputs)
        if model.max_prompt_length and len(prompt) > model.max_prompt_length:
            raise NodeError(
                f"the prompt is {len(prompt)} characters; {model.label} takes at most "
                f"{model.max_prompt_length}"
            )
        call = ModelCall(
            model=model, params=model.call_params(ctx.params), prompt=prompt, files=files
        )
        output = await ctx.generate(call)
        sounds = [a for a in output.assets if a.kind.value == "audio"]
        if not sounds:
            raise NodeError(f"{model.label} returned no music")
        if sounds[0].duration_s:  # before the call's warnings (a charge not believed)
            length = f"{sounds[0].duration_s:.1f} s of music"
            ctx.note = f"{length}; {ctx.note}" if ctx.note else length
        return {"music": sounds[0]}
