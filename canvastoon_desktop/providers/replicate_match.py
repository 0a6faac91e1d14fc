"""Recognising the prediction a lost create made, from the input Replicate shows back.

Replicate stores a prediction's input and shows it back re-serialised: a whole float may
come back as an integer (1.0 as 1), a float through single precision (0.1 as
0.10000000149011612), and a file input — a data URI or an uploaded file — as a URL of its
own delivery host. Byte-for-byte comparison would miss the prediction and pay again. So:

- the settings (every input but the files) are compared after :func:`normal` (numbers to a
  few significant digits, keys in any order): ``input_match``;
- each file is compared by the SHA-256 of its bytes: read back from a data URI, fetched
  from a URL (inputs live an hour at Replicate, like outputs), or matched as the very URL
  that was sent (an upload).

A prediction whose settings match but whose files cannot be read is neither adopted nor
ignored: the create is reported as of unknown outcome, and nothing is sent again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = ["SentInput", "input_match", "normal"]

#: significant digits numbers are compared to
DIGITS = 7
#: values kept verbatim in the journal to recognise an upload's URL (data URIs are not)
MAX_KEPT_CHARS = 2048

#: reads a file input back from a URL; None when it cannot be read
Reader = Callable[[str], Awaitable[bytes | None]]


def normal(value: Any) -> Any:
    """``value`` as Replicate's re-serialisation cannot change it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return f"{number:.{DIGITS}g}" if math.isfinite(number) else repr(number)
    if isinstance(value, Mapping):
        return {str(k): normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normal(v) for v in value]
    return str(value)


def input_match(value: Mapping[str, Any], file_fields: Iterable[str]) -> str:
    """A hash of an input's settings (its files only by their presence)."""
    files = set(file_fields)
    settings = {
        str(key): "<file>" if key in files else normal(item)
        for key, item in value.items()
        if item is not None
    }
    data = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SentInput:
    """What a create sent, as the journal keeps it: enough to recognise its prediction."""

    match: str
    #: file field -> SHA-256 of the bytes sent
    files: dict[str, str] = field(default_factory=dict)
    #: file field -> the value sent, when short (an uploaded file's URL)
    sent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, inputs: Mapping[str, Any], files: Mapping[str, bytes]) -> SentInput:
        return cls(
            input_match(inputs, files),
            {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
            {
                name: str(inputs[name])
                for name in files
                if len(str(inputs.get(name, ""))) <= MAX_KEPT_CHARS
            },
        )

    def info(self) -> dict[str, Any]:
        return {"input_match": self.match, "input_files": self.files, "input_sent": self.sent}

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> SentInput | None:
        match = info.get("input_match")
        if not isinstance(match, str):
            return None
        files = info.get("input_files")
        sent = info.get("input_sent")
        if not isinstance(files, dict):
            files = {}
        if not isinstance(sent, dict):
            sent = {}
        return cls(
            match,
            {str(k): str(v) for k, v in files.items()},
            {str(k): str(v) for k, v in sent.items()},
        )

    async def made(self, echoed: Any, read: Reader) -> bool | None:
        """Whether a prediction showing ``echoed`` as its input was made by this create:
        True, False, or None when its settings match but a file cannot be read back."""
        if not isinstance(echoed, Mapping) or input_match(echoed, self.files) != self.match:
            return False
        unread = False
        for name, digest in self.files.items():
            value = echoed.get(name)
            if not isinstance(value, str) or not value:
                return False
            if value == self.sent.get(name):
                continue
            data = _data_uri_bytes(value) if value.startswith("data:") else await read(value)
            if data is None:
                unread = True
            elif hashlib.sha256(data).hexdigest() != digest:
                return False
        return None if unread else True


def _data_uri_bytes(uri: str) -> bytes | None:
    head, _, body = uri.partition(",")
    try:
        if head.endswith(";base64"):
            return base64.b64decode(body, validate=False)
        return unquote_to_bytes(body)
    except (binascii.Error, ValueError):
        return None
