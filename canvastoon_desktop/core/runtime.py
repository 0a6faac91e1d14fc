"""What a node's ``run`` sees: its inputs, its params and a context to do its work with."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .assets import Asset, AssetKind, Value
from .catalog import Catalog, ModelSpec
from .generation import GeneratedOutput, ModelCall
from .library import INLINE_MAX_BYTES, Library
from .secrets import redact_secrets

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


class NodeContext(Protocol):
    """What ``NodeType.run`` sees for one node × item: exactly what node code uses.

    Nodes never see the run itself; the executor hands them an ``ItemContext``
    (core/item_context.py), which does the work through the run's services.
    """

    @property
    def params(self) -> Mapping[str, Any]:
        """The effective params (defaults filled)."""

    @property
    def model(self) -> ModelSpec | None:
        """The resolved model, for nodes that call one."""

    @property
    def item(self) -> int | None:
        """The item of the list this run of the node works on (None: not fed a list)."""

    @property
    def node_title(self) -> str:
        """The node's title on the canvas ("" when it has none)."""

    @property
    def graph_dir(self) -> Path | None:
        """The graph file's folder (None for an unsaved graph)."""

    @property
    def library(self) -> Library: ...

    @property
    def catalog(self) -> Catalog: ...

    #: a line for the user about what the node did (e.g. "exported 4 files to ...")
    note: str | None
    #: the prompt the node really sent, for the result's provenance
    prompt_used: str | None

    def text(self, value: Value | None) -> str: ...

    def json(self, asset: Asset) -> Any: ...

    def store_text(self, text: str) -> Asset: ...

    def store_json(self, value: Any) -> Asset: ...

    async def store_bytes(self, data: bytes, kind: AssetKind, mime: str, **meta: Any) -> Asset: ...

    async def store_file(
        self, path: Path, kind: AssetKind, mime: str, *, move: bool = True, **meta: Any
    ) -> Asset: ...

    def temp_path(self, suffix: str = "") -> Path: ...

    def resolve_path(self, path: str) -> Path:
        """A path parameter as a file to use: refused (NodeError) when it points outside
        the graph's folder and that was not allowed for this run."""

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking CPU work (decode, OpenCV, encode) off the event loop, within the
        local worker limit."""

    async def generate(self, call: ModelCall) -> GeneratedOutput:
        """Call a model through its provider adapter (journaled, resumable, rate-limited)."""

    def progress(self, status: str, fraction: float | None = None) -> None: ...
