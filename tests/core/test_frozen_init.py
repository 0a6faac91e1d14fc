"""fast_frozen_init: a frozen dataclass's __init__ made from its own fields, faster, and the
dataclass otherwise unchanged (equality, hash, repr, replace, defaults, frozenness)."""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field
from pathlib import Path

import pytest

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.charges import Booking
from canvastoon_desktop.core.events import NodeDone, NodeSettled
from canvastoon_desktop.core.frozen_init import fast_frozen_init
from canvastoon_desktop.core.generation import ModelCall
from canvastoon_desktop.core.library.store import CachedResult
from canvastoon_desktop.core.pricing import CostRange
from canvastoon_desktop.core.status import NodeStatus
from tests.support.fakes import fake_registry


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Slotted:
    name: str
    size: int = 0
    tags: list[str] = field(default_factory=list)


@fast_frozen_init
@dataclass(frozen=True)
class WithDict:
    name: str
    size: int = 0
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlainSlotted:
    name: str
    size: int = 0
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlainWithDict:
    name: str
    size: int = 0
    tags: list[str] = field(default_factory=list)


CASES = [(Slotted, PlainSlotted), (WithDict, PlainWithDict)]


@pytest.mark.parametrize(("fast", "plain"), CASES)
def test_it_takes_the_arguments_the_dataclass_takes(fast: type, plain: type) -> None:
    for args, kwargs in [
        (("a",), {}),
        (("a", 2), {}),
        (("a",), {"tags": ["x"]}),
        ((), {"name": "a", "size": 3}),
    ]:
        made, expected = fast(*args, **kwargs), plain(*args, **kwargs)
        assert dataclasses.astuple(made) == dataclasses.astuple(expected)
    with pytest.raises(TypeError):
        fast()
    with pytest.raises(TypeError):
        fast("a", 1, [], 4)
    with pytest.raises(TypeError):
        fast("a", colour="red")


@pytest.mark.parametrize(("fast", "plain"), CASES)
def test_each_instance_gets_its_own_default_from_a_factory(fast: type, plain: type) -> None:
    one, two = fast("a"), fast("b")
    assert one.tags == [] and one.tags is not two.tags


@pytest.mark.parametrize(("fast", "plain"), CASES)
def test_equality_hash_repr_and_replace_stay_the_dataclasses(fast: type, plain: type) -> None:
    one = fast("a", 1, ("x",))  # (a tuple: hashable)
    assert one == fast("a", 1, ("x",)) and one != fast("a", 2, ("x",))
    assert hash(one) == hash(fast("a", 1, ("x",)))
    assert repr(one) == repr(plain("a", 1, ("x",))).replace(plain.__name__, fast.__name__)
    changed = dataclasses.replace(one, size=5)
    assert type(changed) is fast and (changed.name, changed.size, changed.tags) == ("a", 5, ("x",))


@pytest.mark.parametrize(("fast", "plain"), CASES)
def test_instances_stay_frozen(fast: type, plain: type) -> None:
    one = fast("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del one.size


def test_a_slotted_class_keeps_no_dict() -> None:
    assert not hasattr(Slotted("a"), "__dict__")


def test_an_asset_is_built_by_it() -> None:
    path = Path("/library/objects/ab/abc.txt")
    asset = Asset("abc", AssetKind.TEXT, "text/plain", 3, path, inline=True)
    assert (asset.sha256, asset.kind, asset.mime, asset.size, asset.path) == (
        "abc",
        AssetKind.TEXT,
        "text/plain",
        3,
        path,
    )
    assert (asset.width, asset.height, asset.duration_s, asset.inline) == (None, None, None, True)
    assert asset == Asset("abc", AssetKind.TEXT, "text/plain", 3, path, None, None, None, True)
    assert hash(asset) == hash(dataclasses.replace(asset))
    with pytest.raises(dataclasses.FrozenInstanceError):
        asset.size = 4  # type: ignore[misc]


def test_a_cached_result_is_built_by_it() -> None:
    found = CachedResult(7, {}, 0.04, "m/one", 1.5)
    assert (found.result_id, found.cost_usd, found.model, found.finished_at) == (
        7,
        0.04,
        "m/one",
        1.5,
    )
    assert (found.origin, found.graph_id) == (None, None)
    assert found == CachedResult(7, {}, 0.04, "m/one", 1.5, None, None)
    assert dataclasses.replace(found, origin="pack:x").origin == "pack:x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.cost_usd = 0.0  # type: ignore[misc]


def test_what_it_cannot_reproduce_is_refused() -> None:
    with pytest.raises(TypeError, match="not a frozen dataclass"):

        @fast_frozen_init
        @dataclass
        class Mutable:
            name: str

    with pytest.raises(TypeError, match="__post_init__"):

        @fast_frozen_init
        @dataclass(frozen=True)
        class Checked:
            name: str

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="plain positional fields"):

        @fast_frozen_init
        @dataclass(frozen=True)
        class InitOnly:
            name: str
            seed: InitVar[int] = 0

    with pytest.raises(TypeError, match="plain positional fields"):

        @fast_frozen_init
        @dataclass(frozen=True)
        class Computed:
            name: str
            size: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="plain positional fields"):

        @fast_frozen_init
        @dataclass(frozen=True, kw_only=True)
        class KeywordsOnly:
            name: str


def test_the_models_calls_bookings_and_events_built_by_it_keep_their_defaults() -> None:
    model = fake_registry().catalog.get("test/echo")
    call = ModelCall(model, {"seed": 1}, prompt="hi")
    assert (call.system, call.files, call.labels, call.template) == (None, {}, {}, None)
    assert call.files is not ModelCall(model, {}).files
    assert dataclasses.replace(call, prompt="ho") == ModelCall(model, {"seed": 1}, prompt="ho")
    booking = Booking(0.5, "reported", CostRange(0.0, 1.0), reported_usd=0.5)
    assert booking == Booking(0.5, "reported", CostRange(0.0, 1.0), 0.5, None)
    settled = NodeSettled("run", "node", None, NodeStatus.DONE)
    assert (settled.outputs, settled.cost_usd, settled.message) == ({}, 0.0, None)
    assert settled.outputs is not NodeSettled("run", "node", None, NodeStatus.DONE).outputs
    done = NodeDone(run_id="run", node_id="node", item=2, outputs={}, note="n")
    assert (done.run_id, done.item, done.cost_usd, done.note) == ("run", 2, 0.0, "n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.note = "m"  # type: ignore[misc]
