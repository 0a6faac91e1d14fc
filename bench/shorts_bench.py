"""Finished shorts (issue: shorts).

``assemble_8_shots_with_audio_s``: Assemble Short's own work for an 8-shot episode at the
draft preset (720 × 1280, 30 fps, 32 s): the clips' timeline, each of 8 spoken lines placed
in its shot, the music bed looped and ducked under them, two-pass loudness normalisation,
captions burned into every frame they show on, H.264 + AAC written — median of 3 runs, in
seconds. The inputs (pan/zoom clips, eSpeak NG lines, the bundled bed) are made first and
not timed.

``assemble_8_shots_with_audio_cpu_s``: the same work's CPU time (every thread of the
process; the median run's), which a shared machine's load moves far less than the wall
clock.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from canvastoon_desktop.core import media
from canvastoon_desktop.core.media.assemble import timeline_seconds
from canvastoon_desktop.core.media.audio import probe_audio_file
from canvastoon_desktop.core.resources import examples_dir
from canvastoon_desktop.core.shots import Shot
from canvastoon_desktop.providers.local.kenburns import render_pan_zoom
from canvastoon_desktop.providers.local.speech import speak_to_wav
from canvastoon_desktop.providers.local.storyboard import render_storyboard_card
from nodes import _soundtrack as soundtrack

from .figures import Figure

SHOTS = 8
SECONDS = 4.0
FPS = 30
LINES = [
    "Seoul, midnight.",
    "Wait for me!",
    "Five, six, seven, eight.",
    "The city is listening.",
    "Together, then.",
    "One more time.",
    "Look at the lights.",
    "See you tomorrow night.",
]


def _inputs(root: Path) -> tuple[list[media.Clip], list[Shot], list[Path]]:
    clips, shots, speech = [], [], []
    for k in range(SHOTS):
        card = render_storyboard_card(f"Shot {k + 1}: Mina dances in the rain", seed=k)
        path = root / f"clip{k}.mp4"
        render_pan_zoom(card, path, duration_s=SECONDS, fps=FPS, motion="zoom_in")
        clips.append(media.Clip(path, 0.0, SECONDS))
        shots.append(
            Shot(
                index=k + 1,
                title=f"Shot {k + 1}",
                duration=SECONDS,
                image_prompt="x",
                video_prompt="x",
                camera="x",
                role="motion",
                characters=["Mina"],
                dialogue=[{"speaker": "Mina", "line": LINES[k]}],
            )
        )
        speech.append(
            speak_to_wav(LINES[k], root / f"line{k}.wav", voice="en-us", speed=165, pitch=50)
        )
    return clips, shots, speech


def _assemble(root: Path, clips, shots, speech, run: int) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    spoken = [({"shot": k + 1, "line": LINES[k]}, path) for k, path in enumerate(speech)]
    script, _strays = soundtrack.with_speech(soundtrack.script_lines(shots), spoken)
    durations = {p: probe_audio_file(p).duration_s for p in speech}
    bounds = timeline_seconds(clips, FPS)
    timed = soundtrack.place_lines(script, bounds, durations)
    sound = soundtrack.build_soundtrack(
        clips,
        FPS,
        keep_clip_sound=None,
        timed=timed,
        music=examples_dir() / "music" / "neon_rain_bed.mp3",
        target_lufs=-14.0,
        ceiling_dbtp=-1.0,
    )
    cues = soundtrack.cues(timed)
    media.assemble_clips(
        clips,
        root / f"short{run}.mp4",
        width=720,
        height=1280,
        fps=FPS,
        sound=sound.samples,
        captions=soundtrack.caption_track(cues, 720, 1280, FPS),
    )
    return time.perf_counter() - started, time.process_time() - cpu


def run() -> Iterator[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clips, shots, speech = _inputs(root)
        runs = sorted(_assemble(root, clips, shots, speech, i) for i in range(3))
    wall, cpu = runs[len(runs) // 2]
    yield Figure("assemble_8_shots_with_audio_s", wall, 30.0)
    yield Figure("assemble_8_shots_with_audio_cpu_s", cpu, 30.0)
