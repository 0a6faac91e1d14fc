"""What Assemble Short hears and shows besides the pictures: the script's lines placed on
the cut's timeline, the captions made from them, and the finished, normalised mix.

Each shot's lines are spoken one after another from just after the shot starts (a line with
no speech gets the time it takes to read it). Captions come from the script — the shots'
dialogue and narration — never from listening to the sound.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from canvastoon_desktop.core.api import (
    AUDIO_RATE,
    Clip,
    Cue,
    Normalised,
    Overlay,
    Shot,
    check_cancel,
    clip_sound,
    decode_audio,
    mixing,
    normalise,
    render_caption,
    timeline_seconds,
)

#: a shot's first line starts this long after the cut, and lines are this far apart
LEAD_S = 0.3
GAP_S = 0.25
READING_CHARS_PER_S = 15.0
MIN_CAPTION_S = 1.0
#: the mix is normalised to a little under the ceiling: the AAC encoder overshoots a bit
ENCODER_HEADROOM_DB = 1.0


@dataclass(frozen=True)
class ScriptLine:
    """A line of the script: one of a shot's dialogue lines, or its narration."""

    shot: int  # 1-based
    text: str
    speaker: str = ""
    narration: bool = False
    speech: Path | None = None  # its spoken audio, when Speech made it


@dataclass(frozen=True)
class Timed:
    line: ScriptLine
    start_s: float
    end_s: float  # where its sound (or reading time) ends
    shot_end_s: float


def script_lines(shots: Sequence[Shot]) -> list[ScriptLine]:
    lines = []
    for shot in shots:
        if shot.narration:
            lines.append(ScriptLine(shot.index, shot.narration, narration=True))
        lines.extend(ScriptLine(shot.index, d.line, d.speaker) for d in shot.dialogue)
    return lines


def with_speech(
    lines: Sequence[ScriptLine], spoken: Sequence[tuple[dict[str, Any], Path]]
) -> tuple[list[ScriptLine], list[str]]:
    """Pair each script line with the Speech made for it (Dialogue Lines docs with their
    audio), by shot and words; returns the lines and the spoken lines no script line has."""
    unused = list(spoken)
    out = []
    for line in lines:
        match = next(
            (
                i
                for i, (doc, _path) in enumerate(unused)
                if int(doc.get("shot") or 0) == line.shot
                and " ".join(str(doc.get("line") or "").split()) == " ".join(line.text.split())
            ),
            None,
        )
        if match is None:
            out.append(line)
            continue
        _doc, path = unused.pop(match)
        out.append(ScriptLine(line.shot, line.text, line.speaker, line.narration, speech=path))
    strays = [f"shot {d.get('shot')}: {d.get('line')!r}" for d, _p in unused]
    return out, strays


def place_lines(
    lines: Sequence[ScriptLine], shot_bounds: Sequence[float], durations: dict[Path, float]
) -> list[Timed]:
    """Each line's time on the cut: in its shot, after the shot's earlier lines."""
    timed = []
    cursor: dict[int, float] = {}
    for line in lines:
        k = line.shot - 1
        if not 0 <= k < len(shot_bounds) - 1:
            continue
        start_of_shot, end_of_shot = shot_bounds[k], shot_bounds[k + 1]
        start = cursor.get(k, start_of_shot + min(LEAD_S, (end_of_shot - start_of_shot) / 4))
        if line.speech is not None:
            length = durations[line.speech]
        else:
            length = max(MIN_CAPTION_S, len(line.text) / READING_CHARS_PER_S)
        timed.append(Timed(line, start, start + length, end_of_shot))
        cursor[k] = start + length + GAP_S
    return timed


def cues(timed: Sequence[Timed], *, speakers: bool = False) -> list[Cue]:
    """Caption cues: each line from its start while it is heard (at least a second, so it
    can be read), never past its shot nor over the next line."""
    out: list[Cue] = []
    ordered = sorted(timed, key=lambda t: t.start_s)
    for i, item in enumerate(ordered):
        line = item.line
        if item.start_s >= item.shot_end_s:
            continue  # its shot is over before it would start: it has no room
        end = max(item.end_s, item.start_s + MIN_CAPTION_S)
        if i + 1 < len(ordered):
            end = min(end, ordered[i + 1].start_s)
        end = min(end, item.shot_end_s)
        text = f"{line.speaker}: {line.text}" if speakers and line.speaker else line.text
        out.append(Cue(round(item.start_s, 3), round(end, 3), text, line.narration))
    return out


def caption_track(
    cues_: Sequence[Cue], width: int, height: int, fps: int
) -> Callable[[int], Overlay | None]:
    """The caption overlay to burn into each output frame (rendered once per cue)."""
    overlays = [render_caption(c.text, width, height, narration=c.narration) for c in cues_]
    starts = [c.start_s for c in cues_]

    def at(frame: int) -> Overlay | None:
        t = (frame + 0.5) / fps
        i = bisect.bisect_right(starts, t) - 1
        if i >= 0 and t < cues_[i].end_s:
            return overlays[i]
        return None

    return at


@dataclass(frozen=True)
class Soundtrack:
    samples: np.ndarray | None
    loudness: Normalised | None
    notes: tuple[str, ...] = ()


def build_soundtrack(
    clips: Sequence[Clip],
    fps: int,
    *,
    keep_clip_sound: set[int] | None,
    timed: Sequence[Timed],
    music: Path | None,
    target_lufs: float,
    ceiling_dbtp: float,
    cancel: threading.Event | None = None,
) -> Soundtrack:
    """The cut's finished sound: the kept clips' own sound, each line's speech at its time,
    the music bed ducked under the speech — normalised in two passes (blocking)."""
    bounds = timeline_seconds(clips, fps)
    length = round(bounds[-1] * AUDIO_RATE)
    clip_track = clip_sound(clips, fps, keep=keep_clip_sound, cancel=cancel)
    check_cancel(cancel)
    placed = [mixing.Placed(decode_audio(t.line.speech), t.start_s) for t in timed if t.line.speech]
    speech = mixing.place(length, placed) if placed else None
    bed = decode_audio(music) if music is not None else None
    check_cancel(cancel)
    if clip_track is None and speech is None and bed is None:
        return Soundtrack(None, None)
    track = mixing.mix(length, clip_sound=clip_track, speech=speech, music=bed)
    result = normalise(
        track, target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp - ENCODER_HEADROOM_DB
    )
    notes: tuple[str, ...] = ()
    if result.before.silent:
        notes = ("the sound is silent",)
    return Soundtrack(result.samples, result, notes)


def music_beats(music: Path) -> list[float]:
    return mixing.beat_times(decode_audio(music))
