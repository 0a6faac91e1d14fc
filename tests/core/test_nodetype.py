"""A node type is declared once; its model chooser, its parameters (with the chosen model's
own), their defaults and its connection rules all follow from that declaration."""

from __future__ import annotations

import pytest

from canvastoon_desktop.core.catalog import Task
from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from tests.support.fakes import ECHO_MODEL, FREE_ECHO_MODEL, Step, fake_catalog

CATALOG = fake_catalog()


class Caption(NodeType):
    """A chat node with an input it cannot do without."""

    type_id = "test.caption"
    title = "Caption"
    inputs = (
        Port("image", PortType.IMAGE),
        Port("style", PortType.TEXT, optional=True),
    )
    outputs = (Port("text", PortType.TEXT),)
    params = (ParamSpec("tone", ParamKind.STRING, "warm"),)
    model_tasks = (Task.CHAT,)
    default_model = FREE_ECHO_MODEL.id


class Note(NodeType):
    """A node that calls no model."""

    type_id = "test.note"
    title = "Note"
    params = (ParamSpec("text", ParamKind.STRING, ""),)


def test_the_model_chooser_offers_the_catalogs_models_for_the_nodes_task() -> None:
    chooser = Caption.model_param(CATALOG)
    assert chooser is not None and chooser.kind is ParamKind.ENUM
    assert chooser.default == FREE_ECHO_MODEL.id  # the declared default, not the first
    chat_models = {m.id for m in CATALOG.for_tasks((Task.CHAT,))}
    assert set(chooser.choices) == chat_models
    assert {ECHO_MODEL.id, FREE_ECHO_MODEL.id} <= chat_models
    assert chooser.choice_labels[ECHO_MODEL.id] == ECHO_MODEL.choice_label


def test_a_node_without_model_tasks_has_no_chooser_and_no_model() -> None:
    assert not Note.model_tasks
    assert Note.model_param(CATALOG) is None
    assert Note.model_for(CATALOG, {"model": ECHO_MODEL.id}) is None
    assert [s.name for s in Note.param_specs(CATALOG)] == ["text"]


def test_parameters_are_the_chooser_then_the_nodes_own_then_the_models() -> None:
    names = [s.name for s in Caption.param_specs(CATALOG, ECHO_MODEL.id)]
    assert names == ["model", "tone", "suffix"]  # suffix is the echo model's own
    assert Caption.param_spec_map(CATALOG, ECHO_MODEL.id)["suffix"] is ECHO_MODEL.params[0]


def test_a_parameter_the_node_declares_itself_is_not_repeated_for_its_model() -> None:
    class Suffixed(Caption):
        type_id = "test.suffixed"
        params = (ParamSpec("suffix", ParamKind.STRING, "!"),)

    specs = Suffixed.param_specs(CATALOG, ECHO_MODEL.id)
    assert [s.name for s in specs] == ["model", "suffix"]
    assert specs[1].default == "!"  # the node's own declaration wins


def test_stored_params_are_completed_with_the_defaults() -> None:
    effective = Caption.effective_params(CATALOG, {"model": ECHO_MODEL.id})
    assert effective == {"model": ECHO_MODEL.id, "tone": "warm", "suffix": ""}
    assert Caption.effective_params(CATALOG, {"tone": "dry"}) == {
        "model": FREE_ECHO_MODEL.id,
        "tone": "dry",
        "suffix": "",
    }
    assert Caption.model_for(CATALOG, {}) is CATALOG.get(FREE_ECHO_MODEL.id)


def test_a_required_input_left_unconnected_is_named_and_an_optional_one_is_not() -> None:
    problems = Caption.check(CATALOG, {}, frozenset())
    assert len(problems) == 1 and "not connected" in problems[0]
    assert Caption.input("image").display in problems[0]
    assert Caption.check(CATALOG, {}, frozenset({"image"})) == []


def test_ports_are_found_by_name() -> None:
    assert Caption.input("style").optional
    assert Caption.output("text").type is PortType.TEXT
    assert Caption.input("text") is None and Caption.output("image") is None


def test_the_registry_refuses_a_type_declared_twice_and_copies_stay_apart() -> None:
    registry = NodeRegistry(CATALOG, [Step, Note])
    assert "test.note" in registry and registry["test.step"] is Step
    assert registry.get("test.caption") is None
    with pytest.raises(ValueError, match=r"'test\.note' is declared twice"):
        registry.register(Note)
    clone = registry.copy()
    clone.register(Caption)
    assert "test.caption" in clone and "test.caption" not in registry
    assert [t.type_id for t in registry] == ["test.step", "test.note"]
