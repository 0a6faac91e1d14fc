"""The review tools on the command line: list, show and export library assets; pack and
unpack graphs; open the library window.

    canvastoon assets list [--filter KEY=VALUE ...] [--sort date|cost|rating] [--limit N] [--json]
    canvastoon assets show SHA [--json]
    canvastoon assets export SHA... --to DIR
    canvastoon pack GRAPH --to FILE.ctoonpack
    canvastoon unpack FILE.ctoonpack --to DIR
    canvastoon library

``--filter`` takes the same filters as the gallery (``core.library.query.FILTERS``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from ..core.errors import CoreError, GraphFileError
from ..core.library import query as lq
from ..core.pack import PackError
from ..core.secrets import redact_secrets
from .exit_codes import ExitCode
from .output import SafeConsole, console, library_arg, open_library, outside_paths_arg, print_json

COMMANDS = ("assets", "pack", "unpack", "library")


def _filters_epilog() -> str:
    lines = ["filters (--filter KEY=VALUE, repeatable; the gallery offers the same):"]
    for spec in lq.FILTERS:
        lines.append(f"  {spec.key:<9} {spec.help}")
    lines.append(
        "sort: "
        + ", ".join(f"{k} ({v})" for k, v in lq.SORTS.items())
        + "; --reverse (or --sort=-KEY) reverses"
    )
    return "\n".join(lines)


def add_commands(sub: Any) -> None:
    assets = sub.add_parser("assets", help="list, show and export the library's assets")
    asub = assets.add_subparsers(dest="assets_command", metavar="ACTION")
    ls = asub.add_parser(
        "list",
        help="list assets (newest first)",
        epilog=_filters_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ls.add_argument(
        "--filter",
        "-f",
        dest="filters",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="narrow the list (see below)",
    )
    ls.add_argument(
        "--sort",
        default="date",
        metavar="ORDER",
        help="date, cost or rating (newest / dearest / best first)",
    )
    ls.add_argument("--reverse", action="store_true", help="oldest / cheapest / worst first")
    ls.add_argument("--limit", type=int, metavar="N", help="show at most N assets")
    ls.add_argument("--json", action="store_true", help="print JSON on stdout")
    library_arg(ls)
    show = asub.add_parser("show", help="an asset's provenance and review")
    show.add_argument("sha", help="the asset's sha256 (a prefix of 4+ digits is enough)")
    show.add_argument("--json", action="store_true")
    library_arg(show)
    export = asub.add_parser("export", help="export assets with provenance sidecars")
    export.add_argument("shas", nargs="+", metavar="SHA")
    export.add_argument("--to", required=True, metavar="DIR", help="folder to write to")
    export.add_argument("--no-sidecars", action="store_true", help="no .json beside each file")
    export.add_argument("--prefix", default="", help="file name prefix")
    export.add_argument("--json", action="store_true")
    library_arg(export)

    pack = sub.add_parser("pack", help="write a graph with its inputs and results to one file")
    pack.add_argument("graph", help="the .ctoon graph file")
    pack.add_argument("--to", required=True, metavar="FILE", help="the .ctoonpack to write")
    pack.add_argument("--json", action="store_true")
    outside_paths_arg(pack)
    library_arg(pack)
    unpack = sub.add_parser("unpack", help="open a pack: a graph folder + assets in the library")
    unpack.add_argument("pack", help="the .ctoonpack file")
    unpack.add_argument("--to", required=True, metavar="DIR", help="a new (or empty) folder")
    unpack.add_argument("--json", action="store_true")
    library_arg(unpack)

    gallery = sub.add_parser("library", help="open the library window (gallery)")
    library_arg(gallery)


def dispatch(args: argparse.Namespace) -> int:
    err = SafeConsole(stderr=True, highlight=False)
    try:
        if args.command == "assets":
            action = getattr(args, "assets_command", None)
            if action is None:
                err.print(
                    "say what to do: canvastoon assets list | show SHA | export SHA... --to DIR"
                )
                return ExitCode.INVALID
            return {"list": _list, "show": _show, "export": _export}[action](args)
        if args.command == "pack":
            return _pack(args)
        if args.command == "unpack":
            return _unpack(args)
        if args.command == "library":
            # the entry point hands over to the GUI layer (imported by name: the CLI layer
            # sits below the UI and never depends on it)
            err.print("canvastoon library opens a window; run it as `canvastoon library`")
            return ExitCode.INVALID
    except lq.FilterError as exc:
        err.print(f"[red]{redact_secrets(str(exc))}[/]", markup=True)
        return ExitCode.INVALID
    except (GraphFileError, PackError) as exc:  # a file refused as it is: invalid input
        err.print(redact_secrets(str(exc)), markup=False, style="red")
        return ExitCode.INVALID
    except CoreError as exc:
        err.print(redact_secrets(str(exc)), markup=False, style="red")
        return ExitCode.FAILED
    err.print(f"unknown command {args.command!r}")
    return ExitCode.INVALID


# -- assets ------------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    sort = args.sort if not args.reverse else "-" + args.sort.lstrip("-")
    query = lq.parse_filters(args.filters, sort=sort, limit=args.limit)
    library = open_library(args.library, read_only=True)
    try:
        rows = lq.query_assets(library, query)
        total = lq.count_assets(library, query) if query.limit is not None else len(rows)
    finally:
        library.close()
    if args.json:
        print_json(
            {
                "library": str(library.root),
                "filters": query.describe(),
                "sort": ("-" if query.ascending else "") + query.sort,
                "total": total,
                "assets": [lq.row_as_json(r) for r in rows],
            }
        )
        return ExitCode.OK
    out = console()
    if not rows:
        out.print(
            f"no assets{' match ' + '; '.join(query.describe()) if query.active() else ''}"
            f" in {library.root}"
        )
        return ExitCode.OK
    table = Table(title_justify="left", box=None, header_style="bold", pad_edge=False)
    for column in ("sha", "kind", "size", "when", "node", "model", "cost", "rating"):
        table.add_column(
            column,
            no_wrap=True,
            overflow="ellipsis",
            max_width=28 if column in ("node", "model") else None,
        )
    for row in rows:
        table.add_row(
            row.short,
            row.kind,
            _dims(row),
            lq.describe_when(row.when),
            row.title,
            row.model or "—",
            _usd(row.cost_usd),
            _stars(row),
        )
    out.print(table)
    shown = f"{len(rows)} of {total}" if total != len(rows) else f"{total}"
    filters = f" · {'; '.join(query.describe())}" if query.active() else ""
    out.print(f"[dim]{shown} assets{filters} · {library.root}[/]")
    return ExitCode.OK


def _dims(row: lq.AssetRow) -> str:
    if row.kind == "video" and row.duration_s:
        return (
            f"{row.width}×{row.height} {row.duration_s:.1f}s"
            if row.width
            else f"{row.duration_s:.1f}s"
        )
    if row.width and row.height:
        return f"{row.width}×{row.height}"
    return _bytes(row.size)


def _bytes(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return ""


def _usd(value: float | None) -> str:
    if not value:
        return "free" if value == 0 else "—"
    return f"${value:.3f}" if value < 1 else f"${value:.2f}"


def _stars(row: lq.AssetRow) -> str:
    stars = "★" * (row.rating or 0)
    return f"{stars} rejected".strip() if row.rejected else (stars or "—")


def _show(args: argparse.Namespace) -> int:
    library = open_library(args.library, read_only=True)
    try:
        sha = lq.resolve_sha(library, args.sha)
        details = lq.asset_details(library, sha)
    finally:
        library.close()
    if details is None:
        raise CoreError(f"no asset {args.sha} in the library")
    row = details.row
    if args.json:
        print_json(
            {
                **lq.row_as_json(row),
                "note": details.note,
                "provenance": [lq.provenance_as_json(p) for p in details.provenance],
                "used_by": [
                    {"result_id": i, "node_title": t, "node_type": nt}
                    for i, t, nt in details.used_by
                ],
            }
        )
        return ExitCode.OK
    out = console()
    out.print(f"[bold]{row.sha256}[/]")
    out.print(f"  {row.kind} · {row.mime} · {_dims(row)} · {_bytes(row.size)}")
    out.print(
        f"  review: {_stars(row)}" + (f" · note: {details.note}" if details.note else ""),
        markup=False,
    )
    if not details.provenance:
        out.print("  [dim]no provenance: imported, not generated[/]")
    for n, p in enumerate(details.provenance):
        out.print(
            f"\n[bold]{'produced by' if n == 0 else 'also produced by'}[/] "
            f"{p.node_title or p.node_type} ({p.node_type}, node {p.node_id})"
        )
        facts = [
            ("graph", p.graph_path or "—"),
            ("origin", p.origin_label),
            ("model", f"{p.model or '—'} via {p.provider or '—'}"),
            ("job", p.job_id or "—"),
            ("cost", f"{_usd(p.cost_usd)} ({p.cost_source or 'estimate'})"),
            ("time", f"queue {_secs(p.queue_s)}, run {_secs(p.run_s)}"),
            (
                "when",
                lq.describe_when(p.finished_at) + (f" · run {p.run_id[:12]}" if p.run_id else ""),
            ),
        ]
        if p.item is not None:
            facts.append(("item", str(p.item + 1)))
        for label, value in facts:
            out.print(f"  {label:<7} {value}", markup=False)
        if p.prompt:
            out.print(f"  prompt  {p.prompt}", markup=False)
        if p.params:
            params = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(p.params.items()))
            out.print(f"  params  {params}", markup=False)
        for port, sha in p.input_hashes():
            out.print(f"  input   {port}: {sha[:12]}", markup=False)
    if details.used_by:
        used = ", ".join(f"{t or nt}" for _i, t, nt in details.used_by[:8])
        out.print(f"\n[bold]used by[/] {used}")
    return ExitCode.OK


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _export(args: argparse.Namespace) -> int:
    from ..core.export import export_assets

    library = open_library(args.library)
    try:
        assets = []
        for prefix in args.shas:
            sha = lq.resolve_sha(library, prefix)
            asset = library.asset(sha)
            if asset is None or not library.has_content(asset):
                raise CoreError(f"the file of asset {sha[:12]} is missing from the library")
            assets.append(asset)
        written = export_assets(
            library, assets, Path(args.to), prefix=args.prefix, sidecars=not args.no_sidecars
        )
    finally:
        library.close()
    if args.json:
        print_json(
            {
                "exported": [
                    {
                        "sha256": e.asset.sha256,
                        "path": str(e.path),
                        "sidecar": str(e.sidecar) if e.sidecar else None,
                    }
                    for e in written
                ]
            }
        )
    else:
        out = console()
        for item in written:
            out.print(f"[green]✓[/] {item.path}", highlight=False, soft_wrap=True)
        out.print(f"exported {len(written)} file{'s' if len(written) != 1 else ''} to {args.to}")
    return ExitCode.OK


# -- packs ---------------------------------------------------------------------------------------


def _pack(args: argparse.Namespace) -> int:
    from nodes import default_registry

    from ..core.pack import pack_graph
    from ..core.pricing import PriceTable
    from ..core.settings import config_dir

    library = open_library(args.library)
    try:
        summary = pack_graph(
            args.graph,
            args.to,
            library,
            default_registry(),
            prices=PriceTable.load(config_dir() / "prices.json"),
            allow_outside_paths=args.allow_outside_paths,
        )
    finally:
        library.close()
    if args.json:
        print_json(
            {
                "pack": str(summary.path),
                "graph": summary.graph_name,
                "inputs": summary.inputs,
                "assets": summary.assets,
                "results": summary.results,
                "bytes": summary.bytes,
            }
        )
    else:
        console().print(
            f"[green]✓[/] {summary.path}: {summary.graph_name}, {summary.inputs} input files, "
            f"{summary.assets} assets, {summary.results} results ({_bytes(summary.bytes)})"
        )
    return ExitCode.OK


def _unpack(args: argparse.Namespace) -> int:
    from nodes import default_registry

    from ..core.pack import unpack

    library = open_library(args.library)
    try:
        summary = unpack(args.pack, args.to, library, default_registry())
    finally:
        library.close()
    if args.json:
        print_json(
            {
                "graph": str(summary.graph_path),
                "inputs": summary.inputs,
                "assets": summary.assets,
                "results": summary.results,
                "reviews": summary.reviews,
                "library": str(library.root),
            }
        )
    else:
        console().print(
            f"[green]✓[/] {summary.graph_path} · {summary.assets} assets and "
            f"{summary.results} results added to the library at {library.root}"
        )
    return ExitCode.OK
