"""Assemble Short: the final cut — clips joined in order into one vertical H.264 MP4.

Clips come from the ``clips`` input (several connections, in connection order) and then from
the ``shots`` input (a list: one video per shot of an episode). Each clip may be trimmed
with the ``trims`` parameter, written as ``CLIP: START-END`` entries separated by ``;``,
counting clips from 1 and seconds from the clip's start::

    1: 0.5-4; 3: 0-6      clip 1 from 0.5 s to 4 s, clip 3 its first 6 s
    2: 1.5-               clip 2 from 1.5 s to its end
    4: -3                 clip 4 up to 3 s

With a ``shot_list`` connected (the shot list the videos were made from), the shot videos
are cut to their shots: video k belongs to shot k, and a video longer than its shot's
duration keeps its first ``duration`` seconds (a shorter one is kept whole). The cut keeps
the *start* of each clip because an image-to-video model starts on the frame it was given —
the shot's main cut, the picture the artist chose and cleaned up — so every shot opens on
its key frame; a centred cut would open mid-motion and drop it. An explicit ``trims`` entry
still wins for its clip. The lists must have the same length, or the node fails saying so.

Local work (PyAV/x264 in a worker thread): no provider, no model, no cost. Cached like any
node: the same clips with the same parameters give the cached cut.
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind, ItemList
from canvastoon_desktop.core.errors import MediaError, NodeFailed
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.runtime import NodeContext, PortValues
from canvastoon_desktop.core.shots import Shot, ShotListError, shot_from_json

SIZES = {"720x1280": (720, 1280), "1080x1920": (1080, 1920)}
MAX_CLIPS = 200


class TrimError(ValueError):
    """The ``trims`` text cannot be understood; the message says where and why."""


@dataclass(frozen=True)
class Trim:
    clip: int  # 1-based, as written
    start_s: float = 0.0
    end_s: float | None = None  # None: to the clip's end


_ENTRY = re.compile(r"^\s*(\d+)\s*:\s*([0-9.]*)\s*-\s*([0-9.]*)\s*$")


def parse_trims(text: str) -> dict[int, Trim]:
    """``"1: 0.5-4; 3: 0-6"`` → {1: Trim(1, 0.5, 4.0), 3: Trim(3, 0.0, 6.0)}; TrimError if
    an entry is malformed, repeats a clip or ends before it starts."""
    trims: dict[int, Trim] = {}
    for raw in re.split(r"[;\n]", text or ""):
        if not raw.strip():
            continue
        match = _ENTRY.match(raw)
        if match is None:
            raise TrimError(
                f"trim {raw.strip()!r}: write CLIP: START-END, e.g. 2: 0.5-4 "
                "(seconds; START or END may be left out)"
            )
        clip = int(match.group(1))
        if clip < 1:
            raise TrimError(f"trim {raw.strip()!r}: clips are counted from 1")
        if clip in trims:
            raise TrimError(f"clip {clip} is trimmed twice")
        start = _seconds(match.group(2), raw) if match.group(2) else 0.0
        end = _seconds(match.group(3), raw) if match.group(3) else None
        if not match.group(2) and not match.group(3):
            raise TrimError(f"trim {raw.strip()!r}: give a start, an end or both")
        if end is not None and end <= start:
            raise TrimError(
                f"clip {clip}: the trim ends ({end:g} s) before it starts ({start:g} s)"
            )
        trims[clip] = Trim(clip, start, end)
    return trims


def _seconds(text: str, raw: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TrimError(f"trim {raw.strip()!r}: {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise TrimError(f"trim {raw.strip()!r}: {text!r} is not a number of seconds")
    return value


def ordered_clips(inputs: PortValues) -> list[Asset]:
    """The clips in cut order: the ``clips`` connections first, then the ``shots`` list."""
    clips: list[Asset] = list(inputs.get("clips") or ())
    shots = inputs.get("shots")
    if isinstance(shots, ItemList):
        clips.extend(a for a in shots.items if a is not None)
    elif isinstance(shots, Asset):
        clips.append(shots)
    return clips


def shot_videos(inputs: PortValues) -> list[Asset]:
    """The ``shots`` input's videos, in shot order."""
    shots = inputs.get("shots")
    if isinstance(shots, ItemList):
        return [a for a in shots.items if a is not None]
    return [shots] if isinstance(shots, Asset) else []


def plan_clips(
    paths: Sequence[Any], trims: Mapping[int, Trim], shot_cuts: Mapping[int, float] | None = None
) -> list[media.Clip]:
    """What to take of each clip: its explicit trim, else its shot's cut (clip number →
    seconds from the start), else all of it."""
    beyond = sorted(n for n in trims if n > len(paths))
    if beyond:
        raise NodeFailed(f"trims name clip {beyond[0]}, but there {_are(len(paths))}")
    cuts = shot_cuts or {}
    clips = []
    for i, path in enumerate(paths, start=1):
        if i in trims:
            clips.append(media.Clip(path, trims[i].start_s, trims[i].end_s))
        elif i in cuts:
            clips.append(media.Clip(path, 0.0, cuts[i]))
        else:
            clips.append(media.Clip(path))
    return clips


def shot_cuts(
    clip_seconds: Sequence[float], shot_seconds: Sequence[float], first_clip: int = 1
) -> dict[int, float]:
    """Clip number → where to cut it, for the shot videos longer than their shots.

    ``clip_seconds[k]`` is the length of shot k's video and ``shot_seconds[k]`` the shot's
    duration; shot videos are numbered from ``first_clip`` (after the separate clips)."""
    if len(clip_seconds) != len(shot_seconds):
        raise NodeFailed(_count_problem(len(shot_seconds), len(clip_seconds)))
    return {
        first_clip + k: float(shot)
        for k, (clip, shot) in enumerate(zip(clip_seconds, shot_seconds, strict=True))
        if clip > shot + 1e-3
    }


def _count_problem(shots: int, videos: int) -> str:
    return (
        f"the shot list has {shots} shot{'s' if shots != 1 else ''} but {videos} shot "
        f"video{'s' if videos != 1 else ''} came in: connect the videos made from this "
        "shot list (one per shot, in its order)"
    )


def read_shot_list(ctx: NodeContext, value: Any) -> list[Shot]:
    items = value.items if isinstance(value, ItemList) else (value,)
    shots = []
    for n, asset in enumerate(items, start=1):
        if asset is None:
            raise NodeFailed(f"shot {n} of the shot list is missing")
        try:
            shots.append(shot_from_json(ctx.json(asset)))
        except ShotListError as exc:
            raise NodeFailed(f"shot {n} of the shot list: {exc}") from None
    return shots


def clip_lengths(paths: Sequence[Any]) -> list[float]:
    """Each video's length in seconds (blocking: run in a worker thread)."""
    lengths = []
    for n, path in enumerate(paths):
        try:
            lengths.append(media.probe_video_file(path).duration_s)
        except MediaError as exc:
            raise media.ClipError(n, path, str(exc)) from None
    return lengths


def _are(n: int) -> str:
    return f"is only {n} clip" if n == 1 else f"are only {n} clips"


class AssembleShort(NodeType):
    type_id = "assemble_short"
    title = "Assemble Short"
    category = "video"
    description = "Joins clips in order into one 9:16 MP4 (H.264): the final cut."
    inputs = (
        Port(
            "clips",
            PortType.VIDEO,
            label="Clips",
            optional=True,
            multiple=True,
            help="Each connection is a clip, in the order connected",
        ),
        Port(
            "shots",
            PortType.VIDEO,
            label="Shot videos",
            optional=True,
            is_list=True,
            help="A list of videos (one per shot), after the clips",
        ),
        Port(
            "shot_list",
            PortType.SHOTS,
            label="Shot list",
            optional=True,
            is_list=True,
            help="The shots the videos were made from: each video is cut to its shot's duration",
        ),
    )
    outputs = (Port("video", PortType.VIDEO),)
    params = (
        ParamSpec(
            "trims",
            ParamKind.STRING,
            "",
            label="Trims",
            max_length=2000,
            help="CLIP: START-END in seconds, separated by ';' — e.g. 1: 0.5-4; 3: 0-6",
        ),
        ParamSpec(
            "fit",
            ParamKind.ENUM,
            "cover",
            label="Fit",
            choices=("cover", "contain"),
            choice_labels={
                "cover": "Cover (fill the frame, crop)",
                "contain": "Contain (whole picture, black bars)",
            },
        ),
        ParamSpec(
            "size",
            ParamKind.ENUM,
            "720x1280",
            label="Size",
            choices=tuple(SIZES),
            choice_labels={"720x1280": "720 × 1280 (HD)", "1080x1920": "1080 × 1920 (Full HD)"},
        ),
        ParamSpec("fps", ParamKind.ENUM, 24, label="Frame rate", choices=(24, 25, 30)),
    )

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if not connected & {"clips", "shots"}:
            problems.append("connect the clips to join (Clips or Shot videos)")
        if "shot_list" in connected and "shots" not in connected:
            problems.append("connect the Shot videos made from the shot list")
        try:
            parse_trims(str(params.get("trims") or ""))
        except TrimError as exc:
            problems.append(str(exc))
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        clips = ordered_clips(inputs)
        if not clips:
            raise NodeFailed("no clips to join")
        if len(clips) > MAX_CLIPS:
            raise NodeFailed(f"{len(clips)} clips; a short joins at most {MAX_CLIPS}")
        try:
            trims = parse_trims(str(ctx.params.get("trims") or ""))
        except TrimError as exc:
            raise NodeFailed(str(exc)) from None
        paths = [ctx.library.file_path(clip) for clip in clips]
        cuts: dict[int, float] = {}
        if inputs.get("shot_list") is not None:
            shots = read_shot_list(ctx, inputs["shot_list"])
            videos = shot_videos(inputs)
            if len(videos) != len(shots):
                raise NodeFailed(_count_problem(len(shots), len(videos)))
            first = len(clips) - len(videos)
            try:
                lengths = await ctx.in_thread(clip_lengths, paths[first:])
            except media.ClipError as exc:
                raise NodeFailed(f"clip {first + exc.index + 1}: {exc.problem}") from None
            cuts = {
                n: end
                for n, end in shot_cuts(lengths, [s.duration for s in shots], first + 1).items()
                if n not in trims
            }
        plan = plan_clips(paths, trims, cuts)
        width, height = SIZES[str(ctx.params.get("size") or "720x1280")]
        fps = int(ctx.params.get("fps") or 24)
        fit = str(ctx.params.get("fit") or "cover")
        out = ctx.temp_path(".mp4")
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(ctx.progress, "assembling", fraction)

        ctx.progress("assembling", 0.0)
        try:
            info = await ctx.in_thread(
                media.assemble_clips,
                plan,
                out,
                width=width,
                height=height,
                fps=fps,
                fit=fit,
                cancel=cancel,
                progress=progress,
            )
        except asyncio.CancelledError:
            cancel.set()
            out.unlink(missing_ok=True)
            raise
        except media.ClipError as exc:
            out.unlink(missing_ok=True)
            raise NodeFailed(f"clip {exc.index + 1}: {exc.problem}") from None
        except MediaError as exc:
            out.unlink(missing_ok=True)
            raise NodeFailed(str(exc)) from None
        asset = await ctx.store_file(
            out,
            AssetKind.VIDEO,
            "video/mp4",
            width=info.width,
            height=info.height,
            duration_s=info.duration_s,
        )
        trimmed = f", {len(trims)} trimmed" if trims else ""
        if cuts:
            trimmed += f", {len(cuts)} cut to {'their shots' if len(cuts) > 1 else 'its shot'}"
        ctx.note = f"{len(clips)} clips{trimmed} → {info.duration_s:.1f} s at {width}×{height}"
        return {"video": asset}
