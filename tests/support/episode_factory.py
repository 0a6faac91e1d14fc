"""A library holding episodes as the executor writes them: runs of episode graphs, each with
a shot list, per-shot assets (main cut, cleanup, clip — ``item`` = the shot, 0-based) and
the assembled cut, for the gallery's and the queries' episode grouping tests."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.library import Library, ResultRecord

from .library_factory import mp4_file, png_bytes

PER_SHOT = (
    ("cuts", "Main cuts", "image_gen", "google/gemini-3-pro-image-edit"),
    ("cleanup", "Cleanup", "inpaint", "allenhooo/lama"),
    ("clips", "Routed clips", "route_video", "bytedance/seedance-1-pro-fast"),
)


@dataclass
class Episode:
    graph_path: str
    graph_name: str
    run_id: str
    started_at: float
    shot_list: Asset | None = None
    cut: Asset | None = None
    #: shot number (1-based) → the assets made for it, in pipeline order
    shots: dict[int, list[Asset]] = field(default_factory=dict)

    def assets(self) -> list[Asset]:
        made = [a for a in (self.shot_list, self.cut) if a is not None]
        return made + [a for shot in self.shots.values() for a in shot]


@dataclass
class EpisodeLibrary:
    library: Library
    root: Path
    episodes: list[Episode] = field(default_factory=list)
    loose: list[Asset] = field(default_factory=list)  # imported: made by no run
    _n: int = 0
    _clip: bytes | None = field(default=None, repr=False)

    def _unique(self) -> int:
        self._n += 1
        return self._n

    def _image(self) -> Asset:
        n = self._unique()
        return self.library.put_bytes(
            png_bytes(n, label=f"#{n}"), AssetKind.IMAGE, "image/png", width=90, height=160
        )

    def _video(self) -> Asset:
        if self._clip is None:
            path = mp4_file(self.root / "clip.mp4", 1)
            self._clip = path.read_bytes()
        data = self._clip + b"\0" * 8 + self._unique().to_bytes(8, "big")
        return self.library.put_bytes(
            data, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=1.0
        )

    def _record(
        self,
        episode: Episode,
        node_id: str,
        title: str,
        node_type: str,
        model: str | None,
        port: str,
        asset: Asset,
        item: int | None,
    ) -> None:
        key = hashlib.sha256(f"{episode.run_id}:{node_id}:{item}:{asset.sha256}".encode())
        self.library.record_result(
            ResultRecord(
                cache_key=key.hexdigest(),
                node_id=node_id,
                node_type=node_type,
                outputs={port: asset},
                run_id=episode.run_id,
                graph_id="g-" + episode.graph_name,
                graph_path=episode.graph_path,
                node_title=title,
                item=item,
                model=model,
                provider="local" if model is None else "aiml",
                prompt=f"{title} {item}",
            )
        )

    def run(
        self, graph: str, name: str, shots: list[int], *, shot_list: bool = True, cut: bool = True
    ) -> Episode:
        """One run of graph ``graph`` (file name, under root) that made ``shots`` (1-based)."""
        path = str(self.root / graph)
        episode = Episode(path, name, uuid.uuid4().hex, 0.0)
        self.library.begin_run(
            episode.run_id, graph_id="g-" + name, graph_path=path, graph_name=name
        )
        if shot_list:
            episode.shot_list = self.library.put_json(
                {"shots": shots, "graph": name, "n": self._unique()}
            )
            self._record(
                episode,
                "shots",
                "Shot list",
                "prompt_llm",
                "gpt-4o",
                "shots",
                episode.shot_list,
                None,
            )
        for shot in shots:
            made = []
            for node_id, title, node_type, model in PER_SHOT:
                asset = self._video() if node_id == "clips" else self._image()
                port = "video" if node_id == "clips" else "image"
                self._record(episode, node_id, title, node_type, model, port, asset, shot - 1)
                made.append(asset)
            episode.shots[shot] = made
        if cut:
            episode.cut = self._video()
            self._record(
                episode, "episode", "Episode", "assemble_short", None, "video", episode.cut, None
            )
        self.library.finish_run(episode.run_id, "done", 0.0)
        self.library.flush(wait=True)
        rows = self.library.runs(limit=100)
        episode.started_at = next(r["started_at"] for r in rows if r["id"] == episode.run_id)
        self.episodes.append(episode)
        return episode

    def imported(self) -> Asset:
        asset = self._image()
        self.loose.append(asset)
        return asset


def episode_library(root: Path) -> EpisodeLibrary:
    """Two graphs: ``ep1.ctoon`` ("K-pop episode") run twice — three shots, then shot 2 made
    again — and ``ep2.ctoon`` ("Rooftop") run once with two shots; plus one imported image."""
    made = EpisodeLibrary(Library(root / "library"), root)
    made.run("ep1.ctoon", "K-pop episode", [1, 2, 3])
    made.run("ep1.ctoon", "K-pop episode", [2], shot_list=False)
    made.run("ep2.ctoon", "Rooftop", [1, 2])
    made.imported()
    made.library.flush(wait=True)
    return made
