"""Find a font that exists on this machine for the text we are asked to draw.

No font is bundled: the platform's own fonts cover far more scripts than anything small we
could ship. Text with Hangul, kana or Han characters prefers a CJK font; when nothing is
found, Pillow's built-in scalable font is used (Latin only, but it never fails).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from PIL import ImageFont

_RESOURCES = Path(__file__).resolve().parents[3] / "resources" / "fonts"
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
    if not _RESOURCES.is_dir():
        return []
    names = sorted(p for p in _RESOURCES.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    wanted = [p for p in names if ("bold" in p.name.lower()) == bold]
    return [str(p) for p in wanted]


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
    candidates = _bundled(bold) + (_CJK[bold] + _CJK[False] if cjk else [])
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
