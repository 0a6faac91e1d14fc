"""Files are written whole: the destination keeps its old content until the new one is
complete, and nothing is left beside it whatever goes wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from canvastoon_desktop.core.atomic import NEW_FILE_MODE, atomic_output, atomic_write_bytes


def test_a_write_replaces_the_old_content_and_leaves_only_the_file(tmp_path: Path) -> None:
    target = tmp_path / "episode.ctoon"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode.ctoon"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"old clip")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".mp4"  # FFmpeg reads the suffix
        tmp.write_bytes(b"half a cl")
        raise RuntimeError("the encoder stopped")
    assert target.read_bytes() == b"old clip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@pytest.mark.skipif(not hasattr(os, "chmod") or os.name == "nt", reason="POSIX modes")
def test_a_rewritten_file_keeps_its_mode_and_a_new_one_gets_the_usual_mode(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "kept.json"
    kept.write_bytes(b"{}")
    kept.chmod(0o600)
    atomic_write_bytes(kept, b"[]", durable=False)
    assert kept.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.json"
    atomic_write_bytes(fresh, b"[]")
    assert fresh.stat().st_mode & 0o777 == NEW_FILE_MODE


def test_a_folder_that_does_not_exist_is_an_oserror_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "missing" / "x.png", b"png")
    assert list(tmp_path.iterdir()) == []
