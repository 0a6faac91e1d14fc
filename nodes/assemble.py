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

A finished short also sounds and reads: the ``speech`` list (Speech fed Dialogue Lines, with
the ``lines`` list) is placed at its shots' times, the ``music`` bed plays under it and
ducks while someone speaks, each clip's own sound (Veo's) is kept or muted (``clip_sound``),
cuts can snap to the music's beats, and the mix is normalised in two passes to the preset's
loudness (−14 LUFS integrated, true peak under −1 dBTP) as the MP4's AAC track. Captions
come from the shot list's dialogue and narration — burned in inside the platforms' safe zone
and written as an SRT sidecar (the ``captions`` output).

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
from pathlib import Path
from typing import Any

from canvastoon_desktop.core.api import (
    CUSTOM,
    PRESETS,
    Asset,
    AssetKind,
    Clip,
    ClipError,
    ItemList,
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
    ShotListError,
    assemble_clips,
    probe_audio_file,
    probe_video_file,
    shot_from_json,
    snap_cuts,
    timeline_seconds,
    to_srt,
)

from . import _soundtrack as soundtrack
from .shots import parse_selection

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
) -> list[Clip]:
    """What to take of each clip: its explicit trim, else its shot's cut (clip number →
    seconds from the start), else all of it."""
    beyond = sorted(n for n in trims if n > len(paths))
    if beyond:
        raise NodeError(f"trims name clip {beyond[0]}, but there {_are(len(paths))}")
    cuts = shot_cuts or {}
    clips = []
    for i, path in enumerate(paths, start=1):
        if i in trims:
            clips.append(Clip(path, trims[i].start_s, trims[i].end_s))
        elif i in cuts:
            clips.append(Clip(path, 0.0, cuts[i]))
        else:
            clips.append(Clip(path))
    return clips


def shot_cuts(
    clip_seconds: Sequence[float], shot_seconds: Sequence[float], first_clip: int = 1
) -> dict[int, float]:
    """Clip number → where to cut it, for the shot videos longer than their shots.

    ``clip_seconds[k]`` is the length of shot k's video and ``shot_seconds[k]`` the shot's
    duration; shot videos are numbered from ``first_clip`` (after the separate clips)."""
    if len(clip_seconds) != len(shot_seconds):
        raise NodeError(_count_problem(len(shot_seconds), len(clip_seconds)))
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
            raise NodeError(f"shot {n} of the shot list is missing")
        try:
            shots.append(shot_from_json(ctx.json(asset)))
        except ShotListError as exc:
            raise NodeError(f"shot {n} of the shot list: {exc}") from None
    return shots


def clip_lengths(paths: Sequence[Any]) -> list[float]:
    """Each video's length in seconds (blocking: run in a worker thread)."""
    lengths = []
    for n, path in enumerate(paths):
        try:
            lengths.append(probe_video_file(path).duration_s)
        except MediaError as exc:
            raise ClipError(n, path, str(exc)) from None
    return lengths


def _are(n: int) -> str:
    return f"is only {n} clip" if n == 1 else f"are only {n} clips"


def kept_clips(text: str, count: int) -> set[int] | None:
    """``clip_sound``: "all" (None: every clip), "none", or clip numbers such as 1,3-4
    (0-based indices of the clips whose own sound is kept)."""
    value = (text or "all").strip().lower()
    if value == "all":
        return None
    if value == "none":
        return set()
    return set(parse_selection(value, count))


class AssembleShort(NodeType):
    type_id = "assemble_short"
    title = "Assemble Short"
    category = "video"
    description = (
        "Joins clips into one 9:16 MP4 (H.264/AAC) with dialogue, music and captions: "
        "the final cut."
    )
    version = 2  # sound is mixed and normalised, captions burned in
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
        Port(
            "speech",
            PortType.AUDIO,
            label="Dialogue",
            optional=True,
            is_list=True,
            help="Speech fed Dialogue Lines: each line placed at its shot's time",
        ),
        Port(
            "lines",
            PortType.LINE,
            label="Dialogue lines",
            optional=True,
            is_list=True,
            help="The Dialogue Lines the speech was made from (which shot each belongs to)",
        ),
        Port("music", PortType.AUDIO, optional=True, help="A music bed, ducked under speech"),
    )
    outputs = (
        Port("video", PortType.VIDEO),
        Port("captions", PortType.TEXT, help="The captions as SubRip (.srt)"),
    )
    params = (
        ParamSpec(
            "preset",
            ParamKind.ENUM,
            CUSTOM,
            label="Preset",
            choices=(CUSTOM, *PRESETS),
            choice_labels={
                CUSTOM: "Custom (Size and Frame rate below)",
                **{p.id: f"{p.label} — {p.summary}" for p in PRESETS.values()},
            },
        ),
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
        ParamSpec(
            "clip_sound",
            ParamKind.STRING,
            "all",
            label="Clips' own sound",
            max_length=200,
            help="all, none, or the clips whose sound plays (e.g. 1,3-4); the rest are muted",
        ),
        ParamSpec(
            "snap_to_beats",
            ParamKind.BOOL,
            False,
            label="Cut on the beat",
            help="Move each cut to the music's nearest beat (within half a second)",
        ),
        ParamSpec("captions", ParamKind.BOOL, True, label="Burn in captions"),
        ParamSpec(
            "caption_speakers",
            ParamKind.BOOL,
            False,
            label="Speaker names in captions",
        ),
    )

    @classmethod
    def check(cls, catalog: Any, params: Mapping[str, Any], connected: frozenset[str]) -> list[str]:
        problems = super().check(catalog, params, connected)
        if not connected & {"clips", "shots"}:
            problems.append("connect the clips to join (Clips or Shot videos)")
        if "shot_list" in connected and "shots" not in connected:
            problems.append("connect the Shot videos made from the shot list")
        if connected & {"speech", "lines"} and not {"speech", "lines", "shot_list"} <= connected:
            problems.append(
                "dialogue needs Dialogue (Speech), Dialogue lines and the Shot list connected"
            )
        if params.get("snap_to_beats") and not {"music", "shot_list"} <= connected:
            problems.append("cutting on the beat needs the Music and the Shot list connected")
        if str(params.get("clip_sound") or "all").strip().lower() not in ("all", "none"):
            try:
                parse_selection(str(params.get("clip_sound")), MAX_CLIPS)
            except NodeError as exc:
                problems.append(f"clips' own sound: {exc}")
        try:
            parse_trims(str(params.get("trims") or ""))
        except TrimError as exc:
            problems.append(str(exc))
        return problems

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        clips = ordered_clips(inputs)
        if not clips:
            raise NodeError("no clips to join")
        if len(clips) > MAX_CLIPS:
            raise NodeError(f"{len(clips)} clips; a short joins at most {MAX_CLIPS}")
        try:
            trims = parse_trims(str(ctx.params.get("trims") or ""))
        except TrimError as exc:
            raise NodeError(str(exc)) from None
        paths = [ctx.library.file_path(clip) for clip in clips]
        cuts: dict[int, float] = {}
        shots: list[Shot] = []
        first = len(clips)
        if inputs.get("shot_list") is not None:
            shots = read_shot_list(ctx, inputs["shot_list"])
            videos = shot_videos(inputs)
            if len(videos) != len(shots):
                raise NodeError(_count_problem(len(shots), len(videos)))
            first = len(clips) - len(videos)
            try:
                lengths = await ctx.in_thread(clip_lengths, paths[first:])
            except ClipError as exc:
                raise NodeError(f"clip {first + exc.index + 1}: {exc.problem}") from None
            cuts = {
                n: end
                for n, end in shot_cuts(lengths, [s.duration for s in shots], first + 1).items()
                if n not in trims
            }
        plan = plan_clips(paths, trims, cuts)
        preset = PRESETS.get(str(ctx.params.get("preset") or CUSTOM))
        if preset is not None:
            width, height, fps = preset.width, preset.height, preset.fps
            target, ceiling = preset.loudness_lufs, preset.true_peak_dbtp
        else:
            width, height = SIZES[str(ctx.params.get("size") or "720x1280")]
            fps = int(ctx.params.get("fps") or 24)
            target, ceiling = -14.0, -1.0
        fit = str(ctx.params.get("fit") or "cover")
        music = ctx.library.file_path(inputs["music"]) if inputs.get("music") is not None else None
        notes: list[str] = []
        if ctx.params.get("snap_to_beats") and music is not None and shots:
            plan, moved = await self._snap(ctx, plan, music, first, fps)
            if moved:
                notes.append(f"{moved} cut{'s' if moved != 1 else ''} on the beat")
        try:
            keep = kept_clips(str(ctx.params.get("clip_sound") or "all"), len(plan))
        except NodeError as exc:
            raise NodeError(f"clips' own sound: {exc}") from None
        timed, strays = await self._timed_lines(ctx, inputs, shots, plan, first, fps)
        if strays:
            notes.append(f"{len(strays)} spoken line(s) not in the shot list ({strays[0]})")
        cues = (
            soundtrack.cues(timed, speakers=bool(ctx.params.get("caption_speakers")))
            if shots
            else []
        )
        out = ctx.temp_path(".mp4")
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(ctx.progress, "assembling", fraction)

        ctx.progress("mixing", 0.0)
        try:
            sound = await ctx.in_thread(
                soundtrack.build_soundtrack,
                plan,
                fps,
                keep_clip_sound=keep,
                timed=timed,
                music=music,
                target_lufs=target,
                ceiling_dbtp=ceiling,
                cancel=cancel,
            )
            burn = cues if ctx.params.get("captions", True) else []
            ctx.progress("assembling", 0.0)
            info = await ctx.in_thread(
                assemble_clips,
                plan,
                out,
                width=width,
                height=height,
                fps=fps,
                fit=fit,
                cancel=cancel,
                progress=progress,
                sound=sound.samples,
                keep_clip_sound=keep,
                captions=soundtrack.caption_track(burn, width, height, fps) if burn else None,
            )
        except asyncio.CancelledError:
            cancel.set()
            out.unlink(missing_ok=True)
            raise
        except ClipError as exc:
            out.unlink(missing_ok=True)
            raise NodeError(f"clip {exc.index + 1}: {exc.problem}") from None
        except MediaError as exc:
            out.unlink(missing_ok=True)
            raise NodeError(str(exc)) from None
        asset = await ctx.store_file(
            out,
            AssetKind.VIDEO,
            "video/mp4",
            width=info.width,
            height=info.height,
            duration_s=info.duration_s,
        )
        outputs: dict[str, Any] = {"video": asset}
        if cues:
            data = to_srt(cues).encode("utf-8")
            outputs["captions"] = await ctx.store_bytes(
                data, AssetKind.TEXT, "application/x-subrip"
            )
        trimmed = f", {len(trims)} trimmed" if trims else ""
        if cuts:
            trimmed += f", {len(cuts)} cut to {'their shots' if len(cuts) > 1 else 'its shot'}"
        note = f"{len(clips)} clips{trimmed} → {info.duration_s:.1f} s at {width}×{height}"
        if sound.loudness is not None and not sound.loudness.before.silent:
            note += f"; sound {sound.loudness.after}"
        if cues:
            note += f"; {len(cues)} caption{'s' if len(cues) != 1 else ''}"
        ctx.note = "; ".join([note, *notes, *sound.notes])
        return outputs

    async def _snap(
        self, ctx: NodeContext, plan: list[Clip], music: Any, first: int, fps: int
    ) -> tuple[list[Clip], int]:
        """The shot clips' ends moved onto the music's beats (never past a clip's end)."""
        beats = await ctx.in_thread(soundtrack.music_beats, music)
        paths = [c.path for c in plan]
        full = await ctx.in_thread(clip_lengths, paths)
        starts = [c.trim_start_s for c in plan]
        lengths = [
            (c.trim_end_s if c.trim_end_s is not None else full[i]) - c.trim_start_s
            for i, c in enumerate(plan)
        ]
        offset = sum(lengths[:first])
        shot_lengths = lengths[first:]
        room = [full[first + k] - starts[first + k] for k in range(len(shot_lengths))]
        moved_beats = [b - offset for b in beats if b > offset]
        snapped = snap_cuts(shot_lengths, moved_beats, max_lengths=room)
        new_plan = list(plan[:first])
        moved = 0
        for k, length in enumerate(snapped):
            clip = plan[first + k]
            if abs(length - shot_lengths[k]) > 1 / fps:
                moved += 1
            new_plan.append(Clip(clip.path, clip.trim_start_s, clip.trim_start_s + length))
        return new_plan, moved

    async def _timed_lines(
        self,
        ctx: NodeContext,
        inputs: PortValues,
        shots: list[Shot],
        plan: list[Clip],
        first: int,
        fps: int,
    ) -> tuple[list[soundtrack.Timed], list[str]]:
        """The script's lines with their speech, placed in their shots on the cut."""
        if not shots:
            return [], []
        spoken: list[tuple[dict[str, Any], Path]] = []
        durations: dict[Path, float] = {}
        speech, lines = inputs.get("speech"), inputs.get("lines")
        if isinstance(speech, ItemList) and isinstance(lines, ItemList):
            if len(speech) != len(lines):
                raise NodeError(
                    f"{len(lines)} dialogue lines but {len(speech)} speeches came in: connect "
                    "the Speech made from these Dialogue Lines"
                )
            for line, audio in zip(lines.items, speech.items, strict=True):
                if line is None or audio is None:
                    raise NodeError("a line of dialogue has no speech (its Speech failed)")
                path = ctx.library.file_path(audio)
                spoken.append((ctx.json(line), path))
                durations[path] = float(audio.duration_s or 0.0)
        unknown = [p for p, seconds in durations.items() if seconds <= 0]
        if unknown:
            try:
                durations.update(await ctx.in_thread(audio_seconds, unknown))
            except MediaError as exc:
                raise NodeError(f"a line's speech: {exc}") from None
        script, strays = soundtrack.with_speech(soundtrack.script_lines(shots), spoken)
        bounds = await ctx.in_thread(timeline_seconds, plan, fps)
        shot_bounds = bounds[first : first + len(shots) + 1]
        return soundtrack.place_lines(script, shot_bounds, durations), strays


def audio_seconds(paths: Sequence[Path]) -> dict[Path, float]:
    """Each sound file's length (blocking: run in a worker thread)."""
    return {path: probe_audio_file(path).duration_s for path in paths}
