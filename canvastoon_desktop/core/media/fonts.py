"""Find a font that exists on this machine for the text we are asked to draw.

One font is bundled (``resources/fonts``: Nanum Gothic, SIL Open Font License, with Hangul
and Latin), so lettering and captions look the same on every machine and Korean never falls
back to empty boxes. Text with kana or Han characters the bundled font lacks prefers the
platform's CJK fonts; when nothing is found, Pillow's built-in scalable font is used (Latin
only, but it never fails).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from PIL import ImageFont

from canvastoon_desktop.core.resources import resources_dir

_RESOURCES = resources_dir() / "fonts"
_WINFONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"

_LATIN = {
    False: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/noto/NotoSans-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
        str(_WINFONTS / "segoeui.ttf"),
        str(_WINFONTS / "arial.ttf"),
    ],
    True: [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/noto/NotoSans-Bold.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
        "/Library/Fonts/Arial Bold.ttf",
        str(_WINFONTS / "segoeuib.ttf"),
        str(_WINFONTS / "arialbd.ttf"),
    ],
}
_CJK = {
    False: [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
        "/usr/share/fonts/nanum/NanumGothic.ttf",
        "/System/Library/Fonts/AppleSDGothicNeo.ttc",
        "/System/Library/Fonts/Supplemental/AppleGothic.ttf",
        "/System/Library/Fonts/Hiragino Sans GB.ttc",
        str(_WINFONTS / "malgun.ttf"),
        str(_WINFONTS / "YuGothM.ttc"),
        str(_WINFONTS / "msyh.ttc"),
    ],
    True: [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
        "/usr/share/fonts/nanum/NanumGothicBold.ttf",
        "/System/Library/Fonts/AppleSDGothicNeo.ttc",
        str(_WINFONTS / "malgunbd.ttf"),
        str(_WINFONTS / "YuGothB.ttc"),
        str(_WINFONTS / "msyhbd.ttc"),
    ],
}
_CJK_CHARS = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]"
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def needs_cjk(text: str) -> bool:
    return bool(_CJK_CHARS.search(text))


def _bundled(bold: bool) -> list[str]:
    """The bundled fonts, the bold ones first when ``bold`` (the regular one otherwise)."""
    if not _RESOURCES.is_dir():
        return []
    names = sorted(p for p in _RESOURCES.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    return [str(p) for p in sorted(names, key=lambda p: ("bold" in p.name.lower()) != bold)]


def bundled_font_path() -> Path | None:
    """The bundled Hangul-capable font (for lettering), or None if it was removed."""
    found = _bundled(False)
    return Path(found[0]) if found else None


_local = threading.local()  # FreeType faces are not safe to share between threads


def get_font(size: int, *, bold: bool = False, cjk: bool = False) -> Font:
    """A TrueType font of ``size`` pixels; CJK-capable first when ``cjk`` is true."""
    size = max(6, int(size))
    cache: dict[tuple[int, bool, bool], Font] = _local.__dict__.setdefault("fonts", {})
    key = (size, bold, cjk)
    if key not in cache:
        cache[key] = _load(size, bold, cjk)
    return cache[key]


def _load(size: int, bold: bool, cjk: bool) -> Font:
    bundled = _bundled(bold)
    if bold and not cjk and not any("bold" in Path(b).name.lower() for b in bundled):
        # Latin bold: the platform's bold face beats the bundled regular one
        candidates = _LATIN[True] + bundled + _LATIN[False]
    else:
        candidates = bundled + (_CJK[bold] + _CJK[False] if cjk else [])
        candidates += _LATIN[bold] + _LATIN[False]
    for path in candidates:
        if os.path.isfile(path):
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size)
    except Exception:  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()
