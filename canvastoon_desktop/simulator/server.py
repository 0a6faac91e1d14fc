"""The :class:`Simulator`: an aiohttp server on its own event loop in a daemon thread.

Running on a private loop keeps it independent of the caller's (qasync in the GUI,
``asyncio.run`` in the CLI, none in a test). ``start()`` returns once the socket is
bound, so ``port`` and the base URLs are real from then on.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from types import TracebackType

from aiohttp import web

from . import aiml_api, output_api, replicate_api
from .billing import Bill
from .config import SimulatorConfig
from .context import CTX_KEY, SimContext
from .faults import FaultSet, parse_fault_spec
from .jobs import Job
from .latency import Latencies
from .log import RequestLog
from .middleware import pipeline

__all__ = ["Simulator", "build_app", "serve"]

DEFAULT_SERVE_PORT = 8787


def build_app(ctx: SimContext) -> web.Application:
    """The aiohttp application with every AIML, Replicate and output route."""
    app = web.Application(middlewares=[pipeline], client_max_size=ctx.config.max_request_bytes)
    app[CTX_KEY] = ctx
    aiml_api.add_routes(app)
    replicate_api.add_routes(app)
    output_api.add_routes(app)
    return app


class Simulator:
    """A loopback AIML + Replicate server for tests and ``canvastoon simulate-server``."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._ctx = SimContext(self.config)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> Simulator:
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        if self._stopped:
            raise RuntimeError("a stopped simulator cannot restart; create a new Simulator")
        self._thread = threading.Thread(target=self._run, name="canvastoon-simulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError(f"simulator failed to start: {self._error}") from self._error
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=self.config.shutdown_timeout_s + 10)
        self._thread = None
        self._stopped = True
        self._ctx.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _serve(self) -> None:
        app = build_app(self._ctx)
        timeout = self.config.shutdown_timeout_s
        try:  # aiohttp >= 3.10 takes the shutdown timeout on the runner
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=timeout)
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, self.config.port)
        except TypeError:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, self.config.port, shutdown_timeout=timeout)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._ctx.bind(self.config.host, self._port)

    # -- where to reach it ------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("simulator not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def aiml_base_url(self) -> str:
        """For ``openai.OpenAI(base_url=...)``: includes ``/v1``."""
        return f"{self.root_url}/v1"

    @property
    def aiml_root_url(self) -> str:
        """For raw httpx calls such as ``/v2/video/generations``."""
        return self.root_url

    @property
    def replicate_base_url(self) -> str:
        """For ``replicate.Client(base_url=...)``: no ``/v1`` (the client adds it)."""
        return self.root_url

    def env(self) -> dict[str, str]:
        """Environment variables that point the app at this simulator."""
        env = {
            "CANVASTOON_AIML_BASE_URL": self.aiml_base_url,
            "REPLICATE_BASE_URL": self.replicate_base_url,
        }
        if self.config.aiml_keys is None:
            env["AIML_API_KEY"] = "sim-any-key"
        if self.config.replicate_tokens is None:
            env["REPLICATE_API_TOKEN"] = "r8_sim-any-token"
        return env

    # -- inspection and control ----------------------------------------------------------------
    @property
    def log(self) -> RequestLog:
        return self._ctx.log

    @property
    def faults(self) -> FaultSet:
        return self._ctx.faults

    @property
    def latencies(self) -> Latencies:
        return self._ctx.latencies

    def set_latency(
        self, model: str, queue_s: float | None = None, run_s: float | None = None
    ) -> None:
        """Change one model's timing for jobs created from now on."""
        self._ctx.latencies.set(model, queue_s=queue_s, run_s=run_s)

    def expire_outputs(self) -> int:
        """Make every output URL served so far answer 404; returns how many expired."""
        return self._ctx.outputs.expire_all()

    @property
    def predictions(self) -> dict[str, Job]:
        """Replicate predictions by id (a snapshot; the jobs themselves are live)."""
        return self._ctx.predictions.snapshot()

    @property
    def video_jobs(self) -> dict[str, Job]:
        """AIML video generations by id."""
        return self._ctx.video_jobs.snapshot()

    def running_jobs(self) -> list[Job]:
        """Predictions and video jobs not yet in a terminal state (the orphan check)."""
        now = time.time()
        jobs = [
            *self._ctx.predictions.snapshot().values(),
            *self._ctx.video_jobs.snapshot().values(),
        ]
        return [j for j in jobs if j.is_running(now)]

    @property
    def aiml_credits(self) -> int | None:
        """Remaining AIML balance (``None``: unlimited)."""
        return self._ctx.aiml_credits

    @aiml_credits.setter
    def aiml_credits(self, value: int | None) -> None:
        self._ctx.set_aiml_credits(value)

    def bills(self) -> list[Bill]:
        """Every charge the simulated providers made, in order (see billing.py for their
        price facts). A Replicate prediction is billed once it is seen finished."""
        return self._ctx.bills.snapshot()


def serve(
    port: int = DEFAULT_SERVE_PORT,
    latency_preset: str = "short",
    faults_spec: str = "",
    full_size: bool = False,
    *,
    host: str = "127.0.0.1",
    seed: int = 0,
    echo: Callable[[str], None] = print,
    stop_event: threading.Event | None = None,
) -> None:
    """Run a simulator until Ctrl-C (or ``stop_event``), printing how to point the app at it.

    Raises ``ValueError`` for a bad latency preset or fault spec before binding anything.
    """
    config = SimulatorConfig(
        host=host,
        port=port,
        latencies=Latencies.preset(latency_preset),
        faults=parse_fault_spec(faults_spec),
        full_size_outputs=full_size,
        seed=seed,
    )
    with Simulator(config) as sim:
        echo(f"CanvasToon provider simulator listening on {sim.root_url}")
        echo(f"  AIML base URL (openai client): {sim.aiml_base_url}")
        echo(f"  AIML video root (httpx):       {sim.aiml_root_url}")
        echo(f"  Replicate base URL:            {sim.replicate_base_url}")
        echo(
            f"  latency preset: {latency_preset}; full-size outputs: {full_size}; "
            f"faults: {faults_spec or 'none'}"
        )
        echo("Point CanvasToon at it with:")
        echo("  " + " ".join(f"{k}={v}" for k, v in sim.env().items()))
        echo("Any non-empty API key / token is accepted. Press Ctrl-C to stop.")
        try:
            while not (stop_event and stop_event.wait(0.5)):
                if stop_event is None:
                    time.sleep(3600)
        except KeyboardInterrupt:
            echo("stopping simulator")
