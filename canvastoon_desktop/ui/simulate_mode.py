"""Simulate mode: try the hosted pipeline from the editor with no keys and no spend.

Turning it on starts the provider simulator (``canvastoon_desktop.simulator``, the one
``canvastoon run --simulate`` uses) in this process and gives the window a second executor
over the same library: ``Executor(simulated=True)`` with adapters pointed at the simulator
and its throwaway keys. That executor records every hosted result and run as simulated, and
the library never counts a simulated charge as money spent. As in the CLI, budgets do not
apply: nothing real can be spent. Turning it off goes back to the workspace's executor and
stops the simulator.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import Budget

log = logging.getLogger(__name__)


class SimulateMode:
    """The simulator and the simulated executor of one window, while the mode is on."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace
        self.simulator: Any = None
        self.executor: Executor | None = None

    @property
    def active(self) -> bool:
        return self.executor is not None

    def start(self) -> Executor:
        """Start the simulator and return the executor that talks to it (raises
        RuntimeError when the simulator cannot start, e.g. no free port)."""
        if self.executor is not None:
            return self.executor
        from canvastoon_desktop.providers import ProviderSetup, build_adapters
        from canvastoon_desktop.simulator import Latencies, Simulator, SimulatorConfig

        simulator = Simulator(SimulatorConfig(latencies=Latencies()))
        simulator.start()
        workspace = self.workspace
        setup = ProviderSetup.simulated(simulator.aiml_base_url, simulator.replicate_base_url)
        self.executor = Executor(
            workspace.registry,
            workspace.library,
            workspace.prices,
            adapters=build_adapters(setup, workspace.prices),
            limits=workspace.settings.concurrency,
            key_problem=setup.key_problem(),
            budget=Budget(),  # nothing real is spent: no limits
            simulated=True,
        )
        self.simulator = simulator
        log.info("simulate mode: providers answered at %s", simulator.root_url)
        return self.executor

    def stop(self) -> None:
        """Close the simulated adapters' connections, then the simulator."""
        executor, simulator = self.executor, self.simulator
        self.executor = self.simulator = None
        if executor is None:
            return
        from canvastoon_desktop.providers.hub import aclose_adapters

        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = None
        if loop is not None and loop.is_running():
            closing = asyncio.ensure_future(aclose_adapters(executor.adapters))
            closing.add_done_callback(lambda _done: simulator.stop())
        else:
            simulator.stop()

    def use_library(self, library: Library) -> None:
        if self.executor is not None:
            self.executor.use_library(library)

    def set_limit(self, provider: str, limit: int) -> None:
        if self.executor is not None:
            self.executor.set_limit(provider, limit)
