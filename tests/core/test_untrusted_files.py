"""Files named by strangers are opened only when they are regular files, read bounded, and
packs are held to an expansion budget that counts every member, small ones too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph, save_graph
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pack import PackError, unpack
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.regular_files import FileRefused, read_regular
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry
from tests.support.zip_forge import forge_zip

REGISTRY = default_registry()

pytestmark = pytest.mark.timeout(60)  # a regression here hangs: fail it, do not wait 5 min


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    """/dev/zero, a link to it, and FIFOs with the names a graph and a pack would have."""
    link = tmp_path / "zero.ctoon"
    link.symlink_to("/dev/zero")
    fifo_graph = tmp_path / "x.ctoon"
    os.mkfifo(fifo_graph)
    fifo_pack = tmp_path / "x.ctoonpack"
    os.mkfifo(fifo_pack)
    return {"device": Path("/dev/zero"), "link": link, "fifo": fifo_graph, "pack": fifo_pack}


def test_only_regular_files_are_read_and_never_past_the_limit(tmp_path: Path, specials) -> None:
    for name in ("device", "link", "fifo"):
        with pytest.raises(FileRefused, match=r"device|pipe"):
            read_regular(specials[name], 1024)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(FileRefused, match="2,048 bytes; at most 1,024"):
        read_regular(big, 1024)
    with pytest.raises(FileRefused, match="folder"):
        read_regular(tmp_path, 1024)
    assert read_regular(big, 4096) == b"x" * 2048


@pytest.mark.parametrize("name", ["device", "link", "fifo"])
def test_opening_a_device_a_link_to_one_or_a_fifo_as_a_graph_is_a_clean_error(
    name: str, specials
) -> None:
    with pytest.raises(GraphFileError) as err:
        load_graph(specials[name], REGISTRY)
    assert str(err.value).startswith(str(specials[name]))
    assert "device" in str(err.value) or "pipe" in str(err.value)


@pytest.mark.parametrize("name", ["device", "link", "fifo"])
def test_validate_and_run_refuse_special_files_with_exit_2(name: str, specials, capsys) -> None:
    for command in ("validate", "run"):
        code = main([command, str(specials[name])])
        err = capsys.readouterr().err
        assert code == 2, (command, err)
        assert "device" in err or "pipe" in err
        assert "Traceback" not in err


def test_unpack_refuses_a_fifo_or_a_device_named_as_a_pack(specials, tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    for source in (specials["pack"], specials["device"]):
        with pytest.raises(PackError, match="cannot read the pack: it is a"):
            unpack(source, tmp_path / "target", library, REGISTRY)
        assert not (tmp_path / "target").exists()
    library.close()


def test_unpack_command_refuses_a_fifo_with_exit_2(specials, tmp_path: Path, capsys) -> None:
    code = main(["unpack", str(specials["pack"]), "--to", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "pipe" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_load_image_pointing_at_a_fifo_or_a_device_fails_its_node_without_hanging(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "face.png")
    (tmp_path / "zero.png").symlink_to("/dev/zero")
    graph = Graph(REGISTRY)
    fifo = graph.create_node("load_image", params={"path": "face.png"}, title="Fifo")
    zero = graph.create_node("load_image", params={"path": "zero.png"}, title="Zero")
    path = tmp_path / "g.ctoon"
    save_graph(graph, path)
    library = Library(tmp_path / "library")
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={"local": LocalAdapter()})
    plan = executor.plan(graph, graph_path=path)
    assert "pipe" in (plan.nodes[fifo.id].problem or "")
    assert "device" in (plan.nodes[zero.id].problem or "")
    library.close()


def test_many_small_members_cannot_unpack_past_the_pack_budget(tmp_path: Path) -> None:
    """1,500 members of 1 MiB each: each is under the per-member ratio floor, together they
    would turn a 2 MB pack into 1.5 GiB. Refused before anything is written."""
    bomb = tmp_path / "small-bomb.ctoonpack"
    names = ["manifest.json"] + [f"objects/{i:064x}.png" for i in range(1500)]
    forge_zip(bomb, names, b"\0" * 2**20)
    assert bomb.stat().st_size < 3 * 2**20
    library = Library(tmp_path / "library")
    with pytest.raises(PackError, match="over 200 times its own size"):
        unpack(bomb, tmp_path / "target", library, REGISTRY)
    assert not (tmp_path / "target").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library", "small-bomb.ctoonpack"]
    library.close()


def test_validate_of_a_huge_file_says_how_big_without_reading_it(tmp_path: Path, capsys) -> None:
    huge = tmp_path / "huge.ctoon"
    with open(huge, "wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 2**20)
    code = main(["validate", "--json", str(huge)])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert "100.0 MB; at most 64.0 MB" in report["files"][0]["problems"][0]["message"]


def test_a_fifo_given_to_the_library_is_refused(tmp_path: Path) -> None:
    from canvastoon_desktop.core.assets import AssetKind
    from canvastoon_desktop.core.errors import LibraryError

    os.mkfifo(tmp_path / "pipe.png")
    library = Library(tmp_path / "library")
    with pytest.raises(LibraryError, match="pipe"):
        library.put_file(tmp_path / "pipe.png", AssetKind.IMAGE, "image/png")
    library.close()
