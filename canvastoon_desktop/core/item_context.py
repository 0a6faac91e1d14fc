"""The executor's side of a node's context: one node × item's work, through the run's services.

Node code sees this object only as ``runtime.NodeContext``; the executor reads the rest (the
calls made, the journal rows, the spend already recorded) when it records the result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .assets import Asset, AssetKind, Value
from .cachekey import reroll_seed
from .catalog import Catalog, ModelSpec
from .errors import NodeError
from .generation import GeneratedOutput, ModelCall
from .library import Library, kept_inline
from .runtime import resolve_user_path

if TYPE_CHECKING:
    from .graph import Node
    from .nodetype import NodeRegistry

T = TypeVar("T")


class RunServices(Protocol):
    """What an item's context asks of the run it belongs to (the executor's ``Run``)."""

    @property
    def library(self) -> Library: ...

    @property
    def registry(self) -> NodeRegistry: ...

    def semaphore(self, provider: str) -> asyncio.Semaphore: ...

    async def generate(self, ctx: ItemContext, call: ModelCall) -> GeneratedOutput:
        """Make the call; once it succeeded, add it and its output to ``ctx.calls``."""
        ...

    def node_progress(self, ctx: ItemContext, status: str, fraction: float | None) -> None: ...


@dataclass(slots=True)
class ItemContext:
    """Handed to ``NodeType.run`` for one node × item (nodes see it as a ``NodeContext``)."""

    services: RunServices
    node: Node
    item: int | None
    params: Mapping[str, Any]  # effective params (defaults filled)
    model: ModelSpec | None  # the resolved model, for nodes that call one
    cache_key: str | None
    graph_dir: Path | None
    #: whether paths outside the graph's folder were allowed for this run (see core.paths)
    allow_outside_paths: bool = False
    #: filled by ``generate`` for the result's provenance
    calls: list[tuple[ModelCall, GeneratedOutput]] = field(default_factory=list)
    prompt_used: str | None = None
    #: journal rows of this item's successful calls, closed when its result is recorded
    job_rows: list[int] = field(default_factory=list)
    #: a line for the user about what the node did (e.g. "exported 4 files to ...")
    note: str | None = None
    #: spend already recorded for the jobs this item collected (see _Job.charge)
    already_charged: float = 0.0

    @property
    def library(self) -> Library:
        return self.services.library

    @property
    def catalog(self) -> Catalog:
        return self.services.registry.catalog

    @property
    def node_title(self) -> str:
        return self.node.title or ""

    def text(self, value: Value | None) -> str:
        if value is None:
            return ""
        if isinstance(value, Asset):
            return self.library.read_text(value)
        return "\n".join(self.library.read_text(a) for a in value.items if a is not None)

    def json(self, asset: Asset) -> Any:
        return self.library.read_json(asset)

    def store_text(self, text: str) -> Asset:
        return self.library.put_text(text)

    def store_json(self, value: Any) -> Asset:
        return self.library.put_json(value)

    async def store_bytes(self, data: bytes, kind: AssetKind, mime: str, **meta: Any) -> Asset:
        if kept_inline(kind, len(data)):
            return self.library.put_bytes(data, kind, mime, **meta)  # memory only: no thread
        return await asyncio.to_thread(
            functools.partial(self.library.put_bytes, data, kind, mime, **meta)
        )

    async def store_file(
        self, path: Path, kind: AssetKind, mime: str, *, move: bool = True, **meta: Any
    ) -> Asset:
        return await asyncio.to_thread(
            functools.partial(self.library.put_file, path, kind, mime, move=move, **meta)
        )

    def temp_path(self, suffix: str = "") -> Path:
        return self.library.temp_path(suffix)

    def resolve_path(self, path: str) -> Path:
        """A path parameter as a file to use: refused (NodeError) when it points outside
        the graph's folder and that was not allowed for this run."""
        if self.graph_dir is not None and not self.allow_outside_paths:
            from .paths import outside_reason  # paths imports the graph model

            reason = outside_reason(path, self.graph_dir)
            if reason is not None:
                raise NodeError(
                    f"{path[:200]!r} is outside the graph's folder ({reason}); it was not "
                    "allowed for this run"
                )
        return resolve_user_path(path, self.graph_dir)

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking CPU work (decode, OpenCV, encode) off the event loop, within the
        local worker limit."""
        async with self.services.semaphore("local"):
            return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    def generate(self, call: ModelCall) -> Coroutine[Any, Any, GeneratedOutput]:
        """Call a model through its provider adapter (journaled, resumable, rate-limited).
        A re-rolled node × item calls a model that takes a seed with a new one."""
        reroll = self.node.reroll_count(self.item)
        seed_spec = call.model.param("seed") if reroll else None
        if seed_spec is not None:
            seed = reroll_seed(call.params.get("seed"), reroll, seed_spec.maximum)
            call = dataclasses.replace(call, params={**call.params, "seed": seed})
        if self.prompt_used is None and call.prompt:
            self.prompt_used = call.prompt
        # the run's coroutine, not one around it (one a call); it adds the call to ``calls``
        return self.services.generate(self, call)

    def progress(self, status: str, fraction: float | None = None) -> None:
        self.services.node_progress(self, status, fraction)

    def warn(self, text: str) -> None:
        """Add a warning to the node's note (the canvas and the CLI show it)."""
        self.note = f"{self.note}; ⚠ {text}" if self.note else f"⚠ {text}"
