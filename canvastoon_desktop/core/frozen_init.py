"""A faster ``__init__`` for frozen dataclasses made by the thousand (one per asset, one per
cached result), derived from the dataclass's own fields so that the field list is written
once.

The ``__init__`` a frozen dataclass generates sets each field through
``object.__setattr__(self, name, value)``: a call that looks the name up again on every
instance. This one stores each value directly — through the field's slot when the class
has slots, in the instance's ``__dict__`` otherwise — which costs a third to a half of it.
Equality, hashing, ``repr``, ``dataclasses.replace`` and frozenness stay the dataclass's
own; only the construction is replaced.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from typing import Any, TypeVar

T = TypeVar("T")

#: a default factory's argument left out
_fi_missing = dataclasses.MISSING


def fast_frozen_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of the frozen dataclass ``cls`` (decorate above
    ``@dataclass(frozen=True, ...)``) with one that takes the same arguments, defaults and
    default factories, and sets the fields directly.

    Refused (TypeError) for what it does not reproduce: a class that is not a frozen
    dataclass, ``__post_init__``, init-only or keyword-only fields, fields left out of
    ``__init__``, a field named ``self`` or ``_fi_...`` (the names its code uses)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not params.init:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass with a generated __init__")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__, which fast_frozen_init does not call")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = [f.name for f in fields]
    # (what the dataclass's own __init__ takes: init-only fields and fields left out of it
    # show here as a difference)
    taken = list(inspect.signature(cls.__init__).parameters)[1:]
    if (
        taken != names
        or any(f.kw_only for f in fields)
        or any(n == "self" or n.startswith("_fi_") for n in names)
    ):
        raise TypeError(f"{cls.__name__}: only plain positional fields are supported")

    slots = [getattr(cls, f.name, None) for f in fields]
    by_slot = all(isinstance(s, types.MemberDescriptorType) for s in slots)
    if not by_slot and (
        not cls.__dictoffset__ or any(isinstance(s, types.MemberDescriptorType) for s in slots)
    ):
        raise TypeError(f"{cls.__name__}: its fields are neither all slots nor all in __dict__")

    namespace: dict[str, Any] = {"_fi_missing": _fi_missing}
    signature: list[str] = []
    body: list[str] = []
    for f, slot in zip(fields, slots, strict=True):
        name = f.name
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"_fi_factory_{name}"] = f.default_factory
            signature.append(f"{name}=_fi_missing")
            body.append(f"    if {name} is _fi_missing: {name} = _fi_factory_{name}()")
        elif f.default is not dataclasses.MISSING:
            namespace[f"_fi_default_{name}"] = f.default
            signature.append(f"{name}=_fi_default_{name}")
        else:
            signature.append(name)
        if by_slot:
            namespace[f"_fi_set_{name}"] = slot.__set__  # type: ignore[union-attr]
            body.append(f"    _fi_set_{name}(self, {name})")
        else:
            body.append(f"    _fi_fields[{name!r}] = {name}")
    if not by_slot:
        body.insert(0, "    _fi_fields = self.__dict__")
    source = f"def __init__(self, {', '.join(signature)}) -> None:\n" + "\n".join(
        body or ["    pass"]
    )
    exec(source, namespace)  # (made of the dataclass's field names only)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
