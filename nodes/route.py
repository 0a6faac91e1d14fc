"""Route Video: sends each shot to the video model of its role. A role's default is the
catalog's video model declared with that role (action → Hailuo, motion → Seedance,
cinematic → Veo); every video model in the catalog may be chosen instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    ROLES,
    SPOKEN_FIELDS,
    Catalog,
    CoreError,
    CostRange,
    Library,
    ModelCall,
    ModelSpec,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    PriceTable,
    Role,
    ShotListError,
    Task,
    default_catalog,
    shot_from_json,
)

from ._keys import keyed_without
from ._prompting import without_text


def route_param(catalog: Catalog, role: str) -> ParamSpec:
    """A role's model chooser: every video model of the catalog, the role's own first."""
    models = catalog.for_tasks((Task.VIDEO,))
    own = next((m.id for m in models if m.role is Role(role)), None)
    return ParamSpec(
        f"{role}_model",
        ParamKind.ENUM,
        own or (models[0].id if models else None),
        label=f"{role.capitalize()} →",
        choices=tuple(m.id for m in models),
    )


def default_routes(catalog: Catalog) -> dict[str, str]:
    """Each shot role's default video model: the catalog's video model of that role."""
    return {role: route_param(catalog, role).default for role in ROLES}


#: the default routes with the app's catalog
DEFAULT_ROUTES = default_routes(default_catalog())


def allowed_durations(model: ModelSpec) -> list[Any]:
    """The lengths the model makes with its other params at their defaults (its choices,
    or the two ends of its range), minus those it refuses (Hailuo: 1080P is 6 s only)."""
    spec = model.param(model.duration_param or "")
    if spec is None:
        return []
    values = list(spec.choices) or [v for v in (spec.minimum, spec.maximum) if v is not None]
    if spec.kind.value == "int":
        values = [round(v) for v in values]
    name = spec.name
    return [v for v in values if not model.problems(model.call_params({name: v}))]


def fitted_duration(model: ModelSpec, seconds: float) -> Any:
    """The model's allowed duration closest to the shot's (the longer one on a tie)."""
    spec = model.param(model.duration_param or "")
    if spec is None:
        return None
    if spec.choices:
        allowed = allowed_durations(model) or list(spec.choices)
        return min(allowed, key=lambda c: (abs(float(c) - seconds), -float(c)))
    low = spec.minimum if spec.minimum is not None else seconds
    high = spec.maximum if spec.maximum is not None else seconds
    value = min(max(seconds, low), high)
    return round(value) if spec.kind.value == "int" else float(value)


class RouteVideo(NodeType):
    type_id = "route_video"
    item_noun = "shots"  # in an episode it runs once per shot
    title = "Route Video"
    category = "video"
    description = "Animates each shot with the video model of its role."
    inputs = (
        Port("shot", PortType.SHOTS),
        Port("image", PortType.IMAGE, label="First frame"),
        Port("prompt", PortType.TEXT, optional=True, help="Replaces the shot's video prompt"),
    )
    outputs = (Port("video", PortType.VIDEO),)
    params = (
        ParamSpec(
            "fit_duration",
            ParamKind.BOOL,
            True,
            label="Use the shot's duration",
            help="Pick the model's allowed duration closest to the shot's",
        ),
        ParamSpec("prompt", ParamKind.TEXT, "", help="Added after each shot's video prompt"),
    )

    @classmethod
    def _param_specs(cls, catalog: Catalog, model_id: str | None) -> list[ParamSpec]:
        """One model chooser per shot role, derived from the catalog, then the own params."""
        return [*(route_param(catalog, role) for role in ROLES), *cls.params]

    @classmethod
    def routes(cls, catalog: Catalog, params: Mapping[str, Any]) -> dict[str, ModelSpec]:
        specs = cls.param_spec_map(catalog)
        return {
            role: catalog[params.get(f"{role}_model") or specs[f"{role}_model"].default]
            for role in ROLES
        }

    @classmethod
    def models_in_use(
        cls, catalog: Catalog, params: Mapping[str, Any], connected: frozenset[str]
    ) -> list[ModelSpec]:
        return list({m.id: m for m in cls.routes(catalog, params).values()}.values())

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
        """A shot not yet written: any role's model, at any length it may be fitted to."""
        costs = []
        for model in cls.models_in_use(catalog, params, connected):
            lengths = allowed_durations(model) if params.get("fit_duration", True) else []
            name = model.duration_param or ""  # no lengths without one
            for values in [{name: d} for d in lengths] or [{}]:
                costs.append(prices.estimate(model, model.call_params(values)))
        return CostRange(min(c.low for c in costs), max(c.high for c in costs))

    @classmethod
    def estimate_item(
        cls,
        library: Library,
        catalog: Catalog,
        prices: PriceTable,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> CostRange | None:
        """A written shot: its role's model at the length it will be fitted to."""
        shot_asset = inputs.get("shot")
        if shot_asset is None:
            return None
        try:
            shot = shot_from_json(library.read_json(shot_asset))
        except (ShotListError, CoreError):
            return None
        model = cls.routes(catalog, params)[shot.role]
        return prices.estimate(model, model.call_params(cls.shot_values(model, params, shot)))

    @staticmethod
    def shot_values(model: ModelSpec, params: Mapping[str, Any], shot: Any) -> dict[str, Any]:
        """The model params a shot decides: its length, fitted to the model's."""
        if params.get("fit_duration", True) and model.duration_param:
            return {model.duration_param: fitted_duration(model, shot.duration)}
        return {}

    @classmethod
    def key_params(
        cls,
        library: Library,
        catalog: Catalog,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
    ) -> Mapping[str, Any]:
        """Only what a shot actually uses: editing the route of one role does not re-run
        the shots of the other roles."""
        shot = inputs.get("shot")
        if shot is None:
            return params
        role = library.read_json(shot).get("role")
        chosen = params.get(f"{role}_model") if role in ROLES else None
        return {
            "model": chosen,
            "fit_duration": params.get("fit_duration"),
            "prompt": params.get("prompt"),
        }

    @classmethod
    def key_inputs(cls, library: Library, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return keyed_without(library, inputs, {"shot": SPOKEN_FIELDS})

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        try:
            shot = shot_from_json(ctx.json(inputs["shot"]))
        except ShotListError as exc:
            raise NodeError(str(exc)) from None
        model = self.routes(ctx.catalog, ctx.params)[shot.role]
        if model.task is not Task.VIDEO:
            raise NodeError(f"{model.label} is not a video model")
        values = self.shot_values(model, ctx.params, shot)
        base = ctx.text(inputs.get("prompt")).strip() or shot.video_prompt
        prompt = "\n".join(p for p in (base, str(ctx.params.get("prompt") or "").strip()) if p)
        prompt = without_text(prompt, model.max_prompt_length)
        call = ModelCall(
            model=model,
            params=model.call_params(values),
            prompt=prompt,
            files={"image": (inputs["image"],)},
            labels={"shot": f"SHOT {shot.index}", "role": shot.role},
        )
        ctx.prompt_used = prompt
        output = await ctx.generate(call)
        videos = [a for a in output.assets if a.kind.value == "video"]
        if not videos:
            raise NodeError(f"{model.label} returned no video")
        return {"video": videos[0]}
