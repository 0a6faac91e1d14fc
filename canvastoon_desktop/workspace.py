"""Everything a run needs, assembled once from the settings: node registry, library, price
table, provider adapters and the executor. The CLI and the desktop editor both start here,
so they run graphs the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodes import default_registry

from .core.executor import Executor
from .core.library import Library
from .core.library.query import close_reader
from .core.nodetype import NodeRegistry
from .core.pricing import Budget, PriceTable
from .core.secrets import KeyStore, remember_known_keys
from .core.settings import Settings, config_dir
from .providers import ProviderSetup, build_adapters


@dataclass
class Workspace:
    settings: Settings
    registry: NodeRegistry
    library: Library
    prices: PriceTable
    setup: ProviderSetup
    executor: Executor

    @classmethod
    def open(
        cls,
        *,
        settings: Settings | None = None,
        library_dir: Path | None = None,
        setup: ProviderSetup | None = None,
        budget: Budget | None = None,
        registry: NodeRegistry | None = None,
        read_only: bool = False,
    ) -> Workspace:
        """``read_only``: for commands that only check or look (nothing is written)."""
        settings = settings or Settings.load()
        registry = registry or default_registry()
        library = Library(library_dir or settings.library_path(), read_only=read_only)
        prices = PriceTable.load(config_dir() / "prices.json")
        setup = setup or ProviderSetup.from_settings(
            settings.aiml_base_url, settings.replicate_base_url, KeyStore()
        )
        remember_known_keys(setup.keys)  # redaction knows every key before anything is written
        executor = Executor(
            registry,
            library,
            prices,
            adapters=build_adapters(setup, prices),
            limits=settings.concurrency,
            key_problem=setup.key_problem(),
            budget=budget or settings.budget,
            simulated=setup.is_simulated,
        )
        return cls(settings, registry, library, prices, setup, executor)

    def use_library(self, root: Path) -> None:
        """Switch to the library at ``root``; it is opened first, so on a LibraryError
        nothing has changed. No run may be going on."""
        library = Library(root)
        old, self.library = self.library, library
        self.executor.use_library(library)
        close_reader(old)
        old.close()

    def close(self) -> None:
        close_reader(self.library)
        self.library.close()
