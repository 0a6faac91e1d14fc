"""The library window on libraries of 10,000 and 100,000 assets (issues: review tools,
studio scale).

* ``gallery_open_10k_cold_s``: from nothing to the first screen of thumbnails painted, with
  no thumbnail made yet (they are made from the images by the worker threads);
* ``gallery_open_10k_s``: the same with the thumbnails of that screen already cached;
* ``gallery_open_100k_s`` (reported) and ``gallery_first_screen_100k_over_10k``: the same
  on 100,000 assets, and over the 10k figure measured in the same process (interleaved
  runs): the first screen must not cost more in a bigger library;
* ``library_filter_query_ms_10k`` / ``_100k``: the slowest of a few typical filters (median
  of several runs each), run as the window runs one: its first page and its count;
* ``gallery_rss_mb_10k``: peak resident memory of a process that opens the gallery and
  scrolls it end to end, screen by screen, waiting for each screen's thumbnails.

The libraries hold real files: 94 % PNG images, 1 % MP4 clips and 5 % texts, each with a
result (model, node, graph, run, prompt, cost) as the executor writes them. Pictures and
clips are distinct files, most of them variants of a few hundred drawn ones (encoding
100,000 pictures would take the benchmark minutes to set up).
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

WINDOW = (1600, 1000)
#: typical filters (the gallery's and ``canvastoon assets list --filter``'s)
FILTERS = (
    ["kind=image", "model=google/nano-banana-pro", "date=30d.."],
    ["rating=3", "rejected=hide"],
    ["text=neon", "cost=0.1.."],
    ["kind=video,text", "provider=aiml"],
)


def _build_library(root: Path, size: int) -> None:
    from canvastoon_desktop.core.library import Library
    from tests.support.library_factory import populate

    library = Library(root)
    made = populate(
        library,
        images=size * 94 // 100,
        videos=size // 100,
        texts=size * 5 // 100,
        distinct_videos=25,
        distinct_images=500,
        runs=max(40, size // 250),
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


def _open_once(root: Path, size: int) -> float:
    """Seconds from opening the library to the first screen of thumbnails painted."""
    from canvastoon_desktop.core.library import Library
    from canvastoon_desktop.core.library.query import close_reader
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
    assert window.model.total == size
    window.close()
    window.deleteLater()
    app.processEvents()
    close_reader(library)
    library.close()
    return elapsed


def _query_ms(root: Path) -> float:
    """The slowest typical filter, in ms, run as the window runs one (``AssetListModel.load``):
    its first page, and how many assets match when there is more than a page."""
    from canvastoon_desktop.core.library import Library
    from canvastoon_desktop.core.library import query as lq
    from canvastoon_desktop.ui.gallery.qt_model import AssetListModel

    library = Library(root)

    def run(query: lq.AssetQuery) -> int:
        page = lq.query_page(library, query, size=AssetListModel.PAGE)
        return lq.count_assets(library, query) if page.next else len(page.rows)

    worst = 0.0
    for items in FILTERS:
        query = lq.parse_filters(items)
        run(query)  # warm
        times = []
        for _ in range(7):
            started = time.perf_counter()
            found = run(query)
            times.append(time.perf_counter() - started)
        assert found
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
        if bar.value() >= bar.maximum() and not window.model.canFetchMore():
            break
        bar.setValue(min(bar.maximum(), bar.value() + step))
        app.processEvents()
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    peak = int(fields["VmHWM"].split()[0]) / 1024
    now = int(fields["VmRSS"].split()[0]) / 1024
    assert len(window.model.rows) == window.model.total  # scrolled to the very end
    print(json.dumps({"peak_mb": peak, "rss_mb": now, "screens": screens}))
    window.close()
    library.close()


def run() -> Iterator[Figure]:
    tmp = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    try:
        root, big = tmp / "library", tmp / "library-100k"
        _build_library(root, 10_000)
        _build_library(big, 100_000)
        shutil.rmtree(root / "thumbs", ignore_errors=True)
        (root / "thumbs").mkdir()
        cold = _open_once(root, 10_000)
        _open_once(big, 100_000)  # its first screen's thumbnails made
        small, large = [], []
        for _ in range(3):  # interleaved: load on the machine weighs on both alike
            small.append(_open_once(root, 10_000))
            large.append(_open_once(big, 100_000))
        yield Figure("gallery_open_10k_s", min(small), 1.0)
        yield Figure("gallery_open_10k_cold_s", cold, 3.0)
        yield Figure("gallery_open_100k_s", min(large), None)
        yield Figure("gallery_first_screen_100k_over_10k", min(large) / min(small), 1.5)
        yield Figure("library_filter_query_ms_10k", _query_ms(root), 50.0)
        yield Figure("library_filter_query_ms_100k", _query_ms(big), 100.0)
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
