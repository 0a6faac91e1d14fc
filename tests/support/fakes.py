"""In-process stand-ins for the executor's seam: a fake model adapter (one async method, as
the real adapters have) and tiny node types for executor tests and benchmarks.

Hosted adapters are never faked in provider tests: those run the real clients against the
simulator. These fakes exist to test the executor's own behaviour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.catalog import (
    Catalog,
    ModelSpec,
    PriceRule,
    PriceUnit,
    Provider,
    Role,
    Task,
    default_catalog,
)
from canvastoon_desktop.core.generation import (
    ErrorKind,
    GeneratedOutput,
    GenerationError,
    JobControl,
    ModelCall,
)
from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.runtime import NodeContext, PortValues

ECHO_MODEL = ModelSpec(
    id="test/echo",
    label="Echo",
    provider=Provider.AIML,
    task=Task.CHAT,
    role=Role.SCENARIO,
    params=(ParamSpec("suffix", ParamKind.STRING, ""),),
    price_rule=PriceRule(PriceUnit.OUTPUT),
    typical_seconds=(0.0, 0.0),
    prompt_required=False,
)
FREE_ECHO_MODEL = ModelSpec(
    id="test/free-echo",
    label="Free echo",
    provider=Provider.LOCAL,
    task=Task.CHAT,
    role=Role.OFFLINE,
    params=(ParamSpec("suffix", ParamKind.STRING, ""),),
    price_rule=PriceRule.FREE,
    typical_seconds=(0.0, 0.0),
    prompt_required=False,
)


def fake_prices() -> PriceTable:
    """The bundled price table plus the echo model's price (a cent a call)."""
    prices = PriceTable.load()
    prices.models[ECHO_MODEL.id] = {"usd_per_output": 0.01, "source": "tests", "as_of": "-"}
    return prices


@dataclass
class FakeAdapter:
    """Echoes its prompt after ``latency`` seconds; can fail or hang on demand."""

    provider: str = "aiml"
    latency: float = 0.0
    cost: float = 0.01
    fail_on: set[str] = field(default_factory=set)  # prompts that fail
    journal: bool = False  # exercise the job journal like a hosted adapter
    record: bool = True  # keep every call for assertions (benchmarks only count them)
    #: answer only the prompt's last N characters, so a chain's texts stay the same size
    #: instead of growing by a character per node (benchmarks of the executor alone)
    echo_tail: int | None = None
    calls: list[ModelCall] = field(default_factory=list)
    call_count: int = 0
    cancelled: list[str] = field(default_factory=list)
    running: int = 0
    peak: int = 0

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        self.call_count += 1
        if self.record:
            self.calls.append(call)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            job_id = None
            if self.journal:
                if job.previous is not None and job.previous.job_id:
                    job_id = job.previous.job_id
                else:
                    await job.creating()
                    job_id = f"job-{self.call_count}"
                    await job.submitted(job_id)
            if self.latency:
                job.progress("processing", 0.5)
                await asyncio.sleep(self.latency)
            if call.prompt in self.fail_on:
                raise GenerationError(f"refused: {call.prompt}", kind=ErrorKind.REJECTED)
            text = call.prompt + str(call.params.get("suffix", ""))
            if self.echo_tail is not None:
                text = text[-self.echo_tail :]
            asset = await job.store_bytes(text.encode(), AssetKind.TEXT, "text/plain")
            return GeneratedOutput([asset], self.cost, "provider", job_id=job_id)
        except asyncio.CancelledError:
            self.cancelled.append(call.prompt)
            raise
        finally:
            self.running -= 1


class Step(NodeType):
    """A trivial node: its text input (or its own text) through the echo model."""

    type_id = "test.step"
    title = "Step"
    inputs = (Port("text", PortType.TEXT, optional=True),)
    outputs = (Port("text", PortType.TEXT),)
    params = (ParamSpec("text", ParamKind.STRING, ""),)
    model_tasks = (Task.CHAT,)
    default_model = "test/echo"

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        assert ctx.model is not None
        prompt = ctx.text(inputs.get("text")) + str(ctx.params.get("text", ""))
        output = await ctx.generate(
            ModelCall(ctx.model, ctx.model.call_params(ctx.params), prompt=prompt)
        )
        return {"text": output.assets[0]}


class Split(NodeType):
    """Turns text lines into a list (to exercise per-item runs)."""

    type_id = "test.split"
    title = "Split"
    inputs = (Port("text", PortType.TEXT),)
    outputs = (Port("lines", PortType.TEXT, is_list=True),)

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        lines = [line for line in ctx.text(inputs["text"]).splitlines() if line]
        return {"lines": [ctx.store_text(line) for line in lines]}


class Join(NodeType):
    """Takes a whole list and joins it (a list input)."""

    type_id = "test.join"
    title = "Join"
    inputs = (Port("lines", PortType.TEXT, is_list=True),)
    outputs = (Port("text", PortType.TEXT),)

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        return {
            "text": ctx.store_text(
                "|".join(ctx.library.read_text(a) for a in inputs["lines"].items)
            )
        }


def fake_catalog() -> Catalog:
    catalog = default_catalog()
    catalog.add(ECHO_MODEL)
    catalog.add(FREE_ECHO_MODEL)
    return catalog


def fake_registry() -> NodeRegistry:
    from nodes import NODE_TYPES

    return NodeRegistry(fake_catalog(), [*NODE_TYPES, Step, Split, Join])
