"""Cache keys: what a node × item's result depends on, and nothing else.

SHA-256 of canonical JSON of (node type and its version, model, effective params, the
content hashes of the input values, re-roll counter). Node ids and positions are not part of
it, so a copied node or a reloaded graph hits the same cache; because inputs enter as the
hashes of their *content*, a key's size does not grow with the length of a chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot put {type(value).__name__} in a cache key")


def json_encoder(**options: Any) -> Callable[[Any], str]:
    """``json.JSONEncoder(**options).encode``, made once: the text is the same, without the
    cost of building a C encoder for every call (most of it for the small values of keys and
    rows: a node's params, a few hashes). Its values are parsed JSON — a graph's params,
    hashes — which cannot hold cycles, so it does not look for them."""
    encoder = json.JSONEncoder(**options)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:  # no C accelerator: the plain way
        return encoder.encode
    chunks = make(
        None,  # no cycle check
        encoder.default,
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


canonical_json = json_encoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
)


def keyed(
    node_type: str,
    type_version: int,
    model: str | None,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    reroll: int = 0,
    *,
    inputs_json: str | None = None,
) -> tuple[str, str, str]:
    """The cache key, and the canonical JSON of its params and of its inputs (a result's
    row keeps both: they are not encoded twice). The key is the SHA-256 of
    ``canonical_json({"t": …, "v": …, "m": …, "p": params, "i": inputs, "r": …})``, put
    together from its parts in the order of the sorted keys. ``inputs_json``: that of
    ``inputs``, when the caller knows it already."""
    params_json = canonical_json(params)
    if inputs_json is None:
        inputs_json = canonical_json(inputs)
    between, after = _frame(node_type, type_version, model, reroll)
    body = f'{{"i":{inputs_json}{between}{params_json}{after}'
    return hashlib.sha256(body.encode("utf-8")).hexdigest(), params_json, inputs_json


#: the JSON around a key's params by (node type, version, model, re-roll): a graph has a few
_FRAMES: dict[tuple[Any, ...], tuple[str, str]] = {}


def _frame(node_type: str, type_version: int, model: str | None, reroll: int) -> tuple[str, str]:
    """What goes between the inputs and the params of a key's JSON, and after the params."""
    # (types too: True and 1 are the same dict key, yet not the same JSON)
    known = (node_type, type_version, type(type_version), model, reroll, type(reroll))
    frame = _FRAMES.get(known)
    if frame is None:
        if len(_FRAMES) > 4096:  # re-rolled a great many times: start again
            _FRAMES.clear()
        frame = _FRAMES[known] = (
            f',"m":{canonical_json(model)},"p":',
            f',"r":{canonical_json(reroll)},"t":{canonical_json(node_type)},'
            f'"v":{canonical_json(type_version)}}}',
        )
    return frame


SEED_RANGE = 2**31 - 1


def reroll_seed(seed: int | None, reroll: int, maximum: float | None = None) -> int | None:
    """The seed a model is called with after ``reroll`` re-rolls: the node's own seed (or
    none: the provider's random one) until the first re-roll, then one derived from it and
    the counter — so every re-roll asks for a new result, even of a model that is
    deterministic for a fixed seed (the offline ones), and the same re-roll repeats."""
    if reroll <= 0:
        return seed
    top = int(min(maximum or SEED_RANGE, SEED_RANGE))
    digest = hashlib.sha256(f"seed:{seed}:reroll:{reroll}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (top + 1)
