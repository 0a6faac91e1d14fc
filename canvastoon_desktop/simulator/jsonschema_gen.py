"""Make a JSON value that validates against a JSON Schema, with meaningful strings.

Covers what structured-output schemas use in practice (pydantic's ``model_json_schema``
and hand-written ones): object / array / string / integer / number / boolean / null,
``enum``, ``const``, ``required``, ``minItems``/``maxItems``, ``minLength``/``maxLength``,
numeric bounds, ``format``, ``$ref`` into ``$defs``/``definitions``, ``allOf``/``anyOf``/
``oneOf`` and type lists. Strings are chosen from the property name and the request's
:class:`~.textgen.Topic`, so an array of shots comes back as shots with titles and prompts.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from .textgen import CAMERAS, LIGHTING, LOCATIONS, MOODS, NAMES, STYLES, TIMES, Topic

__all__ = ["generate"]

_DEFAULT_ITEMS = 4
_NESTED_ITEMS = 3
_MAX_DEPTH = 12


def generate(schema: dict[str, Any], topic: Topic) -> Any:
    """A deterministic instance of ``schema`` about ``topic``."""
    return _Generator(schema, topic).value(schema, name="", index=0, depth=0)


class _Generator:
    def __init__(self, root: dict[str, Any], topic: Topic) -> None:
        self.root = root
        self.topic = topic

    # -- schema plumbing ---------------------------------------------------------------
    def resolve(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            target: Any = self.root
            if not ref.startswith("#"):
                break
            for part in ref.lstrip("#/").split("/"):
                if part:
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **extra}
            seen += 1
        if not isinstance(schema, dict):
            return {}
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                for key, val in part.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **val}
                    elif key == "required":
                        merged["required"] = sorted({*merged.get("required", []), *val})
                    else:
                        merged.setdefault(key, val)
            schema = merged
        return schema

    def value(self, schema: Any, name: str, index: int, depth: int) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = [v for v in schema["enum"] if v is not None] or schema["enum"]
            return options[hash_index(self.topic, name, index, len(options))]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(o) for o in schema[key]]
                usable = [o for o in options if o.get("type") != "null"] or options
                base = {k: v for k, v in schema.items() if k != key}
                return self.value({**base, **usable[0]}, name, index, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                kind = "string"
        if depth > _MAX_DEPTH:
            return _minimal(kind)
        maker = {
            "object": self.object_,
            "array": self.array_,
            "string": self.string_,
            "integer": self.integer_,
            "number": self.number_,
            "boolean": self.boolean_,
        }.get(kind)
        return None if maker is None else maker(schema, name, index, depth)

    # -- per type ----------------------------------------------------------------------
    def object_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> Any:
        props: dict[str, Any] = schema.get("properties", {})
        out = {key: self.value(sub, key, index, depth + 1) for key, sub in props.items()}
        for key in schema.get("required", []):
            if key not in out:
                out[key] = self.string_({}, key, index, depth)
        if not props and schema.get("additionalProperties") not in (False, None):
            extra = schema["additionalProperties"]
            sub = extra if isinstance(extra, dict) else {"type": "string"}
            out["summary"] = self.value(sub, "summary", index, depth + 1)
        return out

    def array_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> list[Any]:
        lo = int(schema.get("minItems", 0))
        hi = schema.get("maxItems")
        wanted = self.topic.count_hint if depth <= 2 and self.topic.count_hint else None
        n = wanted or (_DEFAULT_ITEMS if depth <= 2 else _NESTED_ITEMS)
        n = max(n, lo)
        if hi is not None:
            n = min(n, int(hi))
        prefix = schema.get("prefixItems", [])
        items = schema.get("items", {})
        if not isinstance(items, dict):
            items = {}
        out: list[Any] = []
        for i in range(n):
            sub = prefix[i] if i < len(prefix) else items
            out.append(self.value(sub, _singular(name), i, depth + 1))
        return out

    def string_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> str:
        fmt = schema.get("format")
        if fmt in ("date-time", "datetime"):
            text = f"2025-01-{index % 28 + 1:02d}T12:00:00Z"
        elif fmt == "date":
            text = f"2025-01-{index % 28 + 1:02d}"
        elif fmt == "time":
            text = f"{index % 24:02d}:00:00"
        elif fmt in ("uri", "url", "uri-reference"):
            text = f"https://example.com/{name or 'item'}/{index + 1}"
        elif fmt == "email":
            text = f"{self.topic.pick(NAMES, name, index).lower()}@example.com"
        elif fmt == "uuid":
            text = f"00000000-0000-4000-8000-{index + 1:012d}"
        else:
            text = self.text_for(name.lower(), index)
        lo = int(schema.get("minLength", 0))
        hi = schema.get("maxLength")
        while len(text) < lo:
            text = f"{text} {self.topic.visual(index + len(text))}"
        if hi is not None and len(text) > int(hi):
            text = text[: int(hi)].rstrip() or text[: int(hi)]
        return text

    def text_for(self, name: str, index: int) -> str:
        t = self.topic
        has = lambda *words: any(w in name for w in words)  # noqa: E731
        if has("negative"):
            return "blurry, low quality, extra fingers, watermark, text artifacts"
        if has("prompt", "visual", "description", "action", "scene", "image", "video", "shot"):
            return t.visual(index)
        if has("title", "heading", "headline", "label"):
            return t.title(index)
        if has("character", "speaker", "protagonist") or name in ("name", "who"):
            return t.nth(t.cast, index, name) if t.cast else t.pick(NAMES, name, index)
        if has("dialog", "line", "speech", "quote", "caption", "subtitle"):
            return t.line(index)
        if has("camera", "angle", "framing", "lens", "movement"):
            return t.pick(CAMERAS, name, index)
        if has("mood", "tone", "emotion", "atmosphere", "feeling"):
            return t.pick(MOODS, name, index)
        if has("location", "setting", "place", "background"):
            return t.pick(LOCATIONS, name, index)
        if has("time"):
            return t.pick(TIMES, name, index)
        if has("light"):
            return t.pick(LIGHTING, name, index)
        if has("style", "look", "aesthetic"):
            return t.pick(STYLES, name, index)
        if has("aspect"):
            return "9:16"
        if has("lang"):
            return "en"
        if name in ("id", "slug", "key") or name.endswith("_id"):
            return f"{_singular(name) or 'item'}-{index + 1}"
        if has("summary", "synopsis", "logline", "overview", "text", "content", "narration"):
            return f"{t.subject()}: {t.visual(index)}."
        return (
            f"{t.keyword(name, index)} {t.pick(MOODS, name, index)} {t.keyword(name, 'b', index)}"
        )

    def integer_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> int:
        lname = name.lower()
        if any(w in lname for w in ("index", "number", "order", "position", "step")):
            guess = index + 1
        elif any(w in lname for w in ("duration", "second", "length")):
            guess = 5
        elif "count" in lname:
            guess = 3
        else:
            guess = hash_index(self.topic, name, index, 100) + 1
        lo, hi = _bounds(schema, integer=True)
        value = int(min(max(guess, lo), hi))
        step = schema.get("multipleOf")
        if step:
            value = int(math.ceil(value / step) * step)
            if value > hi:
                value = int(math.floor(hi / step) * step)
        return value

    def number_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> float:
        lname = name.lower()
        if any(w in lname for w in ("duration", "second", "length")):
            guess = 5.0
        else:
            guess = (hash_index(self.topic, name, index, 1000) + 1) / 100.0
        lo, hi = _bounds(schema, integer=False)
        value = float(min(max(guess, lo), hi))
        step = schema.get("multipleOf")
        if step:
            value = math.ceil(value / step) * step
            if value > hi:
                value = math.floor(hi / step) * step
        return value

    def boolean_(self, schema: dict[str, Any], name: str, index: int, depth: int) -> bool:
        return hash_index(self.topic, name, index, 2) == 1


def hash_index(topic: Topic, name: str, index: int, n: int) -> int:
    return _stable(topic.text, topic.salt, name, index) % max(n, 1)


def _stable(*parts: object) -> int:
    raw = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[float, float]:
    eps = 1 if integer else 1e-6
    lo = schema.get("minimum", -math.inf)
    hi = schema.get("maximum", math.inf)
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
        lo = max(lo, schema["exclusiveMinimum"] + eps)
    if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
        hi = min(hi, schema["exclusiveMaximum"] - eps)
    if integer:
        lo = math.ceil(lo) if lo != -math.inf else -(10**9)
        hi = math.floor(hi) if hi != math.inf else 10**9
    return lo, hi


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _minimal(kind: str) -> Any:
    return {
        "object": {},
        "array": [],
        "string": "",
        "integer": 0,
        "number": 0.0,
        "boolean": False,
    }.get(kind)
