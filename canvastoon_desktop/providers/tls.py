"""TLS contexts made once a process and shared by every provider client.

A verifying context loads a whole CA bundle, 30–70 ms of CPU here, and httpx makes one for
every transport and client unless it is given one. The editor makes its clients on the GUI
thread at a run's first calls (one per service and event loop, and one per Replicate input
read back), which froze the canvas for 100–155 ms each (bench ``gui_loop_p99_ms_32_jobs``).

Each HTTP library keeps its own idea of whom to trust (httpx: certifi's bundle, or
``SSL_CERT_FILE``/``SSL_CERT_DIR``; httpx2, the ``openai`` fork: the system's store), so each
gets the context it would make itself, once. A context is safe to share between clients,
loops and threads."""

from __future__ import annotations

import importlib
import ssl
import threading
from types import ModuleType

__all__ = ["tls_context", "warm_http"]

_lock = threading.Lock()
_contexts: dict[str, ssl.SSLContext] = {}


def tls_context(http: ModuleType) -> ssl.SSLContext:
    """The verifying context ``http`` (the httpx or httpx2 module) makes by default, made
    on the first call."""
    with _lock:
        context = _contexts.get(http.__name__)
        if context is None:
            context = _contexts[http.__name__] = http.create_ssl_context()
        return context


def warm_http() -> None:
    """Load now what the clients would load at a run's first calls, on whichever thread
    makes them: the TLS contexts, and the transports' connection layers (each transport
    imports its httpcore when it is made)."""
    import httpx
    import httpx2

    for http, connections in ((httpx, "httpcore"), (httpx2, "httpcore2")):
        tls_context(http)
        importlib.import_module(connections)
