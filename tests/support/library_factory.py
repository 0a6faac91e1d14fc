"""Fill a library quickly with real small media and realistic provenance (for the review
tools' tests and the gallery benchmark): assets go in through ``Library.put_bytes`` /
``put_file`` and results through ``record_result``, as the executor would write them."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.library import Library, ResultRecord, refresh_summary
from tests.support.index_file import index_file

MODELS = (
    ("google/nano-banana-pro", "aiml", "image", 0.15),
    ("prunaai/z-image-turbo", "replicate", "image", 0.01),
    ("local/storyboard-card", "local", "image", 0.0),
    ("minimax/hailuo-2.3-fast", "aiml", "video", 0.6),
    ("google/veo-3.1-fast", "replicate", "video", 1.2),
    ("gpt-4o", "aiml", "text", 0.004),
)
NODE_TITLES = ("Main cut", "Preview", "Close-up", "Dance shot", "Scenario", "Opening")
PROMPTS = (
    "idol on a neon stage, rain",
    "rooftop at dusk, wind in her hair",
    "close-up, tears, soft light",
    "crowd cheering, confetti",
    "train window, night city",
    "school corridor, morning sun",
)


def png_bytes(index: int, width: int = 90, height: int = 160, label: str | None = None) -> bytes:
    """A distinct small 9:16 picture: a gradient in a colour of its own, with its number."""
    rng = random.Random(index)
    base = np.array([rng.randrange(40, 255) for _ in range(3)], np.uint16)
    y = np.linspace(0.35, 1.0, height, dtype=np.float32)[:, None, None]
    arr = np.broadcast_to(base[None, None, :] * y, (height, width, 3)).astype(np.uint8)
    im = Image.fromarray(np.ascontiguousarray(arr))
    draw = ImageDraw.Draw(im)
    draw.text((6, 6), label or f"#{index}", fill=(255, 255, 255))
    draw.rectangle(
        (index % (width - 10), height // 2, index % (width - 10) + 8, height // 2 + 8),
        fill=(255, 95, 162),
    )
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def png_variant(png: bytes, index: int) -> bytes:
    """The same picture with a text chunk of its own after the header: a valid PNG with a
    hash of its own, made without encoding an image (big libraries for benchmarks)."""
    header_end = 8 + 25  # signature, then the IHDR chunk (length, type, 13 bytes, CRC)
    body = b"tEXt" + b"variant\0" + str(index).encode()
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png[:header_end] + chunk + png[header_end:]


def mp4_file(
    path: Path,
    index: int,
    *,
    width: int = 72,
    height: int = 128,
    fps: int = 12,
    seconds: float = 1.0,
    tone_hz: float | None = None,
) -> Path:
    """A short distinct clip (a moving bar on a colour of its own); with ``tone_hz``, it has
    a sound of its own too (a steady tone, as Veo's clips come with sound)."""
    rng = random.Random(index)
    colour = [rng.randrange(40, 255) for _ in range(3)]
    n = max(1, round(seconds * fps))
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        if tone_hz is not None:
            _add_tone(container, tone_hz, seconds)
        for i in range(n):
            arr = np.empty((height, width, 3), np.uint8)
            arr[:] = colour
            x = (i * width // n) % width
            arr[:, x : x + 6] = 255
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _add_tone(container: Any, tone_hz: float, seconds: float, rate: int = 48_000) -> None:
    sound = container.add_stream("aac", rate=rate, layout="mono")
    t = np.arange(round(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)[np.newaxis, :]
    for start in range(0, samples.shape[1], 1024):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples[:, start : start + 1024]), format="fltp", layout="mono"
        )
        frame.sample_rate, frame.pts = rate, start
        for packet in sound.encode(frame):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)


@dataclass
class Populated:
    library: Library
    assets: list[Asset] = field(default_factory=list)
    by_kind: dict[str, list[Asset]] = field(default_factory=dict)
    graph_path: str = ""
    run_ids: list[str] = field(default_factory=list)


def populate(
    library: Library,
    *,
    images: int = 20,
    videos: int = 3,
    texts: int = 5,
    graph_path: str | None = None,
    runs: int = 2,
    seed: int = 7,
    image_size: tuple[int, int] = (90, 160),
    distinct_videos: int | None = None,
    distinct_images: int | None = None,
    base_time: float | None = None,
) -> Populated:
    """Add ``images`` + ``videos`` + ``texts`` assets, each made by a result of its own with
    a model, provider, node, graph, run, prompt, params and cost. Videos reuse up to
    ``distinct_videos`` encoded clips (with distinct metadata tags, so distinct hashes), and
    images up to ``distinct_images`` drawn pictures (each later one a ``png_variant`` of
    one of them: encoding every picture would make a 100,000-asset library take minutes)."""
    rng = random.Random(seed)
    graph_path = graph_path or str(Path(library.root).parent / "story.ctoon")
    out = Populated(library, graph_path=graph_path)
    out.run_ids = [uuid.uuid4().hex for _ in range(max(1, runs))]
    image_models = [m for m in MODELS if m[2] == "image"]
    video_models = [m for m in MODELS if m[2] == "video"]
    text_models = [m for m in MODELS if m[2] == "text"]
    made: list[tuple[Asset, tuple[str, str, str, float]]] = []
    drawn: list[bytes] = []
    for i in range(images):
        if distinct_images is None or len(drawn) < distinct_images:
            data = png_bytes(i + seed * 100_000, *image_size)
            drawn.append(data)
        else:
            data = png_variant(drawn[i % len(drawn)], i)
        asset = library.put_bytes(
            data, AssetKind.IMAGE, "image/png", width=image_size[0], height=image_size[1]
        )
        made.append((asset, image_models[i % len(image_models)]))
    tmp = library.temp_path(".mp4")
    clips: list[bytes] = []
    for i in range(videos):
        if distinct_videos is None or len(clips) < distinct_videos:
            mp4_file(tmp, i + seed * 1000)
            clips.append(tmp.read_bytes())
            data = clips[-1]
        else:  # vary the bytes after the movie: same clip, a hash of its own
            data = clips[i % len(clips)] + b"\0" * 8 + i.to_bytes(8, "big")
        asset = library.put_bytes(
            data, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=1.0
        )
        made.append((asset, video_models[i % len(video_models)]))
    tmp.unlink(missing_ok=True)
    for i in range(texts):
        asset = library.put_text(
            f"Shot {i + 1}: {PROMPTS[i % len(PROMPTS)]}. The chorus "
            f"drops and the camera pulls back (variant {seed}-{i})."
        )
        made.append((asset, text_models[0]))
    rng.shuffle(made)
    for n, (asset, (model, provider, _kind, cost)) in enumerate(made):
        run_id = out.run_ids[n % len(out.run_ids)]
        title = NODE_TITLES[n % len(NODE_TITLES)]
        prompt = PROMPTS[n % len(PROMPTS)]
        port = {"image": "image", "video": "video", "text": "text"}[asset.kind.value]
        key = hashlib.sha256(f"{asset.sha256}:{n}".encode()).hexdigest()
        library.record_result(
            ResultRecord(
                cache_key=key,
                node_id=f"node{n % len(NODE_TITLES)}",
                node_type={"image": "image_gen", "video": "video", "text": "prompt_llm"}[port],
                outputs={port: asset},
                params={"model": model, "aspect_ratio": "9:16", "seed": n},
                inputs={},
                run_id=run_id,
                graph_id="g-" + Path(graph_path).stem,
                graph_path=graph_path,
                node_title=title,
                model=model,
                provider=provider,
                prompt=prompt,
                job_id=f"job-{n}" if provider != "local" else None,
                cost_usd=0.0,
                cost_source="provider" if cost else "free",
                queue_s=round(rng.uniform(0, 4), 2),
                run_s=round(rng.uniform(1, 60), 2),
            )
        )
        out.assets.append(asset)
        out.by_kind.setdefault(asset.kind.value, []).append(asset)
    library.flush(wait=True)
    # costs are recorded directly (a cost on record_result would also write a charge and
    # flush every row: slow for big benchmark libraries, and the charge is not under test)
    # (the tables are written directly: the summary of what changed is brought up to date in
    # the same transaction, as every writer of the library does)
    with index_file(library) as db:
        db.execute("BEGIN IMMEDIATE")
        priced = [(n, asset, cost) for n, (asset, (_m, _p, _k, cost)) in enumerate(made) if cost]
        db.executemany(
            "UPDATE results SET cost_usd=? WHERE id IN (SELECT result_id FROM"
            " result_assets WHERE sha256=?)",
            [(round(cost * (1 + n % 3), 4), asset.sha256) for n, asset, cost in priced],
        )
        if base_time is not None:
            db.execute("UPDATE results SET finished_at = ? + (id % 100000) / 1000.0", (base_time,))
        refresh_summary(db, None if base_time is not None else [a.sha256 for _n, a, _c in priced])
        db.execute("COMMIT")
    return out


def add_reported_charge(
    library: Library,
    model: str,
    reported: float | None,
    quote: tuple[float, float],
    *,
    provider: str = "replicate",
) -> None:
    """A charge in the ledger as the executor books it: reported (None: unknown, at most
    the quote's max)."""
    library.add_charge(
        quote[1] if reported is None else reported,
        provider=provider,
        model=model,
        run_id=None,
        node_id=None,
        reason="result",
        quote=quote,
        reported_usd=reported,
        basis="unknown" if reported is None else "reported",
    )
