"""Offline "image to video": a still moved by a slow, eased pan or zoom (the Ken Burns effect).

The image is cover-fitted once to a working size at which the closest view is 1:1, so each
frame is a single sub-pixel ``cv2.warpAffine`` that only ever shrinks slightly: smooth motion
without aliasing or jitter.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import VideoInfo, decode_image, probe_video_file
from canvastoon_desktop.core.media.output import media_output
from canvastoon_desktop.core.media.progress import Progress, check_cancel
from canvastoon_desktop.core.media.writer import Mp4Writer, check_video_size

Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down"]
_MOTIONS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")
# Pans name the camera's move: pan_left reveals more of the image's left side, so the
# picture slides right across the frame; pan_up reveals the top, so it slides down.
_PAN_DIRECTION = {"pan_left": (-1, 0), "pan_right": (1, 0), "pan_up": (0, -1), "pan_down": (0, 1)}


def _ease(u: float) -> float:
    """Cosine ease-in-out: starts and stops at rest, no sudden jolt at either end."""
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, u)))


def _flatten(im: Image.Image) -> np.ndarray:
    """RGB array; transparent parts go on black, like the letterbox of assembled videos."""
    if im.mode == "RGBA":
        black = Image.new("RGBA", im.size, (0, 0, 0, 255))
        im = Image.alpha_composite(black, im)
    return np.asarray(im.convert("RGB"))


def _check(duration_s: float, strength: float, motion: str) -> None:
    if motion not in _MOTIONS:
        raise MediaError(f"motion must be one of {', '.join(_MOTIONS)}, not {motion!r}")
    if not (isinstance(duration_s, int | float) and 0 < duration_s <= 120):
        raise MediaError(f"duration must be more than 0 and at most 120 seconds, not {duration_s}")
    if not (isinstance(strength, int | float) and 0 <= strength <= 1):
        raise MediaError(f"motion strength must be between 0 and 1, not {strength}")


def render_pan_zoom(
    image: bytes,
    out_path: str | Path,
    *,
    duration_s: float = 4.0,
    fps: int = 24,
    width: int = 720,
    height: int = 1280,
    motion: Motion = "zoom_in",
    strength: float = 0.15,
    cancel: threading.Event | None = None,
    progress: Callable[[float], None] | None = None,
) -> VideoInfo:
    """Render ``image`` as an H.264 MP4 with an eased pan or zoom; returns the file's info.

    ``strength`` is the zoom range (0.15: 1× → 1.15×) or the pan travel as a fraction of the
    frame. Odd sizes are rounded down to even. ``out_path`` appears only when complete.
    """
    _check(duration_s, strength, motion)
    width, height = check_video_size(width, height, fps)
    src = _flatten(decode_image(image))
    ih, iw = src.shape[:2]
    cover = max(width / iw, height / ih)

    # Zoom range (relative to a plain cover fit) and pan travel in output pixels.
    dx, dy = _PAN_DIRECTION.get(motion, (0, 0))
    if motion.startswith("zoom"):
        z0, z1, travel = 1.0, 1.0 + strength, 0.0
        if motion == "zoom_out":
            z0, z1 = z1, z0
    else:
        travel = strength * (width if dx else height)
        need = (width + travel) / (iw * cover) if dx else (height + travel) / (ih * cover)
        z0 = z1 = max(1.0, need)
    work_scale = cover * max(z0, z1)
    ww, wh = max(width, round(iw * work_scale)), max(height, round(ih * work_scale))
    shrinking = ww < iw
    work = cv2.resize(src, (ww, wh), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    check_cancel(cancel)

    frames = max(1, round(duration_s * fps))
    reporter = Progress(progress, frames)
    with media_output(out_path) as tmp:
        with Mp4Writer(
            tmp, width=width, height=height, fps=fps, audio=False, label=Path(out_path).name
        ) as writer:
            for i in range(frames):
                check_cancel(cancel)
                e = _ease(i / (frames - 1)) if frames > 1 else 0.0
                zoom = math.exp(math.log(z0) + (math.log(z1) - math.log(z0)) * e)
                k = zoom / max(z0, z1)  # working pixels → output pixels
                # Centre of view in working-image coordinates, moving by ±travel/2.
                cx = ww / 2 + dx * travel * (e - 0.5) / k
                cy = wh / 2 + dy * travel * (e - 0.5) / k
                # Map pixel centres: out + 0.5 = k · (in + 0.5 − c) + size / 2
                matrix = np.array(
                    [
                        [k, 0.0, width / 2 - k * cx + 0.5 * k - 0.5],
                        [0.0, k, height / 2 - k * cy + 0.5 * k - 0.5],
                    ]
                )
                frame = cv2.warpAffine(
                    work,
                    matrix,
                    (width, height),
                    flags=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE,
                )
                writer.write_rgb(frame)
                reporter.update(i + 1)
        info = probe_video_file(tmp)
    reporter.finish()
    return info
