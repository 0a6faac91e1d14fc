"""Speech: text to spoken audio — a dialogue line in its speaker's voice, or any text.

Fed the Dialogue Lines list it runs once per line: each line has its own cache key, quote
and ledger entry, so editing one line speaks only that line again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    Asset,
    Catalog,
    CoreError,
    CostRange,
    Library,
    ModelCall,
    NodeContext,
    NodeError,
    NodeType,
    Port,
    PortType,
    PortValues,
    PriceTable,
    Task,
)


def line_words(line: Any) -> str:
    """The words a dialogue line document speaks ('' when it has none)."""
    return str(line.get("line") or "").strip() if isinstance(line, dict) else ""


class Speech(NodeType):
    type_id = "speech"
    title = "Speech"
    category = "audio"
    description = "Speaks a dialogue line (in its character's voice) or a text."
    inputs = (
        Port(
            "line",
            PortType.LINE,
            optional=True,
            help="A dialogue line; fed Dialogue Lines, one speech per line",
        ),
        Port("text", PortType.TEXT, optional=True, help="Or a text to speak"),
    )
    outputs = (Port("audio", PortType.AUDIO),)
    prompt_ports = ("text", "line")
    model_tasks = (Task.SPEECH,)
    default_model = "elevenlabs/eleven_multilingual_v2"

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        problems = super().check(catalog, params, connected)
        if not connected & {"line", "text"}:
            problems.append("connect a dialogue Line or a Text to speak")
        return problems

    @classmethod
    def estimate_item(
        cls,
        library: Library,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> CostRange | None:
        """A line (or text) already known: priced by its own characters, not as any text
        the model takes (a model billed per character is quoted up to its longest)."""
        model = cls.resolve_model(catalog, params, frozenset(inputs))
        line = inputs.get("line")
        spoken = line or inputs.get("text")  # the text when no line is connected
        if model is None or not isinstance(spoken, Asset):
            return None
        try:
            if isinstance(line, Asset):
                words = line_words(library.read_json(line))
            else:
                words = library.read_text(spoken).strip()
            fewest = most = len(words)
        except (CoreError, ValueError):
            if isinstance(line, Asset):  # unreadable: the run says so; quoted as any line
                return None
            # a text not made yet (a Text node's, while planning): only its UTF-8 size is
            # known, and a character takes one to four bytes
            fewest, most = math.ceil(spoken.size / 4), spoken.size
        low = prices.estimate(model, params, prompt_chars=fewest).low
        return CostRange(low, prices.estimate(model, params, prompt_chars=most).high)

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        model = ctx.model
        assert model is not None
        values = dict(ctx.params)
        labels: dict[str, str] = {}
        if inputs.get("line") is not None:
            line = ctx.json(inputs["line"])
            text = line_words(line)
            if not text:
                raise NodeError("the dialogue line is empty")
            voice = line.get("offline_voice" if model.offline else "voice")
            if voice and model.param("voice") is not None:
                values["voice"] = voice
            labels = {"speaker": str(line.get("speaker") or ""), "shot": str(line.get("shot"))}
        else:
            text = ctx.text(inputs.get("text")).strip()
        if not text:
            raise NodeError("there is nothing to speak: the text is empty")
        if model.max_prompt_length and len(text) > model.max_prompt_length:
            raise NodeError(
                f"the text is {len(text)} characters; {model.label} speaks at most "
                f"{model.max_prompt_length} at once"
            )
        call = ModelCall(model=model, params=model.call_params(values), prompt=text, labels=labels)
        output = await ctx.generate(call)
        sounds = [a for a in output.assets if a.kind.value == "audio"]
        if not sounds:
            raise NodeError(f"{model.label} returned no audio")
        who = f"{labels['speaker']}: " if labels.get("speaker") else ""
        seconds = f" ({sounds[0].duration_s:.1f} s)" if sounds[0].duration_s else ""
        said = f"{who}{text[:60]}{'…' if len(text) > 60 else ''}{seconds}"
        ctx.note = f"{said}; {ctx.note}" if ctx.note else said  # the call's warnings kept
        return {"audio": sounds[0]}
