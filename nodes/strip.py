"""Webtoon Strip: the episode's panels as a vertical webtoon — stacked 800 px wide with
gutters, lettered with speech balloons and caption boxes from the shot list's dialogue and
narration (in the bundled Hangul-capable font), cut into JPG slices of at most 1280 px and
2 MB each, plus the whole strip as one tall preview to scroll through."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image

from canvastoon_desktop.core.api import (
    AssetKind,
    Lettering,
    MediaError,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    Shot,
    compose_strip,
    decode_image,
    jpeg_under,
    slices,
)

from .assemble import read_shot_list

#: the preview is for scrolling through on screen; JPEG cannot be taller than this
MAX_PREVIEW_HEIGHT = 65_000


def _render(
    panel_bytes: list[bytes], lettering: list[Lettering] | None, gutter: int
) -> tuple[list[bytes], bytes, int]:
    panels = [decode_image(data) for data in panel_bytes]
    strip = compose_strip(panels, lettering, gutter=gutter)
    preview = strip.image
    if preview.height > MAX_PREVIEW_HEIGHT:
        scale = MAX_PREVIEW_HEIGHT / preview.height
        preview = preview.resize((max(1, round(preview.width * scale)), MAX_PREVIEW_HEIGHT))
    return slices(strip), jpeg_under(preview, 20 * 1024 * 1024), strip.image.height


def lettering_of(shots: list[Shot]) -> list[Lettering]:
    return [
        Lettering(shot.narration, tuple((d.speaker, d.line) for d in shot.dialogue))
        for shot in shots
    ]


class WebtoonStrip(NodeType):
    type_id = "webtoon_strip"
    title = "Webtoon Strip"
    category = "output"
    description = "Panels stacked into a lettered vertical webtoon, cut into JPG slices."
    inputs = (
        Port("panels", PortType.IMAGE, is_list=True, help="The panels, top to bottom"),
        Port(
            "shot_list",
            PortType.SHOTS,
            label="Shot list",
            optional=True,
            is_list=True,
            help="Letters each panel with its shot's dialogue (balloons) and narration (boxes)",
        ),
    )
    outputs = (
        Port("slices", PortType.IMAGE, is_list=True, help="JPG slices, 800 px wide, ≤ 1280 px"),
        Port("preview", PortType.IMAGE, help="The whole strip in one image, to scroll through"),
    )
    params = (
        ParamSpec("gutter", ParamKind.INT, 60, label="Gutter (px)", minimum=0, maximum=400),
        ParamSpec("lettering", ParamKind.BOOL, True, label="Letter balloons and captions"),
    )

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        panels = list(inputs["panels"].items)
        if any(p is None for p in panels):
            raise NodeError("some panels are missing (their images failed upstream)")
        if not panels:
            raise NodeError("no panels to stack")
        lettering = None
        if inputs.get("shot_list") is not None and ctx.params.get("lettering", True):
            shots = read_shot_list(ctx, inputs["shot_list"])
            if len(shots) != len(panels):
                raise NodeError(
                    f"{len(panels)} panels but {len(shots)} shots: connect the panels made "
                    "from this shot list (one per shot, in its order)"
                )
            lettering = lettering_of(shots)
        data = [ctx.library.file_path(p).read_bytes() for p in panels]
        try:
            jpgs, preview, height = await ctx.in_thread(
                _render, data, lettering, int(ctx.params.get("gutter", 60))
            )
        except MediaError as exc:
            raise NodeError(str(exc)) from None
        assets = []
        for jpg in jpgs:
            with Image.open(io.BytesIO(jpg)) as im:
                size = im.size
            assets.append(
                await ctx.store_bytes(
                    jpg, AssetKind.IMAGE, "image/jpeg", width=size[0], height=size[1]
                )
            )
        with Image.open(io.BytesIO(preview)) as im:
            psize = im.size
        preview_asset = await ctx.store_bytes(
            preview, AssetKind.IMAGE, "image/jpeg", width=psize[0], height=psize[1]
        )
        ctx.note = f"{len(panels)} panels → {height} px, {len(assets)} slices"
        return {"slices": assets, "preview": preview_asset}
