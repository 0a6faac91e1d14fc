"""The offline episode, finished: it speaks, plays its music bed, reads (captions from the
script) and becomes a webtoon strip — and all of it checked by measuring what was written,
independently of the code that wrote it."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest
from PIL import Image
from scipy.signal import resample_poly

from canvastoon_desktop.core.events import NodeCached, NodeDone, RunEvent
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.list_edit import edit_json_item
from canvastoon_desktop.core.media.captions import safe_zone
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.resources import examples_dir
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry

pytestmark = pytest.mark.slow


class Episode:
    def __init__(self, root: Path) -> None:
        shutil.copytree(examples_dir(), root / "examples", ignore=shutil.ignore_patterns("exports"))
        self.path = root / "examples" / "offline_episode.ctoon"
        self.executor = Executor(
            default_registry(),
            Library(root / "library"),
            PriceTable.load(),
            adapters={"local": LocalAdapter()},
        )
        self.graph = load_graph(self.path, default_registry())
        self.summary, self.events = self.run(self.graph)
        assert self.summary.status == "done", {
            n: o.error for n, o in self.summary.nodes.items() if o.error
        }

    def run(self, graph, targets=None):
        events: list[RunEvent] = []
        summary = asyncio.run(
            self.executor.run(graph, graph_path=self.path, on_event=events.append, targets=targets)
        )
        return summary, events

    def output(self, node: str, port: str):
        return self.summary.nodes[node].outputs[port]

    @property
    def library(self) -> Library:
        return self.executor.library

    def shots(self) -> list[dict]:
        return [self.library.read_json(a) for a in self.output("shots", "shots").items]


@pytest.fixture(scope="module")
def episode(tmp_path_factory) -> Episode:
    return Episode(tmp_path_factory.mktemp("finished"))


def decoded_sound(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        assert container.streams.audio, "the MP4 has no audio stream"
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        rate = stream.codec_context.sample_rate
        frames = [
            f.to_ndarray().reshape(stream.codec_context.channels, -1)
            for f in container.decode(stream)
        ]
    return np.concatenate(frames, axis=1).T.astype(np.float64), rate


def test_the_mp4_sounds_at_minus_14_lufs_with_true_peak_under_minus_1_dbtp(episode) -> None:
    samples, rate = decoded_sound(episode.output("episode", "video").path)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)  # BS.1770-4, not FFmpeg
    true_peak = 20 * np.log10(np.abs(resample_poly(samples, 4, 1, axis=0)).max())
    assert -15.0 <= loudness <= -13.0
    assert true_peak <= -1.0


def test_the_short_is_h264_aac_at_the_draft_preset(episode) -> None:
    with av.open(str(episode.output("episode", "video").path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (720, 1280)
        assert float(video.average_rate) == 30


def srt_cues(text: str) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        _number, times, *words = block.splitlines()
        start, end = times.split(" --> ")
        cues.append((seconds(start), seconds(end), " ".join(words)))
    return cues


def test_the_srt_lines_are_the_dialogue_at_their_shots_times(episode) -> None:
    srt = episode.library.read_text(episode.output("episode", "captions"))
    cues = srt_cues(srt)
    spoken = [(c[0], c[1], c[2]) for c in cues if not c[2].startswith("<i>")]
    narrated = [re.sub(r"</?i>", "", c[2]) for c in cues if c[2].startswith("<i>")]
    shots = episode.shots()
    dialogue = [(k, d["line"]) for k, s in enumerate(shots) for d in s["dialogue"]]
    assert [words for _s, _e, words in spoken] == [line for _k, line in dialogue]
    assert narrated == [s["narration"] for s in shots if s["narration"]]
    starts = np.cumsum([0.0] + [s["duration"] for s in shots])
    for (start, end, words), (k, _line) in zip(spoken, dialogue, strict=True):
        assert starts[k] <= start < end <= starts[k + 1] + 1 / 30, (words, start, end, k)


def test_the_srt_is_exported_beside_the_mp4_under_its_name(episode) -> None:
    """Players pick up a sidecar only when its stem is the video's."""
    folder = episode.path.parent / "exports" / "offline_episode"
    video = episode.output("episode", "video")
    (mp4,) = folder.glob(f"*_{video.sha256[:10]}.mp4")
    srt = mp4.with_suffix(".srt")
    assert srt.is_file(), sorted(p.name for p in folder.iterdir())
    assert srt.read_text("utf-8") == episode.library.read_text(
        episode.output("episode", "captions")
    )


def frame_at(path: Path, at_s: float) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time >= at_s:
                return frame.to_ndarray(format="rgb24").astype(int)
    raise AssertionError(f"no frame at {at_s} s")


def test_caption_pixels_stay_inside_the_safe_zone(episode) -> None:
    graph = episode.graph.copy()
    graph.nodes["episode"].params["captions"] = False
    plain, _ = episode.run(graph, targets=["episode"])
    captioned_path = episode.output("episode", "video").path
    plain_path = plain.nodes["episode"].outputs["video"].path
    zone = safe_zone(720, 1280)
    cues = srt_cues(episode.library.read_text(episode.output("episode", "captions")))
    for start, end, _words in cues:
        a = frame_at(captioned_path, (start + end) / 2)
        b = frame_at(plain_path, (start + end) / 2)
        changed = np.abs(a - b).max(axis=2) > 60  # well above the encoder's own noise
        ys, xs = np.nonzero(changed)
        assert len(ys) > 500, "the caption is not there"
        assert zone.top <= ys.min() and ys.max() < zone.bottom
        assert zone.left <= xs.min() and xs.max() < zone.right


def test_the_strip_slices_are_800_wide_at_most_1280_tall_and_2_mb(episode) -> None:
    slices = episode.output("strip", "slices").items
    assert len(slices) >= 6
    total = 0
    for asset in slices:
        assert asset.mime == "image/jpeg"
        assert asset.size <= 2 * 1024 * 1024
        with Image.open(asset.path) as image:
            assert image.format == "JPEG"
            assert image.width == 800 and image.height <= 1280
            total += image.height
    preview = episode.output("strip", "preview")
    assert (preview.width, preview.height) == (800, total)


def test_editing_one_line_of_dialogue_respeaks_only_that_line_and_remixes(episode) -> None:
    graph = episode.graph.copy()
    shots = episode.shots()
    k = 2
    changed = dict(shots[k]["dialogue"][0], line="Five, six — now!")
    edit_json_item(
        graph,
        episode.library,
        "shots",
        episode.summary.nodes["shots"].outputs,
        "shots",
        k,
        {"dialogue": [changed]},
    )
    summary, events = episode.run(graph)
    assert summary.status == "done"

    def items(kind, node):
        return sorted(e.item for e in events if isinstance(e, kind) and e.node_id == node)

    lines = [episode.library.read_json(a) for a in summary.nodes["dialogue"].outputs["lines"].items]
    edited = next(i for i, line in enumerate(lines) if line["line"] == "Five, six — now!")
    assert items(NodeDone, "voices") == [edited]  # one line spoken again
    assert items(NodeCached, "voices") == [i for i in range(len(lines)) if i != edited]
    for node in ("cards", "cleanup", "clips"):  # no picture is made again
        assert items(NodeDone, node) == [], node
        assert items(NodeCached, node) == list(range(6)), node
    assert items(NodeDone, "episode") == [None]  # the mix is made again
    srt = summary.nodes["episode"].outputs["captions"]
    assert "Five, six — now!" in episode.library.read_text(srt)
