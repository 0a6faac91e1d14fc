"""Export: a file per asset with a JSON sidecar, provenance embedded in PNGs and MP4s, and
no secret anywhere in what is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.export import PNG_PROVENANCE_KEY, export_assets, scrub
from canvastoon_desktop.core.library import Library, ResultRecord
from canvastoon_desktop.core.secrets import remember_secret
from tests.support.library_factory import mp4_file, png_bytes

CANARY = "sk-canary-4f9d2c71e8b34a55"


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "library")
    yield lib
    lib.close()


def record(library: Library, asset, port: str, **extra) -> None:
    library.record_result(
        ResultRecord(
            cache_key=f"k-{asset.sha256}",
            node_id="n1",
            node_type="image_gen",
            node_title="Main cut",
            outputs={port: asset},
            params={
                "model": "google/nano-banana-pro",
                "api_key": "whatever-value-1234",
                "max_tokens": 300,
                **extra.pop("params", {}),
            },
            inputs={"references": ["ab" * 32]},
            graph_path="/work/ep1.ctoon",
            model="google/nano-banana-pro",
            provider="aiml",
            job_id="gen-42",
            cost_usd=0.15,
            cost_source="provider",
            queue_s=1.0,
            run_s=9.5,
            **extra,
        )
    )


def test_exported_files_carry_provenance_without_secrets(library: Library, tmp_path: Path) -> None:
    remember_secret(CANARY)
    image = library.put_bytes(
        png_bytes(1, 90, 160), AssetKind.IMAGE, "image/png", width=90, height=160
    )
    video_path = mp4_file(tmp_path / "clip.mp4", 2)
    video = library.put_file(
        video_path, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=1.0
    )
    text = library.put_text(f"Scene 1. The idol smiles. (key {CANARY})")
    prompt = f"idol on stage, neon rain {CANARY}"
    for asset, port in ((image, "image"), (video, "video"), (text, "text")):
        record(library, asset, port, prompt=prompt, params={"note": f"token {CANARY}"})
    library.set_review(image.sha256, rating=5, note=f"great {CANARY}")
    out = tmp_path / "out"
    written = export_assets(library, [image, video, text], out, prefix="ep1")
    assert [w.path.suffix for w in written] == [".png", ".mp4", ".txt"]
    assert written[0].path.name.startswith("ep1_01_Main-cut_")

    png_texts = media.read_png_text_chunks(written[0].path.read_bytes())
    embedded = json.loads(png_texts[PNG_PROVENANCE_KEY])
    assert embedded["sha256"] == image.sha256
    produced = embedded["produced_by"]
    assert produced["model"] == "google/nano-banana-pro" and produced["provider_job_id"] == "gen-42"
    assert produced["cost_usd"] == 0.15 and produced["inputs"] == {"references": ["ab" * 32]}
    assert produced["params"]["api_key"] == "[redacted]"  # a credential by its name
    assert produced["params"]["max_tokens"] == 300
    assert embedded["review"]["rating"] == 5
    assert png_texts["Description"].startswith("idol on stage")
    tags = media.read_mp4_metadata(written[1].path)
    assert json.loads(tags["comment"])["sha256"] == video.sha256
    assert media.probe_video_file(written[1].path).duration_s == pytest.approx(1.0, abs=0.1)
    assert written[2].path.read_text().startswith("Scene 1.")
    for item in written:
        sidecar = json.loads(item.sidecar.read_text())
        assert sidecar["sha256"] == item.asset.sha256
        assert sidecar["produced_by"]["graph_path"] == "/work/ep1.ctoon"
    for path in out.iterdir():
        data = path.read_bytes()
        assert CANARY.encode() not in data, path.name
        assert b"whatever-value-1234" not in data, path.name
        assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_export_without_sidecars_and_of_unknown_assets(library: Library, tmp_path: Path) -> None:
    image = library.put_bytes(png_bytes(5), AssetKind.IMAGE, "image/png", width=90, height=160)
    written = export_assets(library, [image], tmp_path / "plain", sidecars=False)
    assert written[0].sidecar is None and len(list((tmp_path / "plain").iterdir())) == 1
    embedded = json.loads(
        media.read_png_text_chunks(written[0].path.read_bytes())[PNG_PROVENANCE_KEY]
    )
    assert "produced_by" not in embedded  # imported, not generated


def test_scrub_keeps_ordinary_words() -> None:
    cleaned = scrub(
        {
            "Authorization": "Bearer x",
            "token": "y",
            "max_tokens": 5,
            "nested": [{"client_secret": "z", "prompt": "a secret garden"}],
        }
    )
    assert cleaned == {
        "Authorization": "[redacted]",
        "token": "[redacted]",
        "max_tokens": 5,
        "nested": [{"client_secret": "[redacted]", "prompt": "a secret garden"}],
    }


def test_a_subtitle_takes_the_name_of_the_video_it_captions(
    library: Library, tmp_path: Path
) -> None:
    """Players load an SRT only when its file stem matches the video's."""
    first, second = (
        library.put_file(
            mp4_file(tmp_path / f"cut{n}.mp4", n),
            AssetKind.VIDEO,
            "video/mp4",
            width=72,
            height=128,
            duration_s=1.0,
        )
        for n in (1, 2)
    )
    srt = library.put_bytes(
        b"1\n00:00:00,300 --> 00:00:01,000\nWait for me!\n",
        AssetKind.TEXT,
        "application/x-subrip",
    )
    other_srt = library.put_bytes(
        b"1\n00:00:00,000 --> 00:00:01,000\nHello\n", AssetKind.TEXT, "application/x-subrip"
    )
    slide = library.put_bytes(png_bytes(3), AssetKind.IMAGE, "image/png", width=90, height=160)
    for video, captions, key in ((first, None, "a"), (second, srt, "b")):
        outputs = {"video": video, **({"captions": captions} if captions else {})}
        library.record_result(
            ResultRecord(
                cache_key=f"cut-{key}",
                node_id=f"episode-{key}",
                node_type="assemble_short",
                node_title="Episode",
                outputs=outputs,
            )
        )
    # the slide and the videos come before the texts, as the Export node orders its ports
    written = export_assets(library, [slide, first, second, srt, other_srt], tmp_path / "out")
    names = [w.path.name for w in written]
    assert names[3] == names[2].removesuffix(".mp4") + ".srt"  # beside the video it captions
    assert names[4].startswith("05_text_") and names[4].endswith(".srt")  # captions nothing
    assert written[3].sidecar.name == names[3] + ".json"
    assert len(set(names)) == len(names)
    assert written[3].path.read_text() == library.read_text(srt)
