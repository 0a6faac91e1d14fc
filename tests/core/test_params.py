"""Parameter declarations check and parse values the same way everywhere."""

from __future__ import annotations

import pytest

from canvastoon_desktop.core.params import ParamError, ParamKind, ParamSpec


def test_numbers_are_checked_against_their_range() -> None:
    spec = ParamSpec("steps", ParamKind.INT, 8, minimum=1, maximum=50)
    assert spec.coerce(4) == 4
    assert spec.coerce(4.0) == 4
    with pytest.raises(ParamError, match="at most 50"):
        spec.coerce(51)
    with pytest.raises(ParamError, match="whole number"):
        spec.coerce(2.5)
    with pytest.raises(ParamError, match="whole number"):
        spec.coerce(True)
    with pytest.raises(ParamError, match="whole number"):
        spec.coerce("4")


def test_floats_must_be_finite() -> None:
    spec = ParamSpec("t", ParamKind.FLOAT, 1.0)
    with pytest.raises(ParamError, match="finite"):
        spec.coerce(float("nan"))


def test_enums_accept_only_their_choices_numeric_ones_included() -> None:
    spec = ParamSpec("duration", ParamKind.ENUM, 10, choices=(6, 10))
    assert spec.parse_text("6") == 6
    with pytest.raises(ParamError, match="one of 6, 10"):
        spec.parse_text("8")


def test_text_has_a_length_limit_and_no_nul() -> None:
    spec = ParamSpec("prompt", ParamKind.TEXT, "")
    with pytest.raises(ParamError, match="characters long"):
        spec.coerce("x" * 300_000)
    with pytest.raises(ParamError, match="NUL"):
        spec.coerce("a\x00b")


def test_command_line_values_are_parsed_by_kind() -> None:
    assert ParamSpec("b", ParamKind.BOOL, False).parse_text("yes") is True
    assert ParamSpec("s", ParamKind.SEED).parse_text("none") is None
    assert ParamSpec("f", ParamKind.FLOAT, 0.0).parse_text("0.5") == 0.5
    with pytest.raises(ParamError, match="not a valid int"):
        ParamSpec("i", ParamKind.INT, 0).parse_text("many")
