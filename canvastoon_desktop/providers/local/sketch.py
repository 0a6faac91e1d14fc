"""The picture inside a storyboard panel: a calm, prompt-derived scene in a pencil-sketch style.

A few keywords (in English or Korean) pick the light (day, golden hour, night, stage...),
the setting (hills, city, sea, stage, room) and how many figures stand in it and how close
the camera is; the seed moves things around. It is a placeholder a storyboard artist can
read at a glance, not an illustration.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Palette:
    sky_top: RGB
    sky_bottom: RGB
    glow: RGB
    far: RGB
    near_top: RGB
    near_bottom: RGB
    ink: RGB


PALETTES = {
    "day": Palette(
        (120, 166, 210),
        (214, 228, 232),
        (255, 248, 222),
        (150, 170, 178),
        (150, 164, 132),
        (104, 118, 96),
        (44, 48, 56),
    ),
    "dawn": Palette(
        (146, 164, 206),
        (246, 212, 198),
        (255, 238, 214),
        (156, 152, 178),
        (134, 136, 146),
        (92, 96, 108),
        (38, 40, 52),
    ),
    "golden": Palette(
        (236, 150, 100),
        (252, 214, 150),
        (255, 236, 190),
        (176, 112, 104),
        (132, 92, 84),
        (82, 58, 60),
        (40, 26, 30),
    ),
    "dusk": Palette(
        (56, 62, 112),
        (232, 148, 132),
        (255, 212, 176),
        (94, 84, 122),
        (72, 66, 96),
        (40, 38, 60),
        (22, 20, 34),
    ),
    "night": Palette(
        (12, 18, 42),
        (48, 64, 108),
        (236, 238, 222),
        (30, 40, 70),
        (28, 34, 54),
        (14, 18, 30),
        (6, 8, 14),
    ),
    "overcast": Palette(
        (150, 158, 168),
        (210, 212, 212),
        (238, 238, 232),
        (136, 142, 148),
        (118, 124, 118),
        (86, 90, 88),
        (38, 40, 44),
    ),
    "stage": Palette(
        (22, 10, 42),
        (84, 28, 104),
        (255, 136, 208),
        (40, 18, 64),
        (34, 20, 48),
        (12, 8, 20),
        (6, 4, 10),
    ),
}
_LIGHT_WORDS = {
    "night": ("night", "midnight", "moon", "stars", "starry", "밤", "달빛", "별", "夜"),
    "stage": (
        "stage",
        "concert",
        "idol",
        "k-pop",
        "kpop",
        "spotlight",
        "neon",
        "club",
        "무대",
        "콘서트",
        "아이돌",
        "네온",
    ),
    "golden": ("sunset", "golden hour", "노을", "석양", "夕"),
    "dusk": ("dusk", "twilight", "evening", "저녁", "황혼"),
    "dawn": ("dawn", "sunrise", "morning", "새벽", "아침", "朝"),
    "overcast": (
        "rain",
        "storm",
        "cloudy",
        "fog",
        "mist",
        "snow",
        "비가",
        "빗",
        "우산",
        "안개",
        "눈이",
    ),
}
_SETTING_WORDS = {
    "city": (
        "city",
        "street",
        "building",
        "rooftop",
        "downtown",
        "skyline",
        "alley",
        "seoul",
        "tokyo",
        "도시",
        "거리",
        "옥상",
        "골목",
        "서울",
    ),
    "stage": (
        "stage",
        "concert",
        "idol",
        "k-pop",
        "kpop",
        "spotlight",
        "performance",
        "무대",
        "콘서트",
        "아이돌",
        "공연",
    ),
    "sea": ("sea", "ocean", "beach", "shore", "wave", "lake", "river", "바다", "해변", "강가"),
    "room": (
        "room",
        "classroom",
        "cafe",
        "café",
        "bedroom",
        "office",
        "kitchen",
        "studio",
        "교실",
        "방 ",
        "카페",
        "사무실",
    ),
}
_RAIN_WORDS = ("rain", "비가", "빗", "우산", "storm")
_SHOTS = {
    "close": ("close-up", "closeup", "close up", "portrait", "face", "클로즈업", "얼굴"),
    "wide": ("wide", "establishing", "aerial", "landscape", "far away", "전경", "풍경"),
}


def _pick(text: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    for key, words in table.items():
        if any(w in text for w in words):
            return key
    return None


def _figures(text: str) -> int:
    if any(w in text for w in ("landscape", "scenery", "empty", "no one", "풍경")):
        return 0
    if any(w in text for w in ("group", "band", "members", "crowd", "friends", "멤버", "그룹")):
        return 3
    if any(w in text for w in ("two ", "couple", "duo", "pair", "둘", "두 사람", "커플")):
        return 2
    return 1


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _vertical(top: RGB, bottom: RGB, w: int, h: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    col = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return np.broadcast_to(col, (h, w, 3))


def _glow(img: np.ndarray, cx: float, cy: float, radius: float, color: RGB, amount: float) -> None:
    h, w = img.shape[:2]
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    d2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / (radius * radius)
    a = (amount * np.exp(-d2))[..., None]
    img *= 1 - a
    img += a * np.asarray(color, np.float32)


Point = tuple[float, float]


def _ridge(rng: random.Random, w: int, base: float, amp: float, n: int = 48) -> list[Point]:
    phases = [rng.uniform(0, math.tau) for _ in range(3)]
    freqs = [rng.uniform(0.8, 1.6), rng.uniform(2.0, 3.5), rng.uniform(5, 8)]
    pts: list[Point] = []
    for i in range(n + 1):
        x = w * i / n
        u = x / w * math.tau
        y = base - amp * (
            0.6 * math.sin(freqs[0] * u + phases[0])
            + 0.3 * math.sin(freqs[1] * u + phases[1])
            + 0.1 * math.sin(freqs[2] * u + phases[2])
        )
        pts.append((x, y))
    return pts


def _sketch_line(
    draw: ImageDraw.ImageDraw,
    pts: list[Point],
    rng: random.Random,
    color: tuple[int, ...],
    width: int,
) -> None:
    """Two slightly different strokes, like a pencil going over a line twice."""
    for _ in range(2):
        j = [
            (x + rng.uniform(-1.5, 1.5) * width, y + rng.uniform(-1.5, 1.5) * width) for x, y in pts
        ]
        draw.line(j, fill=color, width=width, joint="curve")


def _figure(
    draw: ImageDraw.ImageDraw, fx: float, fy: float, size: float, color: int, rng: random.Random
) -> None:
    """A standing person seen from the front; ``fy`` is the feet, ``size`` the height."""
    h = size
    lean = rng.uniform(-0.015, 0.015) * h
    head_y = fy - 0.90 * h
    draw.ellipse(
        [fx - 0.062 * h + lean, head_y - 0.078 * h, fx + 0.062 * h + lean, head_y + 0.078 * h],
        fill=color,
    )
    hair = rng.choice([0.0, 0.04, 0.09])
    if hair:
        draw.ellipse(
            [fx - 0.072 * h + lean, head_y - 0.088 * h, fx + 0.072 * h + lean, head_y + hair * h],
            fill=color,
        )
    sh_y, waist_y, hip_y = fy - 0.80 * h, fy - 0.50 * h, fy - 0.44 * h
    sw, ww = 0.13 * h, 0.085 * h
    draw.polygon(
        [
            (fx - 0.03 * h + lean, head_y + 0.06 * h),
            (fx + 0.03 * h + lean, head_y + 0.06 * h),
            (fx + 0.03 * h, sh_y),
            (fx - 0.03 * h, sh_y),
        ],
        fill=color,
    )
    draw.polygon(
        [
            (fx - sw, sh_y + 0.02 * h),
            (fx - sw * 0.8, sh_y - 0.01 * h),
            (fx + sw * 0.8, sh_y - 0.01 * h),
            (fx + sw, sh_y + 0.02 * h),
            (fx + ww, waist_y),
            (fx + ww * 1.1, hip_y),
            (fx - ww * 1.1, hip_y),
            (fx - ww, waist_y),
        ],
        fill=color,
    )
    for side in (-1, 1):
        swing = rng.uniform(-0.03, 0.05) * h
        draw.polygon(
            [
                (fx + side * sw, sh_y + 0.02 * h),
                (fx + side * (sw + 0.035 * h), sh_y + 0.05 * h),
                (fx + side * (sw + 0.03 * h) + side * swing, fy - 0.44 * h),
                (fx + side * (sw - 0.015 * h) + side * swing, fy - 0.45 * h),
            ],
            fill=color,
        )
        step = rng.uniform(0.0, 0.04) * h
        draw.polygon(
            [
                (fx + side * 0.005 * h, hip_y),
                (fx + side * ww * 1.1, hip_y),
                (fx + side * (0.07 * h + step), fy),
                (fx + side * (0.02 * h + step), fy),
            ],
            fill=color,
        )


def _sun(base: Image.Image, cx: float, cy: float, r: float, color: RGB, crescent: bool) -> None:
    """A sun disc, or a crescent moon (a disc with an offset disc taken away)."""
    size = int(2 * r) + 2
    mask = Image.new("L", (size, size), 0)
    md = ImageDraw.Draw(mask)
    md.ellipse([1, 1, size - 2, size - 2], fill=235)
    if crescent:
        off = r * 0.5
        md.ellipse([1 + off, 1 - off * 0.5, size - 2 + off, size - 2 - off * 0.5], fill=0)
    base.paste(Image.new("RGB", (size, size), color), (int(cx - r), int(cy - r)), mask)


def _scenery(
    draw: ImageDraw.ImageDraw,
    setting: str,
    pal: Palette,
    rng: random.Random,
    w: int,
    h: int,
    horizon: float,
    night: bool,
) -> None:
    if setting == "city":
        x = -rng.uniform(0, 0.05) * w
        while x < w:
            bw, bh = rng.uniform(0.07, 0.16) * w, rng.uniform(0.12, 0.42) * h
            top = horizon - bh
            draw.rectangle([x, top, x + bw, horizon], fill=(*pal.far, 255))
            if night or rng.random() < 0.5:
                lit = (*pal.glow, 150 if night else 70)
                for wy in np.arange(top + 0.02 * h, horizon - 0.02 * h, 0.035 * h):
                    for wx in np.arange(x + 0.015 * w, x + bw - 0.02 * w, 0.03 * w):
                        if rng.random() < 0.35:
                            draw.rectangle([wx, wy, wx + 0.012 * w, wy + 0.014 * h], fill=lit)
            x += bw + rng.uniform(0.0, 0.02) * w
    elif setting == "sea":
        water = _mix(pal.sky_bottom, pal.far, 0.55)
        draw.rectangle([0, horizon, w, h], fill=(*water, 255))
        for _ in range(28):
            y = rng.uniform(horizon + 0.01 * h, h)
            length = rng.uniform(0.03, 0.16) * w * (0.4 + (y - horizon) / (h - horizon))
            x = rng.uniform(0, w)
            draw.line([(x, y), (x + length, y)], fill=(*pal.glow, 90), width=max(1, w // 400))
    elif setting == "stage":
        draw.rectangle([0, horizon, w, h], fill=(*pal.near_bottom, 255))
        for i in range(3):
            cx = w * (0.2 + 0.3 * i) + rng.uniform(-0.05, 0.05) * w
            spread = rng.uniform(0.18, 0.28) * w
            draw.polygon(
                [(cx - 0.02 * w, 0), (cx + 0.02 * w, 0), (cx + spread, h), (cx - spread, h)],
                fill=(*pal.glow, 36),
            )
    elif setting == "room":
        draw.rectangle([0, horizon, w, h], fill=(*pal.near_top, 255))
        wx0 = rng.uniform(0.1, 0.4) * w
        wx1 = wx0 + 0.4 * w
        draw.rectangle(
            [wx0, 0.12 * h, wx1, horizon - 0.12 * h],
            fill=(*pal.sky_bottom, 255),
            outline=(*pal.ink, 160),
            width=max(2, w // 160),
        )
        draw.line(
            [((wx0 + wx1) / 2, 0.12 * h), ((wx0 + wx1) / 2, horizon - 0.12 * h)],
            fill=(*pal.ink, 160),
            width=max(2, w // 200),
        )
    else:
        far = _ridge(rng, w, horizon - 0.06 * h, 0.07 * h)
        draw.polygon([*far, (w, horizon), (0, horizon)], fill=(*pal.far, 255))
    if setting not in ("sea", "stage", "room"):
        near = _ridge(rng, w, horizon, 0.025 * h)
        draw.polygon([*near, (w, h), (0, h)], fill=(*pal.near_top, 255))


def render_scene(prompt: str, rng: random.Random, width: int, height: int) -> Image.Image:
    """An RGB picture of ``width`` × ``height`` for ``prompt`` (drawn at 2× and reduced)."""
    text = f" {prompt.lower()} "
    setting = _pick(text, _SETTING_WORDS) or "hills"
    light = "stage" if setting == "stage" else _pick(text, _LIGHT_WORDS)
    light = light or rng.choice(["day", "dawn", "golden", "dusk", "day"])
    pal = PALETTES[light]
    w, h = width * 2, height * 2
    night = light in ("night", "stage")
    horizon = h * rng.uniform(0.58, 0.70)

    # Sky and glow at quarter resolution (they are smooth), then enlarged.
    qw, qh = max(8, w // 4), max(8, h // 4)
    sky = np.array(_vertical(pal.sky_top, pal.sky_bottom, qw, qh))
    sun_x, sun_y = rng.uniform(0.2, 0.8) * qw, horizon / 4 * rng.uniform(0.35, 0.8)
    _glow(sky, sun_x, sun_y, qw * 0.45, pal.glow, 0.55)
    base = Image.fromarray(sky.clip(0, 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.BILINEAR
    )
    draw = ImageDraw.Draw(base, "RGBA")

    if night and setting != "stage":
        for _ in range(60):
            x, y, r = rng.uniform(0, w), rng.uniform(0, horizon * 0.8), rng.uniform(1, 2.6)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 240, rng.randint(90, 220)))
    if setting not in ("room", "stage"):
        _sun(base, sun_x * 4, sun_y * 4, w * 0.06, pal.glow, crescent=light == "night")

    _scenery(draw, setting, pal, rng, w, h, horizon, night)
    if setting not in ("sea", "stage"):  # ground shading towards the bottom
        ground = Image.fromarray(
            np.array(_vertical(pal.near_top, pal.near_bottom, 1, 64)).astype(np.uint8)
        ).resize((w, int(h - horizon)), Image.Resampling.BILINEAR)
        mask = Image.linear_gradient("L").resize((w, int(h - horizon))).point(lambda v: v * 0.8)
        base.paste(ground, (0, int(horizon)), mask)

    # Rule-of-thirds guides, very faint.
    guide = (255, 255, 255, 38)
    for k in (1, 2):
        draw.line([(w * k / 3, 0), (w * k / 3, h)], fill=guide, width=max(1, w // 500))
        draw.line([(0, h * k / 3), (w, h * k / 3)], fill=guide, width=max(1, w // 500))
    if setting in ("hills", "city", "sea") or light == "overcast":
        pencil = (*pal.ink, 70)
        _sketch_line(draw, [(0, horizon), (w, horizon)], rng, pencil, max(1, w // 500))
    if any(word in text for word in _RAIN_WORDS):
        for _ in range(160):
            x, y = rng.uniform(-0.1 * w, w), rng.uniform(0, h)
            draw.line(
                [(x, y), (x + 0.012 * h, y + 0.05 * h)],
                fill=(230, 236, 245, 70),
                width=max(1, w // 600),
            )
    # Pencil hatching over the lower third, the way a storyboard artist shades ground.
    hatch = (*pal.ink, 26)
    step = max(6, w // 60)
    for x0 in range(-h, w, step):
        if rng.random() < 0.55:
            y0 = rng.uniform(horizon + 0.05 * h, h)
            draw.line([(x0 + (y0 - h) * 0.5, y0), (x0, h)], fill=hatch, width=max(1, w // 700))
    # Figures stand on the ground; the shot keyword decides how close we are. They are
    # drawn opaque into a mask and laid down once, so overlapping parts show no seams.
    shot = _pick(text, _SHOTS) or rng.choice(["medium", "medium", "wide"])
    count = _figures(text)
    slots = {1: [0.5 + rng.uniform(-0.17, 0.17)], 2: [0.34, 0.66], 3: [0.22, 0.5, 0.78]}
    if count:
        mask = Image.new("L", (w, h), 0)
        md = ImageDraw.Draw(mask)
        for i, fx in enumerate(slots[count]):
            jitter = rng.uniform(0.92, 1.06)
            if shot == "close":
                size = 2.0 * h * jitter / (1 + 0.4 * (count - 1))
                feet = 0.42 * h + 0.9 * size
            elif shot == "wide":
                size = 0.30 * h * jitter
                feet = horizon + (0.1 + 0.04 * i) * h
            else:
                size = 0.92 * h * jitter
                feet = 0.35 * h + 0.9 * size
            x = fx * w
            if feet < h:
                draw.ellipse(
                    [x - 0.12 * size, feet - 0.012 * size, x + 0.12 * size, feet + 0.012 * size],
                    fill=(0, 0, 0, 60),
                )
            _figure(md, x, feet, size, 255, rng)
        base.paste(Image.new("RGB", (w, h), pal.ink), (0, 0), mask.point(lambda v: v * 236 // 255))

    return base.reduce(2)
