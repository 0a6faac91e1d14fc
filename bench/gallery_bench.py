"""The library window on a library of 10,000 assets (issue: review tools).

* ``gallery_open_10k_cold_s``: from nothing to the first screen of thumbnails painted, with
  no thumbnail made yet (they are made from the images by the worker threads);
* ``gallery_open_10k_s``: the same with the thumbnails of that screen already cached;
* ``library_filter_query_ms_10k``: the slowest of a few typical filtered queries (median of
  several runs each), as the gallery and ``canvastoon assets list`` run them;
* ``gallery_rss_mb_10k``: peak resident memory of a process that opens the gallery and
  scrolls it end to end, screen by screen, waiting for each screen's thumbnails.

The library holds real files: 9,400 PNG images, 100 MP4 clips and 500 texts, each with a
result (model, node, graph, run, prompt, cost) as the executor writes them.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .figures import Figure

IMAGES, VIDEOS, TEXTS = 9_400, 100, 500
WINDOW = (1600, 1000)


def _build_library(root: Path) -> None:
    from canvastoon_desktop.core.library import Library
    from tests.support.library_factory import populate

    library = Library(root)
    made = populate(
        library,
        images=IMAGES,
        videos=VIDEOS,
        texts=TEXTS,
        distinct_videos=25,
        runs=40,
        image_size=(144, 256),
    )
    for n, asset in enumerate(made.assets[::7]):
        library.set_review(asset.sha256, rating=1 + n % 5, rejected=n % 11 == 0)
    library.close()


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    from canvastoon_desktop.ui import theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["gallery-bench"])
    theme.apply(app)
    return app


def _wait_screen(app, window, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app.processEvents()
        if window.pending_visible() == 0:
            break
        time.sleep(0.001)
    else:
        raise RuntimeError("the first screen of thumbnails never finished")
    window.grid.viewport().repaint()  # painted, with every visible thumbnail


def _open_once(root: Path) -> float:
    """Seconds from opening the library to the first screen of thumbnails painted."""
    from canvastoon_desktop.core.library import Library
    from canvastoon_desktop.core.library_query import close_reader
    from canvastoon_desktop.ui.gallery import LibraryWindow

    app = _app()
    gc.collect()
    started = time.perf_counter()
    library = Library(root)
    window = LibraryWindow(library)
    window.resize(*WINDOW)
    window.show()
    _wait_screen(app, window)
    elapsed = time.perf_counter() - started
    assert window.model.rowCount() == IMAGES + VIDEOS + TEXTS
    window.close()
    window.deleteLater()
    app.processEvents()
    close_reader(library)
    library.close()
    return elapsed


def _query_ms(root: Path) -> float:
    from canvastoon_desktop.core import library_query as lq
    from canvastoon_desktop.core.library import Library

    library = Library(root)
    lq.ensure_indexes(library)
    filters = (
        ["kind=image", "model=google/nano-banana-pro", "date=30d.."],
        ["rating=3", "rejected=hide"],
        ["text=neon", "cost=0.1.."],
        ["kind=video,text", "provider=aiml"],
    )
    worst = 0.0
    for items in filters:
        query = lq.parse_filters(items)
        lq.query_assets(library, query)  # warm
        times = []
        for _ in range(7):
            started = time.perf_counter()
            rows = lq.query_assets(library, query)
            times.append(time.perf_counter() - started)
        assert rows
        worst = max(worst, statistics.median(times))
    lq.close_reader(library)
    library.close()
    return worst * 1000


def _rss_child(root: Path) -> None:
    """In a subprocess: open, scroll end to end screen by screen, report peak RSS (MB)."""
    from canvastoon_desktop.core.library import Library
    from canvastoon_desktop.ui.gallery import LibraryWindow

    app = _app()
    library = Library(root)
    window = LibraryWindow(library)
    window.resize(*WINDOW)
    window.show()
    _wait_screen(app, window)
    bar = window.grid.verticalScrollBar()
    step = max(1, window.grid.viewport().height())
    screens = 0
    while True:
        _wait_screen(app, window)
        screens += 1
        if bar.value() >= bar.maximum():
            break
        bar.setValue(min(bar.maximum(), bar.value() + step))
        app.processEvents()
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    peak = int(fields["VmHWM"].split()[0]) / 1024
    now = int(fields["VmRSS"].split()[0]) / 1024
    print(json.dumps({"peak_mb": peak, "rss_mb": now, "screens": screens}))
    window.close()
    library.close()


def run() -> Iterator[Figure]:
    tmp = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    try:
        root = tmp / "library"
        _build_library(root)
        shutil.rmtree(root / "thumbs", ignore_errors=True)
        (root / "thumbs").mkdir()
        cold = _open_once(root)
        warm = min(_open_once(root) for _ in range(2))
        yield Figure("gallery_open_10k_s", warm, 1.0)
        yield Figure("gallery_open_10k_cold_s", cold, 3.0)
        yield Figure("library_filter_query_ms_10k", _query_ms(root), 50.0)
        out = subprocess.run(
            [sys.executable, "-m", "bench.gallery_bench", "--rss", str(root)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        yield Figure("gallery_rss_mb_10k", measured["peak_mb"], 800.0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        _rss_child(Path(sys.argv[2]))
    else:
        for figure in run():
            print(f"{figure.name}: {figure.value:.4g} (target {figure.target_text})")
