"""Assemble Short's sound and cut, measured in the MP4 it writes: each clip's own sound kept
or muted as ``clip_sound`` says, the music bed ducked under a spoken line by the stated
depth, and cuts moved onto the music's beats without changing the episode's length."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.media.audio import write_wav
from canvastoon_desktop.core.media.mix import DUCK_DB, beat_times
from canvastoon_desktop.core.pricing import PriceTable
from tests.support.library_factory import mp4_file
from tests.support.library_sources import registry_with_library_assets, shot_doc

REGISTRY = registry_with_library_assets()
FPS = 24  # the cut's rate
RATE = 48_000


class Rig:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.library = Library(root / "library")
        self.executor = Executor(REGISTRY, self.library, PriceTable.load(), adapters={})
        self.count = 0

    def clip(self, seconds: float, *, tone_hz: float | None = None) -> Asset:
        self.count += 1
        path = mp4_file(
            self.root / f"clip{self.count}.mp4", self.count, seconds=seconds, tone_hz=tone_hz
        )
        return self.library.put_file(
            path, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=seconds
        )

    def sound(self, samples: np.ndarray) -> Asset:
        self.count += 1
        path = write_wav(self.root / f"sound{self.count}.wav", samples)
        return self.library.put_file(
            path, AssetKind.AUDIO, "audio/wav", duration_s=samples.shape[-1] / RATE
        )

    def source(self, graph: Graph, assets: Sequence[Asset]) -> str:
        node = graph.create_node(
            "test.library_assets", params={"shas": ",".join(a.sha256 for a in assets)}
        )
        return node.id

    def cut(self, graph: Graph, **params: Any) -> tuple[Path, str | None]:
        summary = asyncio.run(self.executor.run(graph))
        (node,) = (n for n in graph.nodes.values() if n.type == "assemble_short")
        outcome = summary.nodes[node.id]
        assert outcome.status == "done", outcome.error
        return outcome.outputs["video"].path, outcome.note


@pytest.fixture
def rig(tmp_path: Path):
    made = Rig(tmp_path)
    yield made
    made.library.close()


def shot(index: int, duration: float, dialogue: Sequence[dict] = ()) -> dict[str, Any]:
    return shot_doc(index, duration, characters=["Mina"], dialogue=dialogue)


def tone(hz: float, seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    mono = (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([mono, mono])


def heard(path: Path) -> np.ndarray:
    """The MP4's sound as mono samples at 48 kHz (silence if it has no audio stream)."""
    with av.open(str(path)) as container:
        length = float(container.duration or 0) / av.time_base
        if not container.streams.audio:
            return np.zeros(round(length * RATE), np.float32)
        stream = container.streams.audio[0]
        assert stream.codec_context.sample_rate == RATE
        chunks = [
            f.to_ndarray().reshape(len(f.layout.channels), -1) for f in container.decode(stream)
        ]
    return np.concatenate(chunks, axis=1).mean(axis=0)


def level_db(samples: np.ndarray, start_s: float, end_s: float, hz: float | None = None) -> float:
    """The level of a window: of the tone at ``hz`` (its amplitude, by correlating with it),
    or of everything in it (its peak)."""
    window = samples[round(start_s * RATE) : round(end_s * RATE)]
    if hz is None:
        amplitude = float(np.abs(window).max())
    else:
        t = np.arange(window.shape[0]) / RATE
        amplitude = 2 * abs(np.mean(window * np.exp(-2j * np.pi * hz * t)))
    return 20 * np.log10(max(amplitude, 1e-9))


# -- each clip's own sound ---------------------------------------------------------------


def clips_with_sound(rig: Rig, clip_sound: str) -> Graph:
    """Two 1.5 s clips that came with sound (440 Hz, then 660 Hz), joined."""
    graph = Graph(REGISTRY)
    cut = graph.create_node("assemble_short", params={"fps": FPS, "clip_sound": clip_sound})
    for hz in (440.0, 660.0):
        source = rig.source(graph, [rig.clip(1.5, tone_hz=hz)])
        graph.connect(Edge(source, "video", cut.id, "clips"))
    return graph


@pytest.mark.slow
def test_a_kept_clip_is_heard_at_its_time_and_a_muted_one_is_silent(rig: Rig) -> None:
    both, _ = rig.cut(clips_with_sound(rig, "all"))
    sound = heard(both)
    assert level_db(sound, 0.2, 1.3, 440) > -30  # clip 1 plays in its 1.5 s …
    assert level_db(sound, 0.2, 1.3, 660) < -60
    assert level_db(sound, 1.7, 2.8, 660) > -30  # … and clip 2 in its own
    assert level_db(sound, 1.7, 2.8, 440) < -60

    second_only, _ = rig.cut(clips_with_sound(rig, "2"))
    sound = heard(second_only)
    assert level_db(sound, 0.05, 1.45) < -60  # clip 1 muted: nothing at all there
    assert level_db(sound, 1.7, 2.8, 660) > -30


@pytest.mark.slow
def test_muting_every_clip_leaves_the_short_silent(rig: Rig) -> None:
    silent, _ = rig.cut(clips_with_sound(rig, "none"))
    sound = heard(silent)
    assert sound.shape[0] >= 2.9 * RATE
    assert level_db(sound, 0.0, 2.95) < -60


# -- the music bed under the dialogue ------------------------------------------------------

LINE = {"speaker": "Mina", "line": "Wait for me!"}


def spoken_episode(rig: Rig) -> Graph:
    """Two silent 3 s shots; in the second, one line (1 s of a 1 kHz tone, as its speech)
    over a steady 220 Hz music bed."""
    graph = Graph(REGISTRY)
    shots = [rig.library.put_json(shot(1, 3.0)), rig.library.put_json(shot(2, 3.0, [LINE]))]
    line = rig.library.put_json({"shot": 2, "number": 1, **LINE, "voice": "", "offline_voice": ""})
    cut = graph.create_node("assemble_short", params={"fps": FPS, "captions": False}).id
    wiring = (
        ([rig.clip(3.0), rig.clip(3.0)], "videos", "shots"),
        (shots, "shots", "shot_list"),
        ([rig.sound(tone(1000.0, 1.0))], "audios", "speech"),
        ([line], "lines", "lines"),
        ([rig.sound(tone(220.0, 8.0))], "audio", "music"),
    )
    for assets, out_port, in_port in wiring:
        graph.connect(Edge(rig.source(graph, assets), out_port, cut, in_port))
    return graph


@pytest.mark.slow
def test_the_music_bed_is_ducked_under_speech_by_the_stated_depth(rig: Rig) -> None:
    path, _ = rig.cut(spoken_episode(rig))
    sound = heard(path)
    # the line is spoken from 0.3 s into shot 2 (3.3 s) for its 1 s
    assert level_db(sound, 3.5, 4.2, 1000) > -30
    before = level_db(sound, 1.4, 2.6, 220)  # after the bed's fade-in, before the line
    under = level_db(sound, 3.55, 4.2, 220)
    assert before > -40, "the bed is not there"
    assert under - before == pytest.approx(DUCK_DB, abs=1.0)


# -- cuts on the beat ----------------------------------------------------------------------


def click_track(seconds: float, first_s: float, period_s: float) -> tuple[np.ndarray, list]:
    """A kick drum on every beat: (samples, the beat times)."""
    n = round(seconds * RATE)
    mono = np.zeros(n, np.float32)
    k = np.arange(round(0.15 * RATE))
    kick = (0.6 * np.sin(2 * np.pi * 60 * k / RATE) * np.exp(-k / RATE * 30)).astype(np.float32)
    beats = list(np.arange(first_s, seconds - 0.15, period_s))
    for b in beats:
        i = round(b * RATE)
        mono[i : i + kick.shape[0]] += kick
    return np.stack([mono, mono]), beats


def cut_times(path: Path) -> tuple[list[float], float]:
    """Where the picture changes from one clip's colour to the next, and the length."""
    colours = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24").reshape(-1, 3)
            colours.append(np.median(rgb, axis=0))
    jumps = [
        i / FPS for i in range(1, len(colours)) if np.abs(colours[i] - colours[i - 1]).max() > 20
    ]
    return jumps, len(colours) / FPS


def beat_episode(rig: Rig, music: np.ndarray, *, snap: bool) -> Graph:
    """Three 2 s shots, each made from a 3 s video (room to cut later), over the music."""
    graph = Graph(REGISTRY)
    shots = [rig.library.put_json(shot(i, 2.0)) for i in (1, 2, 3)]
    cut = graph.create_node(
        "assemble_short", params={"fps": FPS, "snap_to_beats": snap, "captions": False}
    ).id
    wiring = (
        ([rig.clip(3.0) for _ in range(3)], "videos", "shots"),
        (shots, "shots", "shot_list"),
        ([rig.sound(music)], "audio", "music"),
    )
    for assets, out_port, in_port in wiring:
        graph.connect(Edge(rig.source(graph, assets), out_port, cut, in_port))
    return graph


@pytest.mark.slow
def test_cuts_snap_to_the_musics_beats_and_the_episode_keeps_its_length(rig: Rig) -> None:
    # 120 BPM from 0.2 s: the planned cuts (2 s, 4 s) fall between beats
    music, clicks = click_track(10.0, 0.2, 0.5)
    detected = beat_times(music)
    assert np.abs(np.subtract.outer(clicks[:12], detected[:12])).min(axis=1).max() < 0.02

    plain, _ = rig.cut(beat_episode(rig, music, snap=False))
    planned, plain_length = cut_times(plain)
    assert planned == pytest.approx([2.0, 4.0], abs=1 / FPS)

    snapped, note = rig.cut(beat_episode(rig, music, snap=True))
    cuts, length = cut_times(snapped)
    assert len(cuts) == 2
    for cut in cuts:
        assert min(abs(cut - beat) for beat in detected) <= 1 / FPS + 1e-6, (cut, detected)
        assert all(abs(cut - p) > 1 / FPS for p in planned), "the cut did not move"
    assert length == pytest.approx(plain_length, abs=1 / FPS) == pytest.approx(6.0, abs=1 / FPS)
    starts = [0.0, *cuts, length]
    for k in range(3):  # no shot longer than its 3 s video, none shorter than a second
        assert 1.0 - 1 / FPS <= starts[k + 1] - starts[k] <= 3.0 + 1 / FPS
    assert "2 cuts on the beat" in (note or "")
