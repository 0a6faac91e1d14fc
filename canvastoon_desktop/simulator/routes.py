"""The simulator's route names: the vocabulary of the request log and of fault rules."""

from __future__ import annotations

__all__ = ["ROUTES", "route_matches", "validate_route_pattern"]

#: Every named route, in the order the providers' documents list them.
ROUTES: tuple[str, ...] = (
    "aiml.chat",
    "aiml.images",
    "aiml.video.create",
    "aiml.video.poll",
    "aiml.tts",
    "aiml.music.create",
    "aiml.music.poll",
    "replicate.predictions.create",
    "replicate.predictions.get",
    "replicate.predictions.list",
    "replicate.predictions.cancel",
    "replicate.files.create",
    "replicate.files.get",
    "replicate.files.list",
    "replicate.files.delete",
    "replicate.files.download",
    "replicate.models.get",
    "replicate.versions.get",
    "replicate.versions.list",
    "output",
    "unknown",
)

#: Routes that create a billable job (``drop_after_create``, ``fail``, ``cancel`` target them).
CREATE_ROUTES = frozenset(
    {
        "aiml.chat",
        "aiml.images",
        "aiml.video.create",
        "aiml.tts",
        "aiml.music.create",
        "replicate.predictions.create",
    }
)


def route_matches(pattern: str, route: str) -> bool:
    """``*`` matches all, ``replicate.*`` a prefix, anything else exactly."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return route.startswith(pattern[:-1])
    return pattern == route


def validate_route_pattern(pattern: str) -> None:
    """Raise ``ValueError`` naming the known routes if ``pattern`` matches none."""
    if not any(route_matches(pattern, r) for r in ROUTES):
        raise ValueError(
            f"unknown route {pattern!r}; use '*', a prefix like 'replicate.*', "
            f"or one of: {', '.join(ROUTES)}"
        )
