"""Export presets: what each platform expects of a finished short, declared once.

Assemble Short offers them as its Preset parameter; the loudness target and true-peak ceiling
drive its two-pass normalisation. The codecs are what the MP4 writer makes (H.264 video,
AAC audio), named here so a preset states its whole contract.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExportPreset:
    id: str
    label: str
    width: int
    height: int
    fps: int
    loudness_lufs: float = -14.0
    true_peak_dbtp: float = -1.0
    video_codec: str = "H.264"
    audio_codec: str = "AAC"

    @property
    def summary(self) -> str:
        return (
            f"{self.width} × {self.height}, {self.video_codec}/{self.audio_codec}, "
            f"{self.fps} fps, {self.loudness_lufs:g} LUFS"
        )


SHORTS = ExportPreset("shorts", "Shorts / Reels / TikTok", 1080, 1920, 30)
DRAFT = ExportPreset("draft", "Draft", 720, 1280, 30)
PRESETS: dict[str, ExportPreset] = {p.id: p for p in (SHORTS, DRAFT)}
#: Assemble Short's own Size and Frame rate, at the platforms' loudness
CUSTOM = "custom"
