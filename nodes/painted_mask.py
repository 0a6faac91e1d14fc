"""Painted Mask: a mask painted by hand over an image (the Inpaint node's "Edit mask…").

The mask is an asset of the library (a grayscale PNG, white = fill, exactly the size of the
image it was painted over); the node holds its hash, so the graph file stays small and the
cache key follows the mask's content. ``attach_mask`` works out the graph edits that put a
freshly painted mask in front of an Inpaint node, so the editor can apply (and undo) them as
one step.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from canvastoon_desktop.core.api import (
    Asset,
    AssetKind,
    Edge,
    Graph,
    GraphError,
    Library,
    MediaError,
    Node,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    SourceContext,
    Value,
    new_node_id,
)

_SHA = re.compile(r"^[0-9a-f]{64}$")
MAX_MASK_SIDE = 16_384


class PaintedMask(NodeType):
    type_id = "painted_mask"
    title = "Painted Mask"
    category = "input"
    description = "A mask painted by hand over an image (white = the area to fill)."
    outputs = (Port("mask", PortType.MASK),)
    params = (
        ParamSpec(
            "mask",
            ParamKind.STRING,
            "",
            label="Mask",
            max_length=64,
            help="The painted mask in the library (use Edit mask… on the Inpaint node)",
        ),
        ParamSpec(
            "image",
            ParamKind.STRING,
            "",
            label="Painted over",
            max_length=64,
            advanced=True,
            help="The image the mask was painted over (for reference)",
        ),
    )
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        return {"mask": mask_asset(ctx.library, ctx.params.get("mask"))}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        return {"mask": mask_asset(ctx.library, ctx.params.get("mask"))}


def mask_asset(library: Library, sha: Any) -> Asset:
    """The mask asset a Painted Mask node names; NodeError (a plain reason) otherwise."""
    if not sha:
        raise NodeError("no mask painted yet: use Edit mask… on the Inpaint node")
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise NodeError(f"the mask reference {str(sha)[:20]!r} is not an asset hash")
    asset = library.asset(sha)
    if asset is None or not library.has_content(asset):
        raise NodeError(
            f"the painted mask {sha[:12]} is not in this library (it was painted "
            "on another machine, or deleted): paint it again with Edit mask…"
        )
    if asset.kind is not AssetKind.IMAGE:
        raise NodeError(f"asset {sha[:12]} is a {asset.kind.value}, not a mask image")
    return asset


def store_mask(library: Library, png: bytes, image: Asset | None = None) -> Asset:
    """Keep a painted mask in the library after checking it is a grayscale PNG and, when
    ``image`` is given, exactly that image's size. Returns the mask asset."""
    try:
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            size, mode, fmt = im.size, im.mode, im.format
    except Exception as exc:
        raise MediaError(f"the painted mask is not a readable PNG ({exc})") from None
    if fmt != "PNG" or mode not in ("L", "1"):
        raise MediaError(f"the painted mask must be a grayscale PNG, not {fmt} {mode}")
    if max(size) > MAX_MASK_SIDE:
        raise MediaError(f"the painted mask is {size[0]}x{size[1]}; at most {MAX_MASK_SIDE} px")
    if image is not None and image.width and image.height and size != (image.width, image.height):
        raise MediaError(
            f"the mask is {size[0]}x{size[1]} but the image is {image.width}x{image.height}"
        )
    return library.put_bytes(png, AssetKind.IMAGE, "image/png", width=size[0], height=size[1])


# -- the graph edits of "Edit mask…" ---------------------------------------------------------


@dataclass
class MaskEdit:
    """What "Edit mask…" changes in a graph: apply with ``apply``, undo with ``revert``.

    Either an existing Painted Mask node gets new params, or a new one is created and wired
    to the Inpaint node's mask input (replacing what fed it before).
    """

    inpaint_id: str
    mask_node_id: str
    new_node: Node | None = None
    #: (node id, param, old value, new value)
    param_changes: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    removed_edges: list[Edge] = field(default_factory=list)
    added_edges: list[Edge] = field(default_factory=list)

    def apply(self, graph: Graph) -> None:
        for edge in self.removed_edges:
            graph.disconnect(edge)
        if self.new_node is not None:
            graph.add_node(self.new_node.clone())
        for node_id, name, _old, new in self.param_changes:
            graph.set_param(node_id, name, new)
        for edge in self.added_edges:
            graph.connect(edge)

    def revert(self, graph: Graph) -> None:
        for edge in reversed(self.added_edges):
            graph.disconnect(edge)
        for node_id, name, old, _new in reversed(self.param_changes):
            graph.set_param(node_id, name, old)
        if self.new_node is not None:
            graph.remove_node(self.new_node.id)
        for edge in self.removed_edges:
            graph.connect(edge)


def mask_node_of(graph: Graph, inpaint_id: str) -> Node | None:
    """The Painted Mask node feeding this Inpaint node's mask input, if one does."""
    for edge in graph.incoming(inpaint_id):
        if edge.dst_port == "mask":
            src = graph.nodes.get(edge.src_node)
            if src is not None and src.type == PaintedMask.type_id:
                return src
    return None


def attach_mask(
    graph: Graph, inpaint_id: str, mask_sha: str, image_sha: str | None = None
) -> MaskEdit:
    """The edits that make ``inpaint_id`` use the painted mask ``mask_sha`` (not applied).

    A Painted Mask node already feeding the Inpaint node is reused; otherwise a new one is
    placed to the left of the Inpaint node and replaces whatever fed its mask input.
    """
    inpaint = graph.nodes.get(inpaint_id)
    if inpaint is None:
        raise GraphError(f"no node {inpaint_id}")
    node_type = graph.registry.get(inpaint.type)
    if node_type is None or node_type.input("mask") is None:
        raise GraphError(f"{graph.display_name(inpaint_id)} has no mask input")
    if not _SHA.match(mask_sha or ""):
        raise GraphError(f"{mask_sha!r} is not an asset hash")
    image_sha = image_sha or ""
    existing = mask_node_of(graph, inpaint_id)
    if existing is not None:
        edit = MaskEdit(inpaint_id, existing.id)
        for name, value in (("mask", mask_sha), ("image", image_sha)):
            old = existing.params.get(name, "")
            if old != value:
                edit.param_changes.append((existing.id, name, old, value))
        return edit
    x, y = inpaint.position
    node = Node(
        id=new_node_id(),
        type=PaintedMask.type_id,
        params={"mask": mask_sha, "image": image_sha},
        position=(x - 260.0, y + 140.0),
        title="Painted Mask",
    )
    edit = MaskEdit(inpaint_id, node.id, new_node=node)
    edit.removed_edges = [e for e in graph.incoming(inpaint_id) if e.dst_port == "mask"]
    edit.added_edges = [Edge(node.id, "mask", inpaint_id, "mask")]
    return edit


def painting_inputs(graph: Graph, plan: Any, inpaint_id: str) -> tuple[Asset | None, Asset | None]:
    """(the image to paint over, the mask painted so far) for "Edit mask…", from a plan's
    known outputs (``executor.plan(graph)``): None where a value is not known yet (its node
    has not run) or is a list."""
    image = mask = None
    for edge in graph.incoming(inpaint_id):
        upstream = plan.nodes.get(edge.src_node) if plan is not None else None
        value = (upstream.outputs or {}).get(edge.src_port) if upstream is not None else None
        if not isinstance(value, Asset):
            continue
        if edge.dst_port == "image":
            image = value
        elif edge.dst_port == "mask":
            mask = value
    return image, mask
