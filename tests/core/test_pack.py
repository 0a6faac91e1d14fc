"""Packs: a graph with its inputs, latest results and provenance in one file; unpacking
restores it on another machine, offline, and refuses hostile packs without writing anything
outside the target folder."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph, save_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.pack import PackError, PackLimits, pack_graph, unpack
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry
from nodes.painted_mask import store_mask
from tests.support.library_factory import png_bytes

REGISTRY = default_registry()


def mask_png() -> bytes:
    from PIL import Image

    im = Image.new("L", (90, 160), 0)
    im.paste(255, (20, 60, 70, 100))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def made_pack(tmp_path_factory) -> dict:
    """A graph run offline (Load Image → Inpaint ← Painted Mask), reviewed, and packed."""
    root = tmp_path_factory.mktemp("studio")
    library = Library(root / "library")
    project = root / "project"
    (project / "art").mkdir(parents=True)
    (project / "art" / "cut.png").write_bytes(png_bytes(11, 90, 160))
    graph = Graph(REGISTRY)
    load = graph.create_node("load_image", params={"path": "art/cut.png"}, title="Cut")
    mask = store_mask(library, mask_png())
    painted = graph.create_node("painted_mask", params={"mask": mask.sha256})
    inpaint = graph.create_node("inpaint", params={"model": "local/opencv-inpaint"}, title="Clean")
    graph.connect(Edge(load.id, "image", inpaint.id, "image"))
    graph.connect(Edge(painted.id, "mask", inpaint.id, "mask"))
    graph_path = project / "episode.ctoon"
    save_graph(graph, graph_path)
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={"local": LocalAdapter()})
    summary = asyncio.run(executor.run(graph, graph_path=graph_path))
    assert summary.status == "done"
    cleaned = summary.nodes[inpaint.id].outputs["image"]
    library.set_review(cleaned.sha256, rating=4, note="logo gone")
    pack = root / "episode.ctoonpack"
    result = pack_graph(graph_path, pack, library, REGISTRY)
    library.close()
    return {
        "root": root,
        "pack": pack,
        "summary": result,
        "cleaned": cleaned.sha256,
        "mask": mask.sha256,
        "inpaint": inpaint.id,
        "load": load.id,
    }


def members(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_zip(path: Path, files: dict[str, bytes], *, fix_manifest: bool = False) -> Path:
    if fix_manifest:
        manifest = json.loads(files["manifest.json"])
        manifest["members"] = {
            n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for n, d in files.items()
            if n != "manifest.json"
        }
        files = {**files, "manifest.json": json.dumps(manifest).encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # raw: zipfile would tidy a hostile name on the way in
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def test_a_pack_round_trip_keeps_hashes_provenance_and_reviews(made_pack, tmp_path: Path) -> None:
    pack = made_pack["pack"]
    names = set(members(pack))
    assert {"manifest.json", "graph.ctoon", "provenance.json"} <= names
    assert any(n.startswith("inputs/") for n in names)
    assert f"objects/{made_pack['cleaned']}.png" in names
    manifest = json.loads(members(pack)["manifest.json"])
    for name, data in members(pack).items():
        if name != "manifest.json":
            assert manifest["members"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    packed_graph = json.loads(members(pack)["graph.ctoon"])
    load = next(n for n in packed_graph["nodes"] if n["type"] == "load_image")
    assert load["params"]["path"].startswith("inputs/")  # relative, inside the pack
    assert str(made_pack["root"]) not in members(pack)["provenance.json"].decode()

    other = Library(tmp_path / "reviewer-library")
    done = unpack(pack, tmp_path / "opened", other, REGISTRY)
    assert done.graph_path == tmp_path / "opened" / "episode.ctoon"
    graph = load_graph(done.graph_path, REGISTRY)
    assert (tmp_path / "opened" / graph.nodes[made_pack["load"]].params["path"]).is_file()
    assert not [p for p in (tmp_path / "opened").iterdir() if p.name.startswith(".")]
    for sha in manifest["assets"]:
        asset = other.asset(sha)
        assert asset is not None
        data = other.read_bytes(asset)
        assert hashlib.sha256(data).hexdigest() == sha
    executor = Executor(REGISTRY, other, PriceTable.load(), adapters={})  # no provider, no key
    plan = executor.plan(graph, graph_path=done.graph_path)
    assert plan.nodes[made_pack["inpaint"]].status == "cached"
    assert plan.nodes[made_pack["inpaint"]].outputs["image"].sha256 == made_pack["cleaned"]
    details = lq.asset_details(other, made_pack["cleaned"])
    assert details.primary.model == "local/opencv-inpaint"
    assert details.primary.graph_path == str(done.graph_path)
    assert dict(details.primary.input_hashes())["mask"] == made_pack["mask"]
    assert other.review(made_pack["cleaned"]).rating == 4
    assert other.review(made_pack["cleaned"]).note == "logo gone"
    assert details.primary.origin_label == "from pack episode.ctoonpack"
    row = lq.asset_row(other, made_pack["cleaned"])  # the gallery sees the import at once
    assert (row.model, row.rating) == ("local/opencv-inpaint", 4)
    assert dict(lq.facet_values(other, "model"))["local/opencv-inpaint"] >= 1
    # unpacked again: another graph of its own (its own id), whose results serve it alone
    again = unpack(pack, tmp_path / "opened-twice", other, REGISTRY)
    assert again.results == done.results
    twice = lq.provenance(other, made_pack["cleaned"])
    assert {p.graph_path for p in twice} == {str(done.graph_path), str(again.graph_path)}
    assert len({p.graph_id for p in twice}) == 2
    assert other.asset(made_pack["cleaned"]) is not None  # the asset itself is stored once
    lq.close_reader(other)
    other.close()


def listing(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


HOSTILE = {
    "zip slip": (lambda f: {**f, "../evil.txt": b"x"}, "unsafe name"),
    "absolute path": (lambda f: {**f, "/tmp/evil.txt": b"x"}, "unsafe name"),
    "backslash path": (lambda f: {**f, "inputs\\..\\..\\evil.png": b"x"}, "unsafe name"),
    "unknown member": (lambda f: {**f, "notes/readme.txt": b"x"}, "not something a pack holds"),
    "hash mismatch": (None, "does not match its hash in the manifest"),
    "renamed object": (None, "is not named by its content's hash"),
    "graph escapes": (None, "is not inside the pack"),
    "not a zip": (None, "not a readable zip file"),
    "unlisted member": (None, "is not listed in the manifest"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_packs_are_refused_and_write_nothing(case: str, made_pack, tmp_path: Path) -> None:
    files = members(made_pack["pack"])
    bad = tmp_path / "bad.ctoonpack"
    change, words = HOSTILE[case]
    obj = next(n for n in files if n.startswith("objects/"))
    if change is not None:
        write_zip(bad, change(files))
    elif case == "hash mismatch":
        write_zip(bad, {**files, obj: files[obj][:-3] + b"zzz"})
    elif case == "renamed object":
        renamed = "objects/" + "0" * 64 + ".png"
        moved = {(renamed if n == obj else n): d for n, d in files.items()}
        manifest = json.loads(moved["manifest.json"])
        for entry in manifest["assets"].values():
            if entry["member"] == obj:
                entry["member"] = renamed
        moved["manifest.json"] = json.dumps(manifest).encode()
        write_zip(bad, moved, fix_manifest=True)
    elif case == "graph escapes":
        graph = json.loads(files["graph.ctoon"])
        for node in graph["nodes"]:
            if node["type"] == "load_image":
                node["params"]["path"] = "../../secret/face.png"
        write_zip(bad, {**files, "graph.ctoon": json.dumps(graph).encode()}, fix_manifest=True)
    elif case == "not a zip":
        bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    elif case == "unlisted member":
        write_zip(bad, {**files, "inputs/" + "1" * 64 + ".png": b"x"})
    library = Library(tmp_path / "library")
    before_lib = lq.count_assets(library)
    before = listing(tmp_path)
    with pytest.raises(PackError, match=words) as err:
        unpack(bad, tmp_path / "target", library, REGISTRY)
    assert str(err.value).startswith(str(bad))  # names the pack
    assert listing(tmp_path) == before  # nothing left anywhere, target folder included
    assert lq.count_assets(library) == before_lib
    lq.close_reader(library)
    library.close()


@pytest.mark.slow
def test_symlinks_zip_bombs_and_too_many_files_are_refused(made_pack, tmp_path: Path) -> None:
    files = members(made_pack["pack"])
    library = Library(tmp_path / "library")
    before = listing(tmp_path)

    link = tmp_path / "link.ctoonpack"
    with zipfile.ZipFile(link, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo("inputs/" + "2" * 64 + ".png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(PackError, match="symbolic link"):
        unpack(link, tmp_path / "t1", library, REGISTRY)

    bomb = tmp_path / "bomb.ctoonpack"
    zeros = b"\0" * (40 * 2**20)
    name = f"objects/{hashlib.sha256(zeros).hexdigest()}.png"
    write_zip(bomb, {**files, name: zeros}, fix_manifest=True)
    with pytest.raises(PackError, match="zip bomb"):
        unpack(bomb, tmp_path / "t2", library, REGISTRY)

    with pytest.raises(PackError, match="members; at most 3"):
        unpack(
            made_pack["pack"], tmp_path / "t3", library, REGISTRY, limits=PackLimits(max_members=3)
        )
    with pytest.raises(PackError, match="unpacks to more than"):
        unpack(
            made_pack["pack"],
            tmp_path / "t4",
            library,
            REGISTRY,
            limits=PackLimits(max_total_bytes=100),
        )
    assert listing(tmp_path) - before == {link, bomb}
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "mine.txt").write_text("keep")
    with pytest.raises(PackError, match="is not empty"):
        unpack(made_pack["pack"], occupied, library, REGISTRY)
    assert [p.name for p in occupied.iterdir()] == ["mine.txt"]
    lq.close_reader(library)
    library.close()


def test_packing_a_graph_with_a_missing_input_says_which(tmp_path: Path) -> None:
    graph = Graph(REGISTRY)
    graph.create_node("load_image", params={"path": "gone.png"}, title="Face")
    path = tmp_path / "g.ctoon"
    save_graph(graph, path)
    library = Library(tmp_path / "library")
    with pytest.raises(PackError, match=re.escape("Face: the file gone.png is missing")):
        pack_graph(path, tmp_path / "g.ctoonpack", library, REGISTRY)
    assert not (tmp_path / "g.ctoonpack").exists()
    library.close()
