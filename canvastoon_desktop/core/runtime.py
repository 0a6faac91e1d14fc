"""What a node's ``run`` sees: its inputs, its params and a context to do its work with."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .assets import Asset, AssetKind, Value
from .cachekey import reroll_seed
from .catalog import ModelSpec
from .errors import NodeFailed
from .generation import GeneratedOutput, ModelCall
from .library import INLINE_MAX_BYTES, Library
from .secrets import redact_secrets

if TYPE_CHECKING:
    from .executor import Run
    from .graph import Node

T = TypeVar("T")

#: a node's inputs by port name: an Asset, an ItemList (list ports), a tuple of assets
#: (ports taking several connections) or None (optional and unconnected)
PortValues = Mapping[str, Any]


@dataclass
class SourceContext:
    """What a source node needs to compute its outputs while planning."""

    library: Library
    params: Mapping[str, Any]
    graph_dir: Path | None

    def text_asset(self, text: str) -> Asset:
        """The asset a text would become, without storing it (a known key in it redacted,
        as the library stores it)."""
        data = redact_secrets(text).encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        return Asset(
            sha,
            AssetKind.TEXT,
            "text/plain",
            len(data),
            self.library.objects / sha[:2] / f"{sha}.txt",
            inline=len(data) <= INLINE_MAX_BYTES,
        )

    def resolve_path(self, path: str) -> Path:
        return resolve_user_path(path, self.graph_dir)


def resolve_user_path(path: str, graph_dir: Path | None) -> Path:
    """A path from a node parameter: ``~`` expanded, relative to the graph file's folder."""
    candidate = Path(os.path.expanduser(path))
    if not candidate.is_absolute() and graph_dir is not None:
        candidate = graph_dir / candidate
    return candidate


@dataclass(slots=True)
class NodeContext:
    """Handed to ``NodeType.run`` for one node × item."""

    run: Run
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
        return self.run.library

    @property
    def catalog(self):
        return self.run.registry.catalog

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
        if kind in (AssetKind.TEXT, AssetKind.JSON) and len(data) <= INLINE_MAX_BYTES:
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
        """A path parameter as a file to use: refused (NodeFailed) when it points outside
        the graph's folder and that was not allowed for this run."""
        if self.graph_dir is not None and not self.allow_outside_paths:
            from .paths import outside_reason  # paths imports the graph model

            reason = outside_reason(path, self.graph_dir)
            if reason is not None:
                raise NodeFailed(
                    f"{path[:200]!r} is outside the graph's folder ({reason}); it was not "
                    "allowed for this run"
                )
        return resolve_user_path(path, self.graph_dir)

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking CPU work (decode, OpenCV, encode) off the event loop, within the
        local worker limit."""
        async with self.run.semaphore("local"):
            return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    async def generate(self, call: ModelCall) -> GeneratedOutput:
        """Call a model through its provider adapter (journaled, resumable, rate-limited).
        A re-rolled node × item calls a model that takes a seed with a new one."""
        seed_spec = call.model.param("seed")
        reroll = self.node.reroll_count(self.item)
        if seed_spec is not None and reroll:
            seed = reroll_seed(call.params.get("seed"), reroll, seed_spec.maximum)
            call = dataclasses.replace(call, params={**call.params, "seed": seed})
        if self.prompt_used is None and call.prompt:
            self.prompt_used = call.prompt
        output = await self.run.generate(self, call)
        self.calls.append((call, output))
        return output

    def progress(self, status: str, fraction: float | None = None) -> None:
        self.run.node_progress(self, status, fraction)

    def warn(self, text: str) -> None:
        """Add a warning to the node's note (the canvas and the CLI show it)."""
        self.note = f"{self.note}; ⚠ {text}" if self.note else f"⚠ {text}"
