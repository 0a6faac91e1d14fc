"""Prompt LLM: writes scenarios and engineers image / video prompts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.catalog import Task
from canvastoon_desktop.core.errors import NodeFailed
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.runtime import NodeContext, PortValues

from .presets import load_presets, preset_ids


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
    description = "Scenario writing and prompt engineering with an LLM (or the offline template writer)."
    inputs = (Port("text", PortType.TEXT, label="Input", optional=True),)
    outputs = (Port("text", PortType.TEXT),)
    model_tasks = (Task.CHAT,)
    default_model = "gpt-4o"
    params = (
        ParamSpec("preset", ParamKind.ENUM, "scenario_writer", choices=preset_ids(),
                  choice_labels={p.id: p.name for p in load_presets().values()}),
        ParamSpec("instructions", ParamKind.TEXT, "",
                  help="Extra instructions (with the Custom preset: the whole system prompt)"),
    )

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if "text" not in connected and not str(params.get("instructions") or "").strip():
            problems.append("connect an Input text or write Instructions")
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        presets = load_presets()
        preset = presets.get(ctx.params.get("preset", ""))
        if preset is None:
            raise NodeFailed(f"unknown preset {ctx.params.get('preset')!r}")
        assert ctx.model is not None
        text = ctx.text(inputs.get("text")).strip()
        instructions = str(ctx.params.get("instructions") or "").strip()
        values = {"input": text, "instructions": instructions}
        if preset.id == "custom":
            system = instructions
        else:
            system = "\n\n".join(p for p in (preset.system, instructions) if p)
        call = ModelCall(
            model=ctx.model, params=ctx.model.call_params(ctx.params),
            prompt=fill(preset.user_template, values), system=system or None,
            template=preset.offline_template, labels={"input": text, "instructions": instructions},
        )
        output = await ctx.generate(call)
        texts = [a for a in output.assets if a.kind.value == "text"]
        if not texts or not ctx.text(texts[0]).strip():
            raise NodeFailed("the model answered with empty text")
        return {"text": texts[0]}
