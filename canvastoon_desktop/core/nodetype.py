"""How a node type is declared, and the registry the app's node types are kept in.

A node type is declared once (in the top-level ``nodes`` package): its ports, its own
parameters, which model tasks it can use, and ``async def run(ctx, inputs)``. Everything
else — canvas widgets, the properties panel, file validation, the CLI's ``--set`` parser,
cache keys and quotes — is derived from the declaration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .assets import input_hashes
from .cachekey import canonical_json
from .catalog import Catalog, ModelSpec, Task
from .params import ParamKind, ParamSpec
from .ports import Port

if TYPE_CHECKING:
    from .assets import Value
    from .library import Library
    from .pricing import CostRange, PriceTable
    from .runtime import NodeContext, PortValues, SourceContext


#: the methods of ``NodeType`` that planning and validation take a short path for when a type
#: keeps them as they are (see ``NodeType.overridden``)
SHORT_PATH_METHODS = (
    "check",
    "key_params",
    "key_inputs",
    "models_in_use",
    "estimate",
    "estimate_item",
    "provided_outputs",
    "effective_params",
    "model_for",
    "resolve_model",
)


class NodeType:
    """Base of every node type. Subclasses set the class attributes and implement ``run``."""

    type_id: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str] = "generate"  # input / text / image / video / list / output
    description: ClassVar[str] = ""
    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    params: ClassVar[tuple[ParamSpec, ...]] = ()
    #: model tasks this node can use; empty for nodes that call no model
    model_tasks: ClassVar[tuple[Task, ...]] = ()
    default_model: ClassVar[str | None] = None
    #: bump when the node's behaviour changes, so old cache entries stop matching
    version: ClassVar[int] = 1
    #: False for nodes with side effects (Export) that must run every time
    cacheable: ClassVar[bool] = True
    #: a source node's output follows from its params alone and is computed while planning
    is_source: ClassVar[bool] = False
    #: the inputs whose length prices a call (per token, per character), first connected wins
    prompt_ports: ClassVar[tuple[str, ...]] = ("prompt",)
    #: what a quote calls one run of this node when it runs once per item of a list
    item_noun: ClassVar[str] = "items"
    #: which of ``SHORT_PATH_METHODS`` this type overrides, derived once when the class is
    #: made: a type that keeps a method gets the short path that stands for it
    overridden: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.overridden = frozenset(
            name
            for name in SHORT_PATH_METHODS
            # (a method that is not a classmethod any more is overridden too)
            if getattr(getattr(cls, name), "__func__", None) is not getattr(NodeType, name).__func__
        )

    # -- derived declarations -------------------------------------------------------------
    @classmethod
    def input(cls, name: str) -> Port | None:
        return _declared(cls, "inputs").by_name.get(name)

    @classmethod
    def output(cls, name: str) -> Port | None:
        return _declared(cls, "outputs").by_name.get(name)

    @classmethod
    def unconnected_inputs(cls) -> dict[str, Any]:
        """Each input's value with nothing connected: () for a port taking several, else
        None (a new dict each time)."""
        return dict(_declared(cls, "inputs").unconnected)

    @classmethod
    def unconnected_inputs_json(cls) -> str:
        """The canonical JSON of the input hashes of a node fed nothing (as a cache key
        and a result's row take them), the same for every node of the type."""
        return _declared(cls, "inputs").unconnected_json

    @classmethod
    def models(cls, catalog: Catalog) -> list[ModelSpec]:
        return catalog.for_tasks(cls.model_tasks)

    @classmethod
    def model_param(cls, catalog: Catalog) -> ParamSpec | None:
        if not cls.model_tasks:
            return None
        key = (cls, "model_param")
        cached = catalog.derived.get(key)
        if cached is None:
            models = cls.models(catalog)
            choices = tuple(m.id for m in models)
            cached = catalog.derived[key] = ParamSpec(
                "model",
                ParamKind.ENUM,
                cls.default_model or (choices[0] if choices else None),
                label="Model",
                choices=choices,
                choice_labels={m.id: m.choice_label for m in models},
            )
        return cached

    @classmethod
    def param_specs(cls, catalog: Catalog, model_id: str | None = None) -> list[ParamSpec]:
        """Every parameter of this node with the given model: model chooser, own, model's."""
        return list(cls._specs(catalog, model_id))

    @classmethod
    def param_spec_map(
        cls, catalog: Catalog, model_id: str | None = None
    ) -> Mapping[str, ParamSpec]:
        """``param_specs`` by name (shared: do not change it)."""
        key = (cls, "param_spec_map", model_id)
        cached = catalog.derived.get(key)
        if cached is None:
            cached = catalog.derived[key] = {s.name: s for s in cls._specs(catalog, model_id)}
        return cached

    @classmethod
    def _specs(cls, catalog: Catalog, model_id: str | None) -> tuple[ParamSpec, ...]:
        key = (cls, "param_specs", model_id)
        cached = catalog.derived.get(key)
        if cached is None:
            cached = catalog.derived[key] = tuple(cls._param_specs(catalog, model_id))
        return cached

    @classmethod
    def _param_specs(cls, catalog: Catalog, model_id: str | None) -> list[ParamSpec]:
        specs: list[ParamSpec] = []
        chooser = cls.model_param(catalog)
        if chooser is not None:
            specs.append(chooser)
        specs.extend(cls.params)
        model = catalog.get(model_id or (chooser.default if chooser else "") or "")
        if model is not None:
            own = {p.name for p in specs}
            specs.extend(p for p in model.params if p.name not in own)
        return specs

    @classmethod
    def new_params(
        cls, catalog: Catalog, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A new node's params: each param's default (with the given model's, else the
        default model's, own params), overridden by ``params``."""
        values = dict(params or {})
        defaults = {s.name: s.default for s in cls._specs(catalog, values.get("model"))}
        return {**defaults, **values}

    @classmethod
    def effective_params(cls, catalog: Catalog, params: Mapping[str, Any]) -> dict[str, Any]:
        """Stored params with defaults filled in; assumes they were validated."""
        model_id = params.get("model") if cls.model_tasks else None
        return {
            spec.name: params.get(spec.name, spec.default) for spec in cls._specs(catalog, model_id)
        }

    @classmethod
    def model_for(cls, catalog: Catalog, params: Mapping[str, Any]) -> ModelSpec | None:
        """The model a node would use with these params (may depend on its inputs: see
        ``resolve_model``)."""
        if not cls.model_tasks:
            return None
        chooser = cls.model_param(catalog)
        model_id = params.get("model", chooser.default if chooser else None)
        return catalog.get(model_id) if isinstance(model_id, str) else None

    @classmethod
    def resolve_model(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> ModelSpec | None:
        """The model that will really be called, which may depend on what is connected (an
        image model fed reference images switches to its edit variant). Override per node."""
        return cls.model_for(catalog, params)

    @classmethod
    def check(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[str]:
        """Semantic problems beyond per-parameter checks (override to add node rules)."""
        return cls._input_problems(connected, cls.resolve_model(catalog, params, connected))

    @classmethod
    def check_resolved(
        cls,
        catalog: Catalog,
        params: Mapping[str, Any],
        connected: frozenset[str],
        model: ModelSpec | None,
    ) -> list[str]:
        """``check``, given the model ``resolve_model`` resolved with these params and
        ports: a type that keeps ``check`` as it is does not resolve it again."""
        if "check" not in cls.overridden:
            return cls._input_problems(connected, model)
        return cls.check(catalog, params, connected)

    @classmethod
    def _input_problems(cls, connected: frozenset[str], model: ModelSpec | None) -> list[str]:
        """``check``'s own rules: required inputs, and the files ``model`` requires."""
        problems: list[str] = []
        for port in cls.inputs:
            if not port.optional and port.name not in connected:
                problems.append(f"the {port.display} input is not connected")
        if model is not None and model.files:
            for file in model.files:
                file_port = cls.input(file.name)
                if (
                    file.required
                    and file_port is not None
                    and file_port.optional
                    and file.name not in connected
                ):
                    problems.append(f"{model.label} needs the {file_port.display} input connected")
        return problems

    @classmethod
    def provided_outputs(cls, params: Mapping[str, Any]) -> frozenset[str]:
        """The outputs this node fills with these params (some outputs depend on a mode)."""
        return _declared(cls, "outputs").names

    @classmethod
    def output_count_hint(cls, params: Mapping[str, Any]) -> int | None:
        """How many items this node's outputs will hold, for quotes made before it runs
        (None: a single value)."""
        return None

    @classmethod
    def key_params(
        cls,
        library: Library,
        catalog: Catalog,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> Mapping[str, Any]:
        """The params that go into an item's cache key (all, unless an item uses only some:
        a router's shot uses the model of its own role only)."""
        return params

    @classmethod
    def key_inputs(cls, library: Library, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The input hashes that go into an item's cache key: every input's content hash,
        unless a node uses only part of an input (an image made from a shot does not
        depend on the shot's dialogue: see ``nodes/_keys.py``)."""
        from .assets import input_hashes

        return input_hashes(inputs)

    @classmethod
    def models_in_use(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[ModelSpec]:
        """Every model a run of this node may call (a router may call several)."""
        model = cls.resolve_model(catalog, params, connected)
        return [model] if model is not None else []

    @classmethod
    def estimate(
        cls,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        connected: frozenset[str],
        *,
        prompt_chars: int | None = None,
    ) -> CostRange:
        """What one run of this node (one item) should cost."""
        from .pricing import CostRange

        model = cls.resolve_model(catalog, params, connected)
        if model is None:
            return CostRange()
        return prices.estimate(model, params, prompt_chars=prompt_chars)

    @classmethod
    def estimate_item(
        cls,
        library: Library,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> CostRange | None:
        """What one item costs once its inputs are known, when they decide it (a router's
        shot picks its model and length); None: ``estimate`` holds for every item."""
        return None

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        """For source nodes: their outputs, computed from params alone and without side
        effects (hashes are enough: the planner needs them for downstream cache keys)."""
        raise NotImplementedError

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class _Declared:
    """What a type's inputs or outputs declare, worked out once per declaration (shared:
    do not change it)."""

    ports: tuple[Port, ...]
    #: each port by name (the first of a name, as a search finds)
    by_name: dict[str, Port]
    names: frozenset[str]
    #: each port's value with nothing connected (for inputs), and its hashes' canonical JSON
    unconnected: dict[str, Any]
    unconnected_json: str


#: by the identity of a declaration's ports (each entry keeps its ports alive, so the id is
#: not reused; a replaced declaration is worked out again under its own)
_DECLARED: dict[int, _Declared] = {}


def _declared(node_type: type[NodeType], side: str) -> _Declared:
    """A node type's inputs or outputs (``side``), as its declaration says them now."""
    ports = getattr(node_type, side)
    known = _DECLARED.get(id(ports))
    if known is None:
        by_name: dict[str, Port] = {}
        for port in ports:
            by_name.setdefault(port.name, port)
        unconnected = {port.name: () if port.multiple else None for port in ports}
        known = _DECLARED[id(ports)] = _Declared(
            ports,
            by_name,
            frozenset(by_name),
            unconnected,
            canonical_json(input_hashes(unconnected)),
        )
    return known


@dataclass
class NodeRegistry:
    """The node types known to an app instance, by ``type_id``."""

    types: dict[str, type[NodeType]]
    catalog: Catalog

    def __init__(self, catalog: Catalog, types: list[type[NodeType]] | None = None) -> None:
        self.catalog = catalog
        self.types = {}
        for node_type in types or ():
            self.register(node_type)

    def register(self, node_type: type[NodeType]) -> type[NodeType]:
        if node_type.type_id in self.types:
            raise ValueError(f"node type {node_type.type_id!r} is declared twice")
        self.types[node_type.type_id] = node_type
        return node_type

    def get(self, type_id: str) -> type[NodeType] | None:
        return self.types.get(type_id)

    def __getitem__(self, type_id: str) -> type[NodeType]:
        return self.types[type_id]

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.types

    def __iter__(self) -> Iterator[type[NodeType]]:
        return iter(self.types.values())

    def copy(self) -> NodeRegistry:
        clone = NodeRegistry(self.catalog.copy())
        clone.types = dict(self.types)
        return clone
