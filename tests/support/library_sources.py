"""A test source node: assets already in the library (by hash), on every port type Assemble
Short and its neighbours take — one asset, or a list; and shots as a shot list holds them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canvastoon_desktop.core.assets import ItemList
from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.runtime import NodeContext, PortValues, SourceContext
from nodes import NODE_TYPES, default_registry


class LibraryAssets(NodeType):
    """``shas``: comma-separated hashes; each port gives the first asset or the list."""

    type_id = "test.library_assets"
    title = "Assets"
    outputs = (
        Port("video", PortType.VIDEO),
        Port("videos", PortType.VIDEO, is_list=True),
        Port("shots", PortType.SHOTS, is_list=True),
        Port("audio", PortType.AUDIO),
        Port("audios", PortType.AUDIO, is_list=True),
        Port("lines", PortType.LINE, is_list=True),
    )
    params = (ParamSpec("shas", ParamKind.STRING, ""),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Any]:
        assets = tuple(ctx.library.asset(s) for s in str(ctx.params["shas"]).split(","))
        listed = ItemList(assets)
        return {
            "video": assets[0],
            "videos": listed,
            "shots": listed,
            "audio": assets[0],
            "audios": listed,
            "lines": listed,
        }

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        return self.source_outputs(SourceContext(ctx.library, ctx.params, None))


def registry_with_library_assets() -> NodeRegistry:
    return NodeRegistry(default_registry().catalog, [*NODE_TYPES, LibraryAssets])


def shot_doc(
    index: int,
    duration: float,
    role: str = "motion",
    *,
    characters: Sequence[str] = (),
    dialogue: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """One shot of a shot list, as the Prompt LLM node stores it."""
    return {
        "index": index,
        "title": f"Shot {index}",
        "duration": duration,
        "image_prompt": f"key frame {index}",
        "video_prompt": f"motion {index}",
        "camera": "medium shot",
        "role": role,
        "characters": list(characters),
        "dialogue": [dict(line) for line in dialogue],
    }
