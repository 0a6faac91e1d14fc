"""The seam between the executor and provider adapters.

An adapter has one async method, ``generate(call, job)``. The executor hands it a
``JobControl`` that journals the provider job in the library (before the create is sent,
and its id before polling), stores outputs, and reports progress. A previous run's open
journal entry arrives as ``job.previous`` so the adapter resumes instead of re-creating.

Errors an adapter raises are ``GenerationError`` subclasses (see providers/errors.py for the
tree); ``kind`` is one of ``ErrorKind`` and ``str(err)`` is a plain-language message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from .assets import Asset, AssetKind
from .catalog import ModelSpec
from .charges import Booking
from .errors import CoreError
from .frozen_init import fast_frozen_init
from .library import JobRecord


class ErrorKind(StrEnum):
    AUTH = "auth"
    OUT_OF_CREDITS = "out_of_credits"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"  # bad request or moderation
    PROVIDER = "provider_failure"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    OUTCOME_UNKNOWN = "outcome_unknown"
    BAD_OUTPUT = "bad_output"
    BUDGET = "budget"
    NODE = "node"  # the node's own failure (bad input, missing file)
    INTERNAL = "internal"


class GenerationError(CoreError):
    kind: ErrorKind = ErrorKind.PROVIDER
    retryable: bool = False

    def __init__(
        self, message: str, *, kind: ErrorKind | None = None, retryable: bool | None = None
    ) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        if retryable is not None:
            self.retryable = retryable


@fast_frozen_init  # (one a call: nodes make them)
@dataclass(frozen=True)
class ModelCall:
    """One model request, described by the node in provider-neutral terms."""

    model: ModelSpec
    params: Mapping[str, Any]  # the model's own params, checked, defaults filled
    prompt: str = ""
    system: str | None = None
    files: Mapping[str, tuple[Asset, ...]] = field(default_factory=dict)
    response_schema: Mapping[str, Any] | None = None  # structured output (JSON schema)
    template: str | None = None  # the offline text composer's template
    labels: Mapping[str, str] = field(default_factory=dict)  # e.g. shot label on a card

    def fingerprint(self) -> str:
        """A hash of what is being asked for: the same request gives the same fingerprint."""
        body = {
            "model": self.model.id,
            "params": dict(self.params),
            "prompt": self.prompt,
            "system": self.system,
            "files": {k: [a.sha256 for a in v] for k, v in sorted(self.files.items())},
            "schema": self.response_schema,
            "template": self.template,
            "labels": dict(self.labels),
        }
        data = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class GeneratedOutput:
    """What a call made. ``cost_usd`` is what the provider reported it cost, in USD, as the
    adapter read it — None when the provider did not say, and possibly not finite or
    negative when the provider said something hostile: the executor checks it against the
    call's quote (charges.settle), replaces it with what is booked and keeps the booking."""

    assets: list[Asset]
    cost_usd: float | None = None
    #: how the provider reported it: provider_credits (AIML) | provider_outputs (Replicate,
    #: official models: per output) | gpu_time (Replicate, community models) | free
    cost_source: str | None = None
    job_id: str | None = None
    #: what the provider reported, as it said it (``usage["reported"]``: "credits_used=1e400")
    usage: dict[str, Any] = field(default_factory=dict)
    booking: Booking | None = None


class JobControl(Protocol):
    """What the executor offers an adapter while it works on one call."""

    run_id: str
    cache_key: str
    #: an open journal entry of an earlier run for this same work (resume it), or None
    previous: JobRecord | None

    async def creating(self, info: Mapping[str, Any] | None = None) -> None:
        """Journal (durably) that a create is about to be sent. Call right before sending."""

    async def submitted(self, job_id: str, info: Mapping[str, Any] | None = None) -> None:
        """Journal the provider's job id (durably) before polling it."""

    def progress(self, status: str, fraction: float | None = None, *, running: bool = True) -> None:
        """Report the provider's status; ``running=False`` while the job waits in a queue."""

    async def store_bytes(self, data: bytes, kind: AssetKind, mime: str, **meta: Any) -> Asset:
        """Check-free store of bytes into the library (the adapter has checked them)."""

    async def store_file(self, path: Path, kind: AssetKind, mime: str, **meta: Any) -> Asset:
        """Move a finished file (e.g. a download in ``temp_path()``) into the library."""

    def temp_path(self, suffix: str = "") -> Path:
        """A scratch path on the library's disk."""

    async def charge(self, usd: float | None, reason: str) -> None:
        """Record money spent without a result (a cancelled job billed by the second, a
        result that was made but could not be delivered): ``usd`` as the provider reported
        it, or None when it did not say (the call's quote max is booked as an estimate)."""

    async def possibly_charged(self, usd: float, what: str) -> None:
        """A paid request's answer was lost and the provider cannot be asked about it:
        record ``usd`` (an estimate) once as possibly charged, and end the job so that the
        next run sends the request again instead of failing on it for ever."""

    def keep_open(self) -> None:
        """Call when the provider cannot stop the job: if the node is cancelled, the job
        stays journaled as submitted and the next run collects it instead of paying again."""


class ModelAdapter(Protocol):
    provider: str

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        """Run ``call`` to completion (or resume ``job.previous``) and store its outputs."""
