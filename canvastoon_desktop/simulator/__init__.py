"""A loopback HTTP server that speaks the AIML and Replicate wire protocols.

Tests run the real ``openai``, ``replicate`` and ``httpx`` clients against it; users run
it with ``canvastoon simulate-server`` / ``canvastoon run --simulate``. It follows the
providers' documents (``schemas/``), never our adapters, and serves real PNG and MP4
files. See :mod:`.faults` for fault injection and its spec grammar.

    with Simulator() as sim:
        client = openai.OpenAI(api_key="sk-test", base_url=sim.aiml_base_url)
        sim.faults.add(FaultRule("replicate.predictions.create", "429", rate=0.2))
        sim.log.count(route="replicate.predictions.create", model="google/veo-3.1-fast")
"""

from .billing import Bill
from .catalog import LAMA_VERSION, REPLICATE_MODELS
from .config import SimulatorConfig
from .faults import FAULT_KINDS, FaultRule, FaultSet, parse_fault_spec
from .jobs import Job, JobState
from .latency import Latencies, Latency
from .log import LogEntry, RequestLog
from .routes import ROUTES
from .server import Simulator, build_app, serve

__all__ = [
    "FAULT_KINDS",
    "LAMA_VERSION",
    "REPLICATE_MODELS",
    "ROUTES",
    "Bill",
    "FaultRule",
    "FaultSet",
    "Job",
    "JobState",
    "Latencies",
    "Latency",
    "LogEntry",
    "RequestLog",
    "Simulator",
    "SimulatorConfig",
    "build_app",
    "parse_fault_spec",
    "serve",
]
