"""Media files are written whole, and a write that cannot happen says which file and why."""

from __future__ import annotations

import pytest

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.output import media_output


def test_a_media_file_appears_only_once_it_is_complete(tmp_path):
    out = tmp_path / "short.mp4"
    with media_output(out) as tmp:
        tmp.write_bytes(b"frames")
        assert not out.exists()
    assert out.read_bytes() == b"frames"
    assert [p.name for p in tmp_path.iterdir()] == ["short.mp4"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    out = tmp_path / "short.mp4"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError), media_output(out) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["short.mp4"]


def test_a_folder_in_the_way_is_named(tmp_path):
    (tmp_path / "short.mp4").mkdir()
    with (
        pytest.raises(MediaError, match=r"short\.mp4: is a folder"),
        media_output(tmp_path / "short.mp4"),
    ):
        pass


def test_a_missing_folder_is_named(tmp_path):
    with (
        pytest.raises(MediaError, match=r"short\.mp4: its folder .* does not exist"),
        media_output(tmp_path / "gone" / "short.mp4"),
    ):
        pass


def test_a_temp_file_that_cannot_be_made_is_named(tmp_path):
    # a name the folder allows, whose hidden temp twin (longer) it does not
    name = "s" * 240 + ".mp4"
    with (
        pytest.raises(MediaError, match="cannot write in that folder"),
        media_output(tmp_path / name),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_cannot_be_replaced_is_named_and_the_temp_removed(tmp_path):
    out = tmp_path / "short.mp4"
    with (
        pytest.raises(MediaError, match=r"short\.mp4: cannot be replaced"),
        media_output(out) as tmp,
    ):
        tmp.write_bytes(b"frames")
        out.mkdir()  # something took the name meanwhile
    assert [p.name for p in tmp_path.iterdir()] == ["short.mp4"]
    assert out.is_dir()
