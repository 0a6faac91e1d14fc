"""Every key the app knows is redacted everywhere it writes — even a key no run uses, pasted
into a Text node — and terminal output shows control sequences instead of obeying them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core import secrets
from canvastoon_desktop.core.secrets import KeyStore, redact_secrets, remember_known_keys
from tests.providers.hosted_rig import dump_library

KEY = "sk-aiml-canary-7f3e9b21c4d58a06"


def everything_under(root: Path) -> str:
    """Every file under ``root`` (zips opened, SQLite dumped), as text."""
    parts = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.name == "library.sqlite":
            parts.append(dump_library(path.parent))
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                parts.extend(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.slow
def test_a_key_pasted_into_a_text_node_is_written_nowhere(
    examples: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("AIML_API_KEY", KEY)  # known to the app, used by no offline run
    monkeypatch.setattr(secrets, "_known", set())  # nothing remembered before the command
    graph = examples / "offline_storyboard.ctoon"
    library = tmp_path / "library"
    code = main(
        [
            "run",
            str(graph),
            "--library",
            str(library),
            "--json",
            "--set",
            f"idea.text=My AIML key is {KEY} keep it safe",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    pack = tmp_path / "share.ctoonpack"
    assert main(["pack", str(graph), "--to", str(pack), "--library", str(library)]) == 0
    assert main(["runs", "--library", str(library), "--json"]) == 0
    assert main(["assets", "list", "--library", str(library), "--json"]) == 0
    out2, err2 = capsys.readouterr()
    written = everything_under(tmp_path) + everything_under(examples / "exports")
    for text in (written, out, err, out2, err2):
        assert KEY not in text
    assert "[redacted]" in written  # it was there, and replaced


def test_keys_in_the_keyring_are_known_up_front(monkeypatch) -> None:
    monkeypatch.setattr(secrets, "_known", set())

    class Keyring(KeyStore):
        def _keyring_get(self, provider: str) -> str | None:
            return {"replicate": "r8_keyring-canary-0123456789"}.get(provider)

    remember_known_keys(Keyring(environ={}))
    assert redact_secrets("token r8_keyring-canary-0123456789") == "token [redacted]"


def test_model_text_with_terminal_escapes_is_shown_not_obeyed(
    examples: Path, tmp_path: Path, capsys
) -> None:
    hostile = "clear\x1b[2J\x1b]0;owned\x07 bell\x07 back\x08 done"
    code = main(
        [
            "run",
            str(examples / "offline_storyboard.ctoon"),
            "--library",
            str(tmp_path / "library"),
            "--only",
            "image_prompt",
            "--set",
            f"idea.text={hostile}",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "clear" in out  # the text is shown ...
    for control in ("\x1b", "\x07", "\x08"):  # ... without the sequences
        assert control not in out and control not in err


@pytest.mark.parametrize(
    "text", ["\x1b[31mred\x1b[0m", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "a\x9bb", "t\x00z"]
)
def test_plain_strips_escape_sequences(text: str) -> None:
    from canvastoon_desktop.core.logs import plain

    cleaned = plain(text)
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in cleaned)
    assert json.dumps(cleaned)
