"""The offline provider: runs the local models (template writer, storyboard card, OpenCV
inpaint, pan/zoom video, eSpeak NG speech, the artist's own music file) in worker threads.
No key, no network, no cost."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.generation import (
    ErrorKind,
    GeneratedOutput,
    GenerationError,
    JobControl,
    ModelCall,
)
from canvastoon_desktop.core.media.audio import probe_audio_file

from .inpaint import inpaint_image
from .kenburns import render_pan_zoom
from .speech import speak_to_wav
from .storyboard import render_storyboard_card
from .template import compose_from_labels, compose_shots

T = TypeVar("T")


def _size(value: str) -> tuple[int, int]:
    width, height = (int(part) for part in str(value).split("x"))
    return width, height


class LocalAdapter:
    provider = "local"  # the executor's "local" limit bounds how many run at once

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        model_id = call.model.id
        try:
            if model_id == "local/template-writer" and call.response_schema is not None:
                cast = [c.strip() for c in call.labels.get("characters", "").split(",")]
                count = int(call.labels.get("shot_count") or 0) or None
                doc = compose_shots(call.labels.get("input", ""), [c for c in cast if c], count)
                data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
                asset = await job.store_bytes(data, AssetKind.TEXT, "text/plain")
                return GeneratedOutput([asset], 0.0, "free")
            if model_id == "local/template-writer":
                text = compose_from_labels(call.template or "{input}", call.labels)
                if not text.strip():
                    raise GenerationError(
                        "nothing to write: the input text is empty", kind=ErrorKind.REJECTED
                    )
                asset = await job.store_bytes(text.encode("utf-8"), AssetKind.TEXT, "text/plain")
                return GeneratedOutput([asset], 0.0, "free")
            if model_id in ("local/storyboard-card", "local/storyboard-card-refs"):
                return await self._card(call, job)
            if model_id == "local/opencv-inpaint":
                return await self._inpaint(call, job)
            if model_id == "local/pan-zoom":
                return await self._pan_zoom(call, job)
            if model_id == "local/espeak-ng":
                return await self._speak(call, job)
            if model_id == "local/audio-file":
                return self._own_file(call)
        except MediaError as exc:
            raise GenerationError(str(exc), kind=ErrorKind.NODE) from None
        raise GenerationError(
            f"the offline provider has no model {model_id}", kind=ErrorKind.INTERNAL
        )

    async def _card(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        width, height = _size(call.params.get("size", "720x1280"))
        references = [a.path.read_bytes() for a in call.files.get("references", ())]
        job.progress("drawing")
        png = await self._thread(
            render_storyboard_card,
            call.prompt,
            width=width,
            height=height,
            title=call.labels.get("title") or None,
            shot_label=call.labels.get("shot") or None,
            references=references,
            seed=int(call.params.get("seed") or 0),
        )
        asset = await job.store_bytes(png, AssetKind.IMAGE, "image/png", width=width, height=height)
        return GeneratedOutput([asset], 0.0, "free")

    async def _inpaint(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        image = call.files["image"][0].path.read_bytes()
        mask = call.files["mask"][0].path.read_bytes()
        job.progress("inpainting")
        png = await self._thread(
            inpaint_image,
            image,
            mask,
            method=call.params.get("method", "telea"),
            radius=int(call.params.get("radius", 5)),
        )
        info = media.probe_image_bytes(png)
        asset = await job.store_bytes(
            png, AssetKind.IMAGE, "image/png", width=info.width, height=info.height
        )
        return GeneratedOutput([asset], 0.0, "free")

    async def _pan_zoom(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        width, height = _size(call.params.get("size", "720x1280"))
        image = call.files["image"][0].path.read_bytes()
        out = job.temp_path(".mp4")
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(job.progress, "rendering", fraction)

        try:
            info = await self._thread(
                render_pan_zoom,
                image,
                out,
                duration_s=float(call.params.get("duration", 4.0)),
                fps=int(call.params.get("fps", 24)),
                width=width,
                height=height,
                motion=call.params.get("motion", "zoom_in"),
                strength=float(call.params.get("strength", 0.15)),
                cancel=cancel,
                progress=progress,
            )
        except asyncio.CancelledError:
            cancel.set()
            raise
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        asset = await job.store_file(
            out,
            AssetKind.VIDEO,
            "video/mp4",
            width=info.width,
            height=info.height,
            duration_s=info.duration_s,
        )
        return GeneratedOutput([asset], 0.0, "free")

    async def _speak(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        out = job.temp_path(".wav")
        job.progress("speaking")
        try:
            await self._thread(
                speak_to_wav,
                call.prompt,
                out,
                voice=str(call.params.get("voice") or "en-us"),
                speed=int(call.params.get("speed") or 165),
                pitch=int(call.params.get("pitch") or 50),
            )
            info = await self._thread(probe_audio_file, out)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        asset = await job.store_file(out, AssetKind.AUDIO, "audio/wav", duration_s=info.duration_s)
        return GeneratedOutput([asset], 0.0, "free")

    def _own_file(self, call: ModelCall) -> GeneratedOutput:
        files = call.files.get("file") or ()
        if not files:
            raise GenerationError(
                "connect your music to the File input (Load Audio)", kind=ErrorKind.NODE
            )
        return GeneratedOutput([files[0]], 0.0, "free")

    async def _thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)
