"""Every error the core raises for a user belongs to one tree under CoreError."""

from __future__ import annotations

import re

import pytest

from canvastoon_desktop.core import errors, events
from canvastoon_desktop.core.params import ParamKind, ParamSpec


def test_a_wrong_parameter_value_is_a_core_error_and_still_a_value_error() -> None:
    spec = ParamSpec("steps", ParamKind.INT, 8, minimum=1, maximum=50)
    with pytest.raises(errors.CoreError, match="at most 50") as caught:
        spec.coerce(99)
    assert isinstance(caught.value, errors.ParamError)
    assert isinstance(caught.value, ValueError)


def test_the_node_exception_and_the_failure_event_have_different_names() -> None:
    assert issubclass(errors.NodeError, errors.CoreError)
    assert not hasattr(errors, "NodeFailed")
    assert not issubclass(events.NodeFailed, BaseException)


def test_the_docstring_tree_names_every_core_error() -> None:
    core_errors = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.CoreError)
    }
    documented = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    assert core_errors - {"CoreError"} == documented
