"""Cache keys: a result is found again exactly when nothing it depends on changed. And the
JSON rows keep: the encoders made once write the very text a
``json.JSONEncoder`` writes, and a key put together from its parts is the key of the whole
body — so every result already in a library is found again."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.cachekey import (
    canonical_json,
    json_encoder,
    keyed,
    reroll_seed,
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def cache_key(*parts: object) -> str:
    """The key alone (the executor also keeps the params' and inputs' JSON ``keyed`` made)."""
    return keyed(*parts)[0]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values)
def test_an_encoder_made_once_writes_what_a_json_encoder_writes(value) -> None:
    for options in (
        {"sort_keys": True},
        {"separators": (",", ":")},
        {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "default": str},
    ):
        assert json_encoder(**options)(value) == json.JSONEncoder(**options).encode(value)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.text(min_size=1, max_size=20),
    st.integers(0, 5),
    st.none() | st.text(max_size=20),
    st.dictionaries(st.text(max_size=8), values, max_size=5),
    st.dictionaries(st.text(max_size=8), st.none() | st.text(max_size=64), max_size=3),
    st.integers(0, 9),
)
def test_a_key_made_of_its_parts_is_the_key_of_the_whole_body(
    node_type, version, model, params, inputs, reroll
) -> None:
    body = {"t": node_type, "v": version, "m": model, "p": params, "i": inputs, "r": reroll}
    expected = hashlib.sha256(
        json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    ).hexdigest()
    key, params_json, inputs_json = keyed(node_type, version, model, params, inputs, reroll)
    assert key == expected
    assert (params_json, inputs_json) == (canonical_json(params), canonical_json(inputs))
    assert json.loads(params_json) == params and json.loads(inputs_json) == inputs


BASE = ("image_gen", 1, "google/nano-banana-pro", {"prompt": "a rooftop"}, {"image": "ab12"}, 0)


def test_the_order_params_were_written_in_does_not_change_the_key() -> None:
    one = cache_key("video", 1, "m", {"duration": 5, "prompt": "x"}, {"image": "ab"})
    other = cache_key("video", 1, "m", {"prompt": "x", "duration": 5}, {"image": "ab"})
    assert one == other
    assert cache_key("t", 1, None, {"refs": (1, 2)}, {}) == cache_key(
        "t", 1, None, {"refs": [1, 2]}, {}
    )


@pytest.mark.parametrize(
    "changed",
    [
        ("video", *BASE[1:]),  # another node type
        (BASE[0], 2, *BASE[2:]),  # the node type's behaviour changed (its version)
        (*BASE[:2], "prunaai/z-image-turbo", *BASE[3:]),  # another model
        (*BASE[:3], {"prompt": "a stage"}, *BASE[4:]),  # another param value
        (*BASE[:4], {"image": "cd34"}, 0),  # another input picture
        (*BASE[:5], 1),  # a re-roll
    ],
)
def test_everything_a_result_depends_on_changes_its_key(changed: tuple) -> None:
    assert cache_key(*changed) != cache_key(*BASE)


def test_values_a_key_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot put object in a cache key"):
        cache_key("t", 1, None, {"x": object()}, {})
    with pytest.raises(ValueError):
        cache_key("t", 1, None, {"x": float("nan")}, {})


def test_a_reroll_gives_a_new_seed_each_time_and_the_same_one_again() -> None:
    assert reroll_seed(7, 0) == 7 and reroll_seed(None, 0) is None  # the node's own seed
    seeds = [reroll_seed(7, n) for n in range(1, 6)]
    assert len(set(seeds)) == 5 and 7 not in seeds
    assert seeds == [reroll_seed(7, n) for n in range(1, 6)]  # repeatable
    assert reroll_seed(None, 1) is not None  # a random seed's node gets one too
    assert all(0 <= reroll_seed(7, n, maximum=1000) <= 1000 for n in range(1, 50))
    assert reroll_seed(7, 1) != reroll_seed(8, 1)
