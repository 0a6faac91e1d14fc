"""Offline speech: eSpeak NG (formant synthesis) speaks a line into a WAV file.

The text goes in on stdin, never as an argument, so a line that starts with ``-`` is words,
not an option. espeak-ng is a system package (``scripts/install-system-deps`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from canvastoon_desktop.core.errors import MediaError

TIMEOUT_S = 60.0


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def speak_to_wav(text: str, out: Path, *, voice: str, speed: int, pitch: int) -> Path:
    """Speak ``text`` into ``out`` (mono WAV, 22 050 Hz); MediaError if eSpeak NG fails."""
    binary = espeak_binary()
    if binary is None:
        raise MediaError(
            "eSpeak NG is not installed: run scripts/install-system-deps (it installs the "
            "espeak-ng package), or choose a hosted speech model"
        )
    args = [binary, "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), "-w", str(out)]
    try:
        done = subprocess.run(
            [*args, "--stdin"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"eSpeak NG took longer than {TIMEOUT_S:.0f} s for one line") from None
    if done.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(
            f"eSpeak NG could not speak the line with voice {voice!r}"
            + (f" ({reason[0][:120]})" if reason else "")
        )
    return out
