"""Money truth against the provider simulator (issue: money truth).

The K-pop episode (a gpt-4o shot list of 8, per shot a Nano Banana Pro edit with the
characters, a LaMa cleanup and a video routed by role) runs as an artist runs it: the shot
list first, then — quoted, now that the shots are written — the rest. The simulator bills
from its own price facts (the providers' documents), the app quotes and books from its
price table.

``quote_error_pct_kpop_episode``: |quote mid − simulated bill| / bill × 100 for the run
quoted once the shot list is written. (Before it is written a routed shot may be any role's
model at any length, so that quote's range is wide and its mid is no estimate of the bill;
its error is printed for reading.)

``reported_charge_match_pct``: of every charge the simulator billed over both runs, the
share that the ledger booked to the cent (a result's cost, found by its job id, or, for the
AIML images that have none, by model).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers import ProviderSetup, build_adapters
from canvastoon_desktop.simulator import Bill, Latencies, Latency, Simulator, SimulatorConfig
from nodes import default_registry

from .episode_bench import copy_episode
from .figures import Figure

#: short jobs, but LaMa's GPU time within the 2–5 s the price table quotes it at
LATENCIES = {
    "gpt-4o": Latency(0.0, 0.3),
    "google/nano-banana-pro": Latency(0.0, 0.5),
    "google/gemini-3-pro-image-edit": Latency(0.0, 0.5),
    "allenhooo/lama": Latency(0.1, 3.0),
    "minimax/hailuo-2.3-fast": Latency(0.2, 1.0),
    "bytedance/seedance-1-pro-fast": Latency(0.2, 1.0),
    "google/veo-3.1-fast": Latency(0.2, 1.0),
}
CENT = 0.005


def _booked(library: Library) -> list[tuple[str | None, str | None, float]]:
    """(model, job id, cost) of every result with a cost in the ledger."""
    return library.paid_results()


def match_pct(bills: list[Bill], booked: list[tuple[str | None, str | None, float]]) -> float:
    """The share of ``bills`` the ledger booked to the cent."""
    by_job = {job: cost for _m, job, cost in booked if job}
    loose = Counter((m, round(c, 2)) for m, job, c in booked if not job)
    matched = 0
    for bill in bills:
        cost = by_job.get(bill.job_id) if bill.job_id else None
        if cost is not None:
            matched += abs(cost - bill.usd) < CENT
            continue
        key = (bill.model, round(bill.usd, 2))
        if loose[key]:
            loose[key] -= 1
            matched += 1
    return 100.0 * matched / len(bills) if bills else 0.0


def money_figures() -> tuple[float, float, dict[str, float]]:
    with (
        Simulator(SimulatorConfig(latencies=Latencies(per_model=dict(LATENCIES)))) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        path = copy_episode(Path(tmp) / "project")
        setup = ProviderSetup.simulated(
            sim.aiml_base_url, sim.replicate_base_url, poll_interval_s=0.1
        )
        prices = PriceTable.load()
        registry = default_registry()
        library = Library(Path(tmp) / "library")
        executor = Executor(  # not simulated: the ledger books what the providers report
            registry, library, prices, adapters=build_adapters(setup, prices)
        )
        graph = load_graph(path, registry)
        try:
            cold = executor.plan(graph, graph_path=path).quote.cost
            written = asyncio.run(executor.run(graph, targets=["shots"], graph_path=path))
            assert written.status == "done", written.nodes["shots"].error
            before = len(sim.bills())
            quote = executor.plan(graph, graph_path=path).quote.cost
            summary = asyncio.run(executor.run(graph, graph_path=path))
            assert summary.status == "done", {
                n: o.error for n, o in summary.nodes.items() if o.error
            }
            bills = sim.bills()
            bill = sum(b.usd for b in bills[before:])
            whole = sum(b.usd for b in bills)
            error = abs(quote.mid - bill) / bill * 100
            matched = match_pct(bills, _booked(library))
            detail = {
                "quote_low": quote.low,
                "quote_high": quote.high,
                "bill": bill,
                "cold_error_pct": abs(cold.mid - whole) / whole * 100,
                "cold_low": cold.low,
                "cold_high": cold.high,
                "whole_bill": whole,
                "bills": float(len(bills)),
            }
        finally:
            library.close()
            for adapter in executor.adapters.values():
                aclose = getattr(adapter, "aclose", None)
                if aclose is not None:
                    asyncio.run(aclose())
    return error, matched, detail


def run() -> Iterator[Figure]:
    error, matched, d = money_figures()
    print(
        f"  episode quoted with its shots written: ${d['quote_low']:.4f}–${d['quote_high']:.4f}"
        f", billed ${d['bill']:.4f}; before the shot list: ${d['cold_low']:.2f}–"
        f"${d['cold_high']:.2f} against ${d['whole_bill']:.4f} "
        f"(mid off by {d['cold_error_pct']:.0f}%); {d['bills']:.0f} charges billed"
    )
    yield Figure("quote_error_pct_kpop_episode", error, 10.0)
    yield Figure("reported_charge_match_pct", matched, 100.0, lower_is_better=False)
