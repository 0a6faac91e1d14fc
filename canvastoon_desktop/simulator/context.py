"""The simulator's shared state, handed to every handler through the aiohttp app."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web

from .billing import CREDITS_PER_USD, Bill, BillLog
from .config import SimulatorConfig
from .faults import FaultSet
from .inputs import InputResolver
from .jobs import Job, JobStore
from .latency import Latencies
from .log import RequestLog
from .outputs import OutputStore
from .render import RenderCache, Renderer
from .uploads import FileStore

__all__ = ["CTX_KEY", "SimContext"]

_log = logging.getLogger(__name__)
T = TypeVar("T")


class SimContext:
    """Config, stores, log, faults, the render pool — one per running server."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.latencies: Latencies = config.latencies
        self.faults = FaultSet(config.faults, seed=config.seed)
        self.log = RequestLog()
        self.outputs = OutputStore(config.output_ttl_s)
        self.files = FileStore()
        self.predictions = JobStore()
        self.video_jobs = JobStore()
        self.renderer = Renderer(config.full_size_outputs, RenderCache())
        self.executor = ThreadPoolExecutor(
            max_workers=max(1, config.render_workers), thread_name_prefix="sim-render"
        )
        self.base_url = ""  # set once the socket is bound
        self.resolver: InputResolver | None = None
        self._credits_lock = threading.Lock()
        self.aiml_credits: int | None = config.aiml_credits
        self.bills = BillLog()

    def bind(self, host: str, port: int) -> None:
        self.base_url = f"http://{host}:{port}"
        netlocs = {f"{host}:{port}", f"127.0.0.1:{port}", f"localhost:{port}"}
        self.resolver = InputResolver(
            netlocs,
            self.local_bytes,
            fetch_remote=self.config.fetch_remote_inputs,
            timeout_s=self.config.remote_fetch_timeout_s,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def local_bytes(self, path: str) -> bytes | None:
        """Bytes behind one of our own URLs (an output or an uploaded file)."""
        item = self.outputs.by_path(path)
        if item is not None:
            return item.data
        return self.files.by_path(path)

    # -- money --------------------------------------------------------------------------
    def set_aiml_credits(self, credits: int | None) -> None:
        with self._credits_lock:
            self.aiml_credits = credits

    def aiml_can_afford(self, credits: int) -> bool:
        with self._credits_lock:
            return self.aiml_credits is None or self.aiml_credits >= credits

    def aiml_charge(
        self, credits: int, model: str, *, job_id: str | None = None, what: str = ""
    ) -> bool:
        """Take ``credits`` from the AIML balance and log the bill; False (nothing taken)
        if short."""
        with self._credits_lock:
            if self.aiml_credits is not None:
                if self.aiml_credits < credits:
                    return False
                self.aiml_credits -= credits
        self.bills.add(
            Bill(
                "aiml",
                model,
                credits / CREDITS_PER_USD,
                job_id,
                what or f"{credits} credits",
                time.time(),
            )
        )
        return True

    # -- CPU work -----------------------------------------------------------------------
    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def settle(self, job: Job) -> None:
        """Render a finished job's outputs once; later callers wait for the same render."""
        task = self.start_render(job)
        if task is not None:
            await asyncio.shield(task)

    def start_render(self, job: Job) -> asyncio.Future[list[Any]] | None:
        """Begin rendering a finished job (once); the task is kept on the job."""
        if job.outputs is not None or job.render is None or job.state().status != "succeeded":
            return None
        if job.render_task is None:
            job.render_task = asyncio.ensure_future(self._render(job))
        return job.render_task

    async def _render(self, job: Job) -> list[Any]:
        assert job.render is not None
        try:
            files = await self.run_blocking(job.render)
        except Exception as exc:  # a render bug becomes a failed job, not a dead server
            _log.exception("render failed for %s %s", job.model, job.id)
            job.outcome = "failed"
            job.error = f"Prediction failed: {exc.__class__.__name__}: {exc}"
            job.outputs = []
            return []
        job.outputs = [
            self.outputs.add(
                f.data, f.filename, f.content_type, job_id=job.id, model=job.model, created=job.end
            )
            for f in files
        ]
        if job.data_removed_forced:  # an ``expired`` fault arrived before the render
            self.outputs.expire([o.token for o in job.outputs])
        return files

    def job_model(self, job_id: str) -> str | None:
        job = self.predictions.get(job_id) or self.video_jobs.get(job_id)
        return job.model if job else None

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


CTX_KEY: web.AppKey[SimContext] = web.AppKey("sim", SimContext)
