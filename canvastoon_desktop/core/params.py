"""Parameter declarations: one place that says a parameter's type, choices, range and default.

The properties panel, the file loader's checks, the CLI's ``--set`` parser and the cache key's
"effective parameters" are all derived from these declarations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import ParamError  # in the core error tree; still importable from here
from .untrusted_json import has_surrogate


class ParamKind(StrEnum):
    INT = "int"
    FLOAT = "float"
    STRING = "string"  # one line
    TEXT = "text"  # multi-line (prompts)
    ENUM = "enum"
    BOOL = "bool"
    FILE = "file"  # a path chosen with a file picker
    FOLDER = "folder"
    SEED = "seed"  # an int, or None for "random each time" (never cached as random)


MAX_TEXT_LENGTH = 200_000  # characters; a prompt longer than this is a mistake or an attack
MAX_STRING_LENGTH = 4_096
#: whole-number parameters stay within what JSON readers and spin boxes hold exactly
MAX_WHOLE_NUMBER = 2**53
#: the kinds whose text value is kept as it is once checked (an enum's is also a choice)
_TEXT_KINDS = frozenset(
    (ParamKind.STRING, ParamKind.TEXT, ParamKind.FILE, ParamKind.FOLDER, ParamKind.ENUM)
)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    kind: ParamKind
    default: Any = None
    label: str = ""
    help: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    max_length: int | None = None
    nullable: bool = False  # None is a valid value ("not set")
    advanced: bool = False  # shown folded in the properties panel
    choice_labels: Mapping[Any, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def choice_label(self, choice: Any) -> str:
        """What a chooser shows for ``choice``: its label, else an identifier-like value in
        words ("zoom_in" → "Zoom in"); other values (sizes, ratios, numbers) as they are."""
        label = self.choice_labels.get(choice)
        if label:
            return label
        text = str(choice)
        if isinstance(choice, str) and text.replace("_", "").isalpha() and text.islower():
            return text.replace("_", " ").capitalize()
        return text

    @property
    def text_limit(self) -> int:
        """The most characters a text value of this parameter may have."""
        return self.max_length or (
            MAX_TEXT_LENGTH if self.kind is ParamKind.TEXT else MAX_STRING_LENGTH
        )

    def plain_text_rule(self) -> tuple[int, frozenset[str] | None] | None:
        """When ``coerce`` keeps an ASCII text without a NUL as it is (its first case): up
        to how many characters, and the choices it must be one of (None: any text); None
        when such text takes the full path (not a text kind; an enum of other choices). For
        callers that check many values of one parameter without calling ``coerce``."""
        if self.kind not in _TEXT_KINDS:
            return None
        if self.kind is not ParamKind.ENUM or not self.choices:
            return self.text_limit, None
        if all(choice.__class__ is str for choice in self.choices):
            return self.text_limit, frozenset(self.choices)
        return None

    def coerce(self, value: Any) -> Any:
        """Return ``value`` checked and normalised for this parameter, or raise ParamError."""
        kind = self.kind
        if value.__class__ is str and kind in _TEXT_KINDS:  # the common case, in short
            limit = self.text_limit
            # ASCII holds no surrogate; anything else takes the full path below
            if len(value) <= limit and value.isascii() and "\x00" not in value:
                if kind is not ParamKind.ENUM:
                    return value
                choices = self.choices  # (an enum of numbers refuses text: below)
                if not choices or (isinstance(choices[0], str) and value in choices):
                    return value
        if value is None:
            if self.nullable or self.kind is ParamKind.SEED:
                return None
            raise ParamError(f"{self.display} needs a value")
        if kind is ParamKind.BOOL:
            if isinstance(value, bool):
                return value
            raise ParamError(f"{self.display} must be true or false, not {_show(value)}")
        if kind in (ParamKind.INT, ParamKind.SEED):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParamError(f"{self.display} must be a whole number, not {_show(value)}")
            if isinstance(value, float):
                if not math.isfinite(value) or not value.is_integer():
                    raise ParamError(f"{self.display} must be a whole number, not {value}")
                value = int(value)
            if abs(value) > MAX_WHOLE_NUMBER:
                raise ParamError(f"{self.display} is far too large ({_show(value)})")
            self._check_range(value)
            if kind is ParamKind.SEED and not 0 <= value < 2**32:
                raise ParamError(f"{self.display} must be between 0 and {2**32 - 1}")
            return self._check_choice(value)
        if kind is ParamKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParamError(f"{self.display} must be a number, not {_show(value)}")
            try:
                value = float(value)
            except OverflowError:  # an integer of hundreds of digits
                raise ParamError(f"{self.display} is far too large ({_show(value)})") from None
            if not math.isfinite(value):
                raise ParamError(f"{self.display} must be a finite number")
            self._check_range(value)
            return self._check_choice(value)
        if kind is ParamKind.ENUM and self.choices and not isinstance(self.choices[0], str):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParamError(f"{self.display} must be a number, not {_show(value)}")
            if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                value = int(value)
            return self._check_choice(value)
        # string-like kinds
        if not isinstance(value, str):
            raise ParamError(f"{self.display} must be text, not {_show(value)}")
        limit = self.text_limit
        if len(value) > limit:
            raise ParamError(f"{self.display} is {len(value):,} characters long; at most {limit:,}")
        if "\x00" in value:
            raise ParamError(f"{self.display} contains a NUL character")
        if has_surrogate(value):
            raise ParamError(f"{self.display} contains a character that is not valid Unicode")
        if kind is ParamKind.ENUM:
            return self._check_choice(value)
        return value

    def _check_range(self, value: float) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ParamError(
                f"{self.display} must be at least {_num(self.minimum)}, not {_num(value)}"
            )
        if self.maximum is not None and value > self.maximum:
            raise ParamError(
                f"{self.display} must be at most {_num(self.maximum)}, not {_num(value)}"
            )

    def _check_choice(self, value: Any) -> Any:
        if self.choices and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise ParamError(f"{self.display} must be one of {allowed}; got {_show(value)}")
        return value

    def parse_text(self, text: str) -> Any:
        """Parse a command-line value (``--set node.param=VALUE``) into this parameter's type."""
        kind = self.kind
        if text.lower() in ("none", "null", "") and (self.nullable or kind is ParamKind.SEED):
            return None
        try:
            if kind is ParamKind.BOOL:
                lowered = text.strip().lower()
                if lowered in ("true", "yes", "on", "1"):
                    return True
                if lowered in ("false", "no", "off", "0"):
                    return False
                raise ParamError(f"{self.display} must be true or false, not {text!r}")
            if kind in (ParamKind.INT, ParamKind.SEED):
                return self.coerce(int(text))
            if kind is ParamKind.FLOAT:
                return self.coerce(float(text))
            if kind is ParamKind.ENUM and self.choices and not isinstance(self.choices[0], str):
                # numeric enums (e.g. duration 6 or 10)
                number = float(text)
                return self.coerce(int(number) if number.is_integer() else number)
        except ValueError as exc:
            if isinstance(exc, ParamError):
                raise
            raise ParamError(f"{self.display}: {text!r} is not a valid {kind.value}") from None
        return self.coerce(text)


def _num(value: float) -> str:
    if isinstance(value, int):
        return _show(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
