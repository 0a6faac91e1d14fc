"""The hosted providers' SDKs load when first needed, off the event loop: opening the app
loads none of them, and a first run's call makes its adapter on a worker thread."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from canvastoon_desktop.core.generation import GeneratedOutput
from canvastoon_desktop.providers import warm_adapters
from canvastoon_desktop.providers.hub import DeferredAdapter

ROOT = Path(__file__).resolve().parents[2]


class _Recorded:
    provider = "aiml"

    def __init__(self, made_on: list[str]) -> None:
        made_on.append(threading.current_thread().name)
        self.service = "its service"
        self.closed = False

    async def generate(self, call: Any, job: Any) -> GeneratedOutput:
        return GeneratedOutput([], 0.0, "provider", job_id=f"answer to {call}")

    async def aclose(self) -> None:
        self.closed = True


def test_opening_a_workspace_loads_no_provider_sdk(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from canvastoon_desktop.workspace import Workspace\n"
        "workspace = Workspace.open()\n"
        "print(sorted(m for m in ('openai', 'replicate') if m in sys.modules))\n"
        "workspace.executor.adapters['aiml'].ready()\n"
        "print('openai' in sys.modules)\n"
        "workspace.close()\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CANVASTOON_CONFIG_DIR": str(tmp_path / "config"),
        "CANVASTOON_LIBRARY": str(tmp_path / "library"),
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_the_first_call_makes_the_adapter_off_the_event_loop_and_only_once() -> None:
    made_on: list[str] = []
    adapter = DeferredAdapter("aiml", lambda: _Recorded(made_on))

    async def two_calls() -> list[GeneratedOutput]:
        return [await adapter.generate("one", None), await adapter.generate("two", None)]

    outputs = asyncio.run(two_calls())
    assert [o.job_id for o in outputs] == ["answer to one", "answer to two"]
    assert len(made_on) == 1 and made_on[0] != threading.main_thread().name
    assert adapter.service == "its service"  # the rest of it, through the wrapper


def test_closing_an_adapter_never_made_makes_nothing_and_a_made_one_is_closed() -> None:
    made_on: list[str] = []
    unused = DeferredAdapter("aiml", lambda: _Recorded(made_on))
    asyncio.run(unused.aclose())
    assert made_on == []
    used = DeferredAdapter("aiml", lambda: _Recorded(made_on))
    made = used.ready()
    asyncio.run(used.aclose())
    assert made.closed  # type: ignore[attr-defined]


def test_warming_up_makes_every_deferred_adapter_on_a_thread_of_its_own() -> None:
    made_on: list[str] = []
    adapters = {
        "aiml": DeferredAdapter("aiml", lambda: _Recorded(made_on)),
        "replicate": DeferredAdapter("replicate", lambda: _Recorded(made_on)),
    }
    warm_adapters(adapters).join(timeout=30)
    assert made_on == ["adapters-warm-up", "adapters-warm-up"]
