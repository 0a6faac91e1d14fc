"""Export: writes the results wired into it to a folder, with their provenance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from canvastoon_desktop.core.api import (
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    export_assets,
)


class Export(NodeType):
    type_id = "export"
    title = "Export"
    category = "output"
    description = "Writes the images, videos and texts wired into it to a folder."
    inputs = (
        Port("images", PortType.IMAGE, optional=True, multiple=True),
        Port("videos", PortType.VIDEO, optional=True, multiple=True),
        Port("texts", PortType.TEXT, optional=True, multiple=True),
    )
    params = (
        ParamSpec(
            "folder",
            ParamKind.FOLDER,
            "exports",
            help="Relative folders are inside the graph file's folder",
        ),
        ParamSpec("prefix", ParamKind.STRING, "", label="File name prefix", max_length=40),
        ParamSpec("sidecars", ParamKind.BOOL, True, label="Provenance JSON beside each file"),
    )
    cacheable = False  # it writes files: run it every time (it is cheap and idempotent)

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if not connected:
            problems.append("connect something to export")
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        assets = [a for port in ("images", "videos", "texts") for a in inputs.get(port) or ()]
        if not assets:
            raise NodeError("nothing to export")
        folder_param = str(ctx.params.get("folder") or "exports")
        if ctx.graph_dir is None and not Path(folder_param).expanduser().is_absolute():
            base = Path(platformdirs.user_documents_dir()) / "CanvasToon"
            folder = base / folder_param
        else:
            folder = ctx.resolve_path(folder_param)
        written = await ctx.in_thread(
            export_assets,
            ctx.library,
            assets,
            folder,
            prefix=str(ctx.params.get("prefix") or ""),
            sidecars=bool(ctx.params.get("sidecars", True)),
        )
        ctx.note = f"exported {len(written)} file{'s' if len(written) != 1 else ''} to {folder}"
        return {}
