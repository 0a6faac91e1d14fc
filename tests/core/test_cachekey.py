"""Cache keys and the JSON rows keep: the encoders made once write the very text a
``json.JSONEncoder`` writes, and a key put together from its parts is the key of the whole
body — so every result already in a library is found again."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from canvastoon_desktop.core.cachekey import canonical_json, json_encoder, keyed

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


@settings(max_examples=300, deadline=None)
@given(values)
def test_an_encoder_made_once_writes_what_a_json_encoder_writes(value) -> None:
    for options in (
        {"sort_keys": True},
        {"separators": (",", ":")},
        {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "default": str},
    ):
        assert json_encoder(**options)(value) == json.JSONEncoder(**options).encode(value)


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
