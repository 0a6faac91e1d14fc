"""Everything a :class:`~canvastoon_desktop.simulator.Simulator` can be told at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import FaultRule
from .latency import Latencies

__all__ = ["SimulatorConfig"]


@dataclass
class SimulatorConfig:
    """Server settings; every field has a test-friendly default."""

    host: str = "127.0.0.1"
    #: 0 picks a free port; read the real one from ``Simulator.port``.
    port: int = 0
    latencies: Latencies = field(default_factory=Latencies)
    faults: list[FaultRule] = field(default_factory=list)
    #: Seeds the fault RNG (``rate``) and nothing else: outputs are derived from inputs.
    seed: int = 0
    #: Render real dimensions (1K → 1024 px, 768P, 24 fps) instead of small fast ones.
    full_size_outputs: bool = False
    #: Seconds after completion before outputs are removed (Replicate: one hour).
    output_ttl_s: float = 3600.0
    #: Accepted AIML keys; ``None`` accepts any non-empty bearer token.
    aiml_keys: frozenset[str] | None = None
    #: Accepted Replicate tokens; ``None`` accepts any non-empty token.
    replicate_tokens: frozenset[str] | None = None
    #: AIML account balance in credits ($1 = 2,000,000); ``None`` is unlimited.
    aiml_credits: int | None = None
    #: How a prediction's ``input`` is shown back: "reserialized" as Replicate does (whole
    #: floats as integers, file inputs as delivery URLs) or "verbatim" as it was sent.
    replicate_echo: str = "reserialized"
    #: Largest data-URI file input Replicate accepts (docs: "< 1 MB").
    replicate_data_uri_max_bytes: int = 1_000_000
    #: Largest request body (data URIs inflate uploads by a third).
    max_request_bytes: int = 120 * 1024 * 1024
    #: Fetch file inputs from other hosts (our own URLs are always resolved in-process).
    fetch_remote_inputs: bool = True
    remote_fetch_timeout_s: float = 10.0
    #: Threads that render PNG/MP4 outputs off the event loop.
    render_workers: int = 4
    #: Chat model ids accepted on top of those in the gpt-4o schema (e.g. a successor).
    extra_chat_models: tuple[str, ...] = ()
    #: Seconds the server waits for in-flight requests when stopping.
    shutdown_timeout_s: float = 1.0
