"""MP4 tags carry provenance: any key round-trips, and the media is copied, not re-encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest
from media_factory import decode_rgb_frames

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import (
    probe_video_file,
    read_mp4_metadata,
    write_mp4_metadata,
)

MakeVideo = Callable[..., Path]


def packets(path: Path) -> list[tuple[str, bytes]]:
    with av.open(str(path)) as c:
        return [(p.stream.type, bytes(p)) for p in c.demux() if p.size]


def test_tags_round_trip_and_packets_are_copied_verbatim(
    make_video: MakeVideo, tmp_path: Path
) -> None:
    src = make_video(seconds=1.0, audio=True)
    dst = tmp_path / "tagged.mp4"
    tags = {
        "canvastoon.provenance": '{"graph": "ep1.ctoon", "prompt": "무대 위의 소녀 ✨"}',
        "comment": "made with CanvasToon",
        "description": "Episode 1, shot 3",
    }
    write_mp4_metadata(src, dst, tags)
    assert read_mp4_metadata(dst) == tags
    assert packets(dst) == packets(src)
    assert probe_video_file(dst) == probe_video_file(src)


def test_rewriting_in_place_merges_with_existing_tags(make_video: MakeVideo) -> None:
    path = make_video(seconds=0.5)
    write_mp4_metadata(path, path, {"a": "1", "b": "2"})
    write_mp4_metadata(path, path, {"b": "3"})
    assert read_mp4_metadata(path) == {"a": "1", "b": "3"}
    assert len(decode_rgb_frames(path)) == 15
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_untagged_file_reads_as_empty(make_video: MakeVideo) -> None:
    assert read_mp4_metadata(make_video(seconds=0.3)) == {}


def test_broken_source_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "broken.mp4"
    src.write_bytes(b"<html>404</html>")
    dst = tmp_path / "out.mp4"
    with pytest.raises(MediaError, match=r"broken\.mp4: not a video"):
        write_mp4_metadata(src, dst, {"a": "b"})
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize("tags", [{"": "x"}, {"k": "nul\0"}, {" k": "v"}])
def test_bad_tags_are_refused(make_video: MakeVideo, tmp_path: Path, tags: dict[str, str]) -> None:
    with pytest.raises(MediaError, match="video tag"):
        write_mp4_metadata(make_video(seconds=0.3), tmp_path / "o.mp4", tags)
