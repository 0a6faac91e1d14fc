"""Questions the review tools ask the library: which assets match a filter, in what order,
and where each one came from.

The filter set is declared once, in ``FILTERS``: the gallery builds its filter widgets from
it and the CLI parses ``--filter KEY=VALUE`` with it, so both always offer the same filters
with the same meaning. A filter's values live in one ``AssetQuery``; ``query_assets`` turns
it into one SQL statement over assets ⨝ result_assets ⨝ results ⨝ reviews.

Every asset is shown with its *primary* result, the newest result that produced it (result
ids grow with time); filters on provenance (model, node, graph, run, cost, prompt) match
what that result says, which is what the grid and the detail panel show.

Episodes: an asset of an episode was made by one graph in one run (its *episode*), and an
asset made for one item of a list (one shot of a shot list) belongs to that *shot* — the
result's ``item``, 0-based in the index and shown 1-based ("Shot 3"). The ``episode`` and
``shot`` filters narrow to them, the ``episode`` order sorts by graph, run and shot, and
``episode_sections`` cuts such a list into the episode and shot groups the gallery shows.

Reads go through a connection of their own (SQLite in WAL mode lets it read while the
executor writes), after ``library.flush(wait=True)`` so nothing written behind is missed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..assets import Asset, AssetKind
from ..errors import CoreError
from .library import Library
from .results import FROM_PACK, SIMULATED

__all__ = [
    "FILTERS",
    "SORTS",
    "AssetDetails",
    "AssetNotFound",
    "AssetQuery",
    "AssetRow",
    "AssetSection",
    "EpisodeSections",
    "FilterError",
    "FilterKind",
    "FilterSpec",
    "Page",
    "PageMark",
    "Provenance",
    "asset_details",
    "content_signature",
    "count_assets",
    "episode_sections",
    "facet_values",
    "filter_spec",
    "matches",
    "parse_filters",
    "query_assets",
    "query_page",
    "resolve_sha",
    "section_counts",
]


class FilterError(CoreError):
    """A filter or sort given on the command line (or in code) is not understood."""


class AssetNotFound(CoreError):
    """No asset (or more than one) has the hash asked for."""


# -- the one declaration of the filter set --------------------------------------------------


class FilterKind(StrEnum):
    CHOICE = "choice"  # one or more of a set of values (facets from the library)
    TEXT = "text"  # free text, matched as a substring
    DATE_RANGE = "date_range"  # FROM..TO, either side optional
    NUMBER_RANGE = "number_range"  # MIN..MAX, either side optional
    MIN_RATING = "min_rating"  # at least n stars
    TRISTATE = "tristate"  # show / hide / only


REJECTED_MODES = ("show", "hide", "only")
KINDS = tuple(k.value for k in AssetKind)


@dataclass(frozen=True)
class FilterSpec:
    """One filter: its CLI key (also the ``AssetQuery`` field it sets), label and kind."""

    key: str
    label: str
    kind: FilterKind
    help: str
    #: for CHOICE filters: where the values come from ("facet" values are read from the
    #: library by ``facet_values``; fixed choices are listed here)
    choices: tuple[str, ...] = ()
    facet: str | None = None
    #: for CHOICE filters: the values are whole numbers from 1 (shot numbers)
    numbered: bool = False

    def parse(self, text: str) -> Any:
        """The value of this filter from its command-line text."""
        text = text.strip()
        if self.kind is FilterKind.CHOICE:
            values = tuple(v.strip() for v in text.split(",") if v.strip())
            if not values:
                raise FilterError(f"{self.key}: give at least one value")
            if self.numbered:
                values = tuple(str(_counting_number(v, self.key)) for v in values)
            if self.choices:
                bad = [v for v in values if v not in self.choices]
                if bad:
                    raise FilterError(
                        f"{self.key}: {bad[0]!r} is not one of {', '.join(self.choices)}"
                    )
            return values
        if self.kind is FilterKind.TEXT:
            return text or None
        if self.kind is FilterKind.DATE_RANGE:
            low, high = _split_range(self.key, text)
            start = parse_date(low, self.key) if low else None
            end = parse_date(high, self.key, end_of_day=True) if high else None
            if start is not None and end is not None and end < start:
                raise FilterError(f"{self.key}: the range ends before it starts")
            return (start, end)
        if self.kind is FilterKind.NUMBER_RANGE:
            low, high = _split_range(self.key, text)
            lo = _number(low, self.key) if low else None
            hi = _number(high, self.key) if high else None
            if lo is not None and hi is not None and hi < lo:
                raise FilterError(f"{self.key}: the range ends before it starts")
            return (lo, hi)
        if self.kind is FilterKind.MIN_RATING:
            try:
                stars = int(text.rstrip("+"))
            except ValueError:
                raise FilterError(f"{self.key}: write a number of stars from 0 to 5") from None
            if not 0 <= stars <= 5:
                raise FilterError(f"{self.key}: write a number of stars from 0 to 5")
            return stars or None
        if self.kind is FilterKind.TRISTATE:
            if text not in REJECTED_MODES:
                raise FilterError(f"{self.key}: write one of {', '.join(REJECTED_MODES)}")
            return text
        raise FilterError(f"{self.key}: unknown filter kind")  # pragma: no cover


FILTERS: tuple[FilterSpec, ...] = (
    FilterSpec(
        "kind",
        "Kind",
        FilterKind.CHOICE,
        "image, video, text or json (comma-separated)",
        choices=KINDS,
    ),
    FilterSpec(
        "model", "Model", FilterKind.CHOICE, "model ids, e.g. google/nano-banana-pro", facet="model"
    ),
    FilterSpec(
        "provider", "Provider", FilterKind.CHOICE, "aiml, replicate or local", facet="provider"
    ),
    FilterSpec("node", "Node", FilterKind.CHOICE, "node titles (or node ids)", facet="node"),
    FilterSpec(
        "graph", "Graph", FilterKind.CHOICE, "graph files (path, or file name)", facet="graph"
    ),
    FilterSpec(
        "run",
        "Run",
        FilterKind.CHOICE,
        "run ids (a prefix of 6+ characters is enough)",
        facet="run",
    ),
    FilterSpec(
        "episode",
        "Episode",
        FilterKind.CHOICE,
        "the graph that made it, by name or file (every run of it), or GRAPH@RUN for "
        "one run (a run id prefix of 6+ characters)",
        facet="episode",
    ),
    FilterSpec(
        "shot",
        "Shot",
        FilterKind.CHOICE,
        "shot numbers, from 1 (what was made for those shots of an episode)",
        facet="shot",
        numbered=True,
    ),
    FilterSpec(
        "date",
        "Date",
        FilterKind.DATE_RANGE,
        "FROM..TO: 2025-01-31, 2025-01-31T18:00, today, 7d (days ago); either side may be left out",
    ),
    FilterSpec("rating", "Rating ≥", FilterKind.MIN_RATING, "at least this many stars (1-5)"),
    FilterSpec("rejected", "Rejected", FilterKind.TRISTATE, "show, hide or only"),
    FilterSpec(
        "cost", "Cost (USD)", FilterKind.NUMBER_RANGE, "MIN..MAX in dollars, e.g. 0.01..0.5"
    ),
    FilterSpec(
        "text", "Text", FilterKind.TEXT, "words in the prompt, the node's title or a text asset"
    ),
)

SORTS = {
    "date": "newest first",
    "cost": "most expensive first",
    "rating": "best rated first",
    "episode": "by graph, newest run first, then shot by shot",
}


def filter_spec(key: str) -> FilterSpec:
    for spec in FILTERS:
        if spec.key == key:
            return spec
    raise FilterError(f"no filter {key!r}; filters are: {', '.join(s.key for s in FILTERS)}")


@dataclass(frozen=True)
class AssetQuery:
    """The values of every filter (``None`` / empty = not filtered), the order and a window.

    Field names are the filters' keys (``FILTERS``), plus ``sort``, ``ascending``, ``limit``
    and ``offset``.
    """

    kind: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    node: tuple[str, ...] = ()
    graph: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    episode: tuple[str, ...] = ()
    shot: tuple[str, ...] = ()
    date: tuple[float | None, float | None] = (None, None)
    rating: int | None = None
    rejected: str = "show"
    cost: tuple[float | None, float | None] = (None, None)
    text: str | None = None
    sort: str = "date"
    ascending: bool = False
    limit: int | None = None
    offset: int = 0

    def set(self, key: str, value: Any) -> AssetQuery:
        filter_spec(key)  # a known filter
        if value is None:
            value = _default(key)
        return replace(self, **{key: value})

    def cleared(self, key: str) -> AssetQuery:
        return replace(self, **{key: _default(key)})

    def active(self) -> list[str]:
        """The keys of the filters that narrow the result."""
        return [spec.key for spec in FILTERS if getattr(self, spec.key) != _default(spec.key)]

    def describe(self) -> list[str]:
        """One short phrase per active filter ("model: a, b", "rating ≥ 3")."""
        phrases = []
        for key in self.active():
            spec = filter_spec(key)
            value = getattr(self, key)
            if spec.kind is FilterKind.CHOICE:
                phrases.append(f"{key}: {', '.join(value)}")
            elif spec.kind is FilterKind.DATE_RANGE:
                low = _fmt_date(value[0]) if value[0] is not None else "…"
                high = _fmt_date(value[1]) if value[1] is not None else "…"
                phrases.append(f"date {low}..{high}")
            elif spec.kind is FilterKind.NUMBER_RANGE:
                low = f"${value[0]:g}" if value[0] is not None else "…"
                high = f"${value[1]:g}" if value[1] is not None else "…"
                phrases.append(f"cost {low}..{high}")
            elif spec.kind is FilterKind.MIN_RATING:
                phrases.append(f"rating ≥ {value}")
            elif spec.kind is FilterKind.TRISTATE:
                phrases.append(f"rejected: {value}")
            else:
                phrases.append(f'text "{value}"')
        return phrases


_DEFAULTS = {f.name: f.default for f in fields(AssetQuery)}


def _default(key: str) -> Any:
    return _DEFAULTS[key]


def parse_filters(
    items: Iterable[str], *, sort: str | None = None, limit: int | None = None
) -> AssetQuery:
    """``["kind=image", "rating=3", ...]`` (the CLI's ``--filter`` values) as a query.

    A key given twice adds to its values for choice filters and replaces it otherwise.
    ``sort`` is ``date``, ``cost`` or ``rating``, with ``-`` before it for ascending order
    (``-date``: oldest first).
    """
    query = AssetQuery()
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise FilterError(
                f"--filter {item!r}: write KEY=VALUE (keys: {', '.join(s.key for s in FILTERS)})"
            )
        spec = filter_spec(key)
        parsed = spec.parse(value)
        if spec.kind is FilterKind.CHOICE:
            parsed = tuple(dict.fromkeys((*getattr(query, key), *parsed)))
        query = query.set(key, parsed)
    if sort:
        query = with_sort(query, sort)
    if limit is not None:
        if limit < 1:
            raise FilterError("--limit must be at least 1")
        query = replace(query, limit=limit)
    return query


def with_sort(query: AssetQuery, text: str) -> AssetQuery:
    ascending = text.startswith("-")
    name = text.lstrip("-+")
    if name not in SORTS:
        raise FilterError(f"sort by one of {', '.join(SORTS)} (a '-' before it reverses)")
    return replace(query, sort=name, ascending=ascending)


def parse_date(text: str, key: str = "date", *, end_of_day: bool = False) -> float:
    """A moment as a timestamp: ISO date or date-time, ``today``, ``yesterday`` or ``Nd``."""
    text = text.strip().lower()
    now = datetime.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day: datetime | None = None
    if text == "today":
        day = midnight
    elif text == "yesterday":
        day = midnight - timedelta(days=1)
    elif re.fullmatch(r"\d+d", text):
        day = midnight - timedelta(days=int(text[:-1]))
    if day is not None:
        return (day + timedelta(days=1) if end_of_day else day).timestamp() - (
            1e-6 if end_of_day else 0
        )
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(
            f"{key}: {text!r} is not a date (2025-01-31, 2025-01-31T18:00, today, yesterday or 7d)"
        ) from None
    if end_of_day and len(text) <= 10:
        return (moment + timedelta(days=1)).timestamp() - 1e-6
    return moment.timestamp()


def _split_range(key: str, text: str) -> tuple[str, str]:
    if ".." in text:
        low, high = text.split("..", 1)
        return low.strip(), high.strip()
    if not text:
        raise FilterError(f"{key}: write FROM..TO (either side may be left out)")
    return text, text


def _number(text: str, key: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError:
        raise FilterError(f"{key}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FilterError(f"{key}: {text!r} is not a number")
    return value


def _fmt_date(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _counting_number(text: str, key: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise FilterError(f"{key}: {text!r} is not a shot number (1, 2, 3, …)")
    return value


_RUN_ID = re.compile(r"[0-9a-fA-F]{6,32}")


def split_episode(value: str) -> tuple[str, str | None]:
    """``"kpop_episode.ctoon@3f2a9c"`` → (graph, run prefix); a value without a run part
    (or whose part after ``@`` is not a run id) is all graph."""
    graph, sep, run = value.rpartition("@")
    if sep and _RUN_ID.fullmatch(run):
        return graph, run.lower()
    return value, None


# -- reading ---------------------------------------------------------------------------------


@dataclass(slots=True)
class AssetRow:
    """One asset as the grid shows it: its facts, its primary result's summary, its review."""

    sha256: str
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    duration_s: float | None
    excerpt: str | None
    created_at: float
    result_id: int | None
    model: str | None
    provider: str | None
    node_id: str | None
    node_title: str | None
    node_type: str | None
    graph_path: str | None
    run_id: str | None
    cost_usd: float | None
    finished_at: float | None
    rating: int | None
    rejected: bool
    #: the list item the asset was made for (0-based: shot ``item + 1``), None if not one
    item: int | None = None
    #: when the run that made it started, and the graph's name then
    run_started_at: float | None = None
    graph_name: str | None = None

    @property
    def when(self) -> float:
        return self.finished_at or self.created_at

    @property
    def shot(self) -> int | None:
        """The shot number (1-based) the asset was made for, if it was made per item."""
        return self.item + 1 if self.item is not None else None

    @property
    def episode(self) -> tuple[str, str] | None:
        """(graph, run) that made it: its episode; None for an asset from no run."""
        if not self.run_id:
            return None
        return (self.graph_path or "", self.run_id)

    @property
    def short(self) -> str:
        return self.sha256[:12]

    @property
    def title(self) -> str:
        return self.node_title or (self.node_type or "imported").replace("_", " ")


@dataclass(frozen=True)
class Provenance:
    """One result that produced an asset (an asset may come out of several runs)."""

    result_id: int
    graph_path: str | None
    graph_id: str | None
    node_id: str
    node_type: str
    node_title: str | None
    item: int | None
    model: str | None
    provider: str | None
    params: dict[str, Any]
    prompt: str | None
    #: input port → the hashes that fed it (a list for list / multi-connection ports)
    inputs: dict[str, Any]
    port: str
    output_index: int
    job_id: str | None
    cost_usd: float
    cost_source: str | None
    queue_s: float | None
    run_s: float | None
    finished_at: float
    run_id: str | None
    cache_key: str
    #: None: made here by a real run; "simulated"; or "pack:NAME" (imported)
    origin: str | None = None

    @property
    def origin_label(self) -> str:
        """Where the result came from, as the review tools say it."""
        if not self.origin:
            return "made here"
        if self.origin == SIMULATED:
            return "simulated (the provider simulator's placeholder)"
        if self.origin.startswith(FROM_PACK):
            return f"from pack {self.origin[len(FROM_PACK) :]}"
        return self.origin

    def input_hashes(self) -> list[tuple[str, str]]:
        """(port, sha256) of every upstream asset, in port order."""
        found: list[tuple[str, str]] = []
        for port, value in self.inputs.items():
            values = value if isinstance(value, list) else [value]
            found.extend((port, v) for v in values if isinstance(v, str) and v)
        return found


@dataclass(frozen=True)
class AssetDetails:
    row: AssetRow
    asset: Asset
    provenance: list[Provenance]
    note: str
    #: results that took this asset as an input: (result id, node title, node type)
    used_by: list[tuple[int, str | None, str]] = field(default_factory=list)

    @property
    def primary(self) -> Provenance | None:
        return self.provenance[0] if self.provenance else None


_readers: weakref.WeakKeyDictionary[Library, _Reader] = weakref.WeakKeyDictionary()
_readers_guard = threading.Lock()


class _Reader:
    """A read-only connection of the review tools' own (WAL: reads never block the writer).
    It never writes: the tables and indexes it reads are the library's schema."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.lock: threading.Lock | threading.RLock = threading.Lock()
        if library.read_only:  # its own read-only (or in-memory) connection will do
            self.lock, self.db = library._lock, library._connection()
            return
        self.db = sqlite3.connect(
            library.root / "library.sqlite",
            check_same_thread=False,
            isolation_level=None,
            timeout=30,
        )
        self.db.execute("PRAGMA query_only=1")
        self.db.execute("PRAGMA cache_size=-32768")
        self.db.execute("PRAGMA temp_store=MEMORY")  # sorts of pages: no temporary files

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.library.flush(wait=True)
        with self.lock:
            return self.db.execute(sql, args).fetchall()


def _reader(library: Library) -> _Reader:
    with _readers_guard:
        reader = _readers.get(library)
        if reader is None:
            reader = _readers[library] = _Reader(library)
        return reader


def close_reader(library: Library) -> None:
    """Close the review tools' connection to ``library`` (before deleting its folder)."""
    with _readers_guard:
        reader = _readers.pop(library, None)
    if reader is not None and not library.read_only:
        with reader.lock:
            reader.db.close()


# Queries read the library's summary of every asset (``asset_summary``: its primary result
# and review, in one narrow row, kept by the library on every write) and join the tables it
# sums up only for what a row shows. Pages are keyset pages: a page starts after the sort key
# of the last row shown, so the n-th page costs what the first one does.

_ROW_COLUMNS = (
    "s.sha256, s.kind, a.mime, a.size, a.width, a.height, a.duration_s, a.text_excerpt,"
    " a.created_at, s.result_id, s.model, s.provider, r.node_id, r.node_title, r.node_type,"
    " s.graph_path, s.run_id, r.cost_usd, r.finished_at, NULLIF(s.rating, 0), s.rejected,"
    " s.item, ru.started_at, ru.graph_name"
)
_ROW_WIDTH = 24
_JOINS = {
    "a.": " JOIN assets a ON a.sha256 = s.sha256",
    "r.": " LEFT JOIN results r ON r.id = s.result_id",
    "ru.": " LEFT JOIN runs ru ON ru.id = s.run_id",
    "fe.": " LEFT JOIN facet_counts fe ON fe.facet = 'episode'"
    " AND fe.value = COALESCE(s.graph_path, '') || '@' || s.run_id",
}
#: when the episode (run) began (a run missing from the runs table, as results imported
#: without it, from its first asset): kept with the episode's count
_RUN_TIME = "COALESCE(fe.first_at, 0)"
#: each order's key, most significant first: (expression, direction) where "" follows the
#: query's (newest, most expensive, best rated first; the other way round when ascending)
_ORDER: Mapping[str, tuple[tuple[str, str], ...]] = {
    "date": (("s.at", ""), ("s.sha256", "")),
    "cost": (("s.cost", ""), ("s.at", ""), ("s.sha256", "")),
    "rating": (("s.rating", ""), ("s.at", ""), ("s.sha256", "")),
    # graph by graph, each graph's runs newest first (the direction applies to them), each
    # run's assets shot by shot — what was made for no shot (the shot list, the cut) first —
    # and within a shot in the order it was made (main cut, cleanup, video); assets from no
    # run last
    "episode": (
        ("s.run_id IS NULL", "ASC"),
        ("COALESCE(s.graph_path, '')", "ASC"),
        (_RUN_TIME, ""),
        ("COALESCE(s.run_id, '')", "ASC"),
        ("COALESCE(s.item, -1)", "ASC"),
        ("s.at", "ASC"),
        ("s.sha256", "ASC"),
    ),
}


@dataclass(frozen=True)
class PageMark:
    """Where a page ended: the sort key of its last row, in the order it was read in."""

    sort: str
    ascending: bool
    key: tuple[Any, ...]


@dataclass(frozen=True)
class Page:
    """One page of a query's answer."""

    rows: list[AssetRow]
    #: pass as ``after`` to read the next page; None when there is none
    next: PageMark | None


def _joins(sql: str) -> str:
    return "".join(join for alias, join in _JOINS.items() if alias in sql)


def _directions(query: AssetQuery) -> list[tuple[str, str]]:
    if query.sort not in _ORDER:
        raise FilterError(f"sort by one of {', '.join(SORTS)}")
    follows = "ASC" if query.ascending else "DESC"
    return [(expr, direction or follows) for expr, direction in _ORDER[query.sort]]


def _after(keys: list[tuple[str, str]], mark: PageMark) -> tuple[str, list[Any]]:
    """SQL for "after this key" in this order."""
    if len({d for _e, d in keys}) == 1:  # one direction: a row-value range an index can seek
        op = ">" if keys[0][1] == "ASC" else "<"
        exprs = ", ".join(e for e, _d in keys)
        marks = ", ".join("?" * len(keys))
        first = keys[0][0]
        return (
            f"({first}) {op}= ? AND ({exprs}) {op} ({marks})",
            [mark.key[0], *mark.key],
        )
    sql, args = "", list[Any]()
    for n in range(len(keys) - 1, -1, -1):  # k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...))
        expr, direction = keys[n]
        op = ">" if direction == "ASC" else "<"
        step = f"({expr}) {op} ?"
        if sql:
            sql = f"{step} OR (({expr}) = ? AND ({sql}))"
            args = [mark.key[n], mark.key[n], *args]
        else:
            sql, args = step, [mark.key[n]]
    return f"({sql})", args


#: the summary's own key (at, sha256): a page reads the rows in their date order or sorts
#: what matches, as it did before the filter indexes, which serve counts. Left to itself,
#: SQLite walks a filter index in full and looks every row up (two or three times slower),
#: and ``NOT INDEXED`` is not honoured for a table without rowid. (SQLite names the key of
#: such a table after its constraints: the sha256's UNIQUE is the first)
_SUMMARY_KEY = "sqlite_autoindex_asset_summary_2"


def _select(
    query: AssetQuery, after: PageMark | None, limit: int | None, offset: int = 0
) -> tuple[str, list[Any]]:
    """The rows (then their sort keys) of a page: the keys are found on the summary alone,
    then only the page's rows are joined to what they show."""
    keys = _directions(query)
    clauses, args = _conditions(query)
    if after is not None:
        if (after.sort, after.ascending) != (query.sort, query.ascending):
            raise FilterError("a page mark is read back in the order it was made in")
        sql, found = _after(keys, after)
        clauses.append(sql)
        args.extend(found)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    picked = ", ".join(f"{e} AS k{n}" for n, (e, _d) in enumerate(keys))
    inner = f"SELECT s.sha256 AS sha, {picked} FROM asset_summary s INDEXED BY {_SUMMARY_KEY}"
    inner += _joins(picked + where) + where
    inner += " ORDER BY " + ", ".join(f"k{n} {d}" for n, (_e, d) in enumerate(keys))
    if limit is not None:
        inner += " LIMIT ? OFFSET ?"
        args += [int(limit), int(offset)]
    outer_keys = ", ".join(f"k.k{n}" for n in range(len(keys)))
    sql = (
        f"SELECT {_ROW_COLUMNS}, {outer_keys} FROM ({inner}) k"
        f" JOIN asset_summary s ON s.sha256 = k.sha{_joins(_ROW_COLUMNS)}"
        " ORDER BY " + ", ".join(f"k.k{n} {d}" for n, (_e, d) in enumerate(keys))
    )
    return sql, args


def query_assets(library: Library, query: AssetQuery | None = None) -> list[AssetRow]:
    """The assets that match ``query``, in its order (``query.limit`` / ``offset``: a window
    of them)."""
    query = query or AssetQuery()
    sql, args = _select(query, None, query.limit, query.offset)
    return [_row(r) for r in _reader(library).rows(sql, args)]


def query_page(
    library: Library,
    query: AssetQuery | None = None,
    *,
    after: PageMark | None = None,
    size: int = 200,
) -> Page:
    """``size`` assets that match ``query``, in its order, from just after ``after`` (the
    previous page's ``next``) or from the first. Each page costs about the same however far
    down it starts."""
    query = query or AssetQuery()
    sql, args = _select(query, after, size + 1)
    found = _reader(library).rows(sql, args)
    rows = [_row(r) for r in found[:size]]
    if len(found) <= size or not rows:
        return Page(rows, None)
    return Page(rows, PageMark(query.sort, query.ascending, tuple(found[size - 1][_ROW_WIDTH:])))


def count_assets(library: Library, query: AssetQuery | None = None) -> int:
    """How many assets match ``query`` (all of them: counted as they are stored)."""
    clauses, args = _conditions(query or AssetQuery())
    if not clauses:
        rows = _reader(library).rows(
            "SELECT COALESCE(sum(n), 0) FROM facet_counts WHERE facet = 'kind'"
        )
        return int(rows[0][0])
    where = " WHERE " + " AND ".join(clauses)
    sql = f"SELECT count(*) FROM asset_summary s{_joins(where)}{where}"
    return int(_reader(library).rows(sql, args)[0][0])


def matches(library: Library, query: AssetQuery, sha: str) -> bool:
    """Whether the asset is among what ``query`` finds."""
    clauses, args = _conditions(query)
    where = " WHERE " + " AND ".join(["s.sha256 = ?", *clauses])
    sql = f"SELECT 1 FROM asset_summary s{_joins(where)}{where}"
    return bool(_reader(library).rows(sql, [sha, *args]))


def content_signature(library: Library) -> tuple[int, int]:
    """(how many assets, the newest result's id): changes when assets or results are added,
    by this process or another. Cheap at any size (a window polls it)."""
    rows = _reader(library).rows(
        "SELECT (SELECT COALESCE(sum(n), 0) FROM facet_counts WHERE facet = 'kind'),"
        " (SELECT COALESCE(max(id), 0) FROM results)"
    )
    return int(rows[0][0]), int(rows[0][1])


def _conditions(query: AssetQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []

    def any_of(column: str, values: Sequence[str]) -> None:
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        args.extend(values)

    if query.kind:
        any_of("s.kind", query.kind)
    if query.model:
        any_of("s.model", query.model)
    if query.provider:
        any_of("s.provider", query.provider)
    if query.node:
        marks = ", ".join("?" * len(query.node))
        clauses.append(f"(s.node IN ({marks}) OR s.node_id IN ({marks}))")
        args.extend(query.node)
        args.extend(query.node)
    if query.graph:
        parts = []
        for graph in query.graph:
            if "/" in graph or "\\" in graph:
                parts.append("s.graph_path = ?")
                args.append(graph)
            else:  # a file name: any folder
                parts.append("(s.graph_path = ? OR s.graph_path LIKE ? ESCAPE '\\')")
                args.extend((graph, "%/" + _like(graph)))
        clauses.append("(" + " OR ".join(parts) + ")")
    if query.run:
        parts = []
        for run in query.run:
            parts.append("s.run_id LIKE ? ESCAPE '\\'")
            args.append(_like(run) + ("%" if len(run) >= 6 else ""))
        clauses.append("(" + " OR ".join(parts) + ")")
    if query.episode:
        parts = []
        for value in query.episode:
            graph, run_prefix = split_episode(value)
            sql, found = _graph_match(graph)
            if run_prefix is not None:
                sql = (
                    f"({sql} AND s.run_id LIKE ? ESCAPE '\\')"
                    if sql
                    else "s.run_id LIKE ? ESCAPE '\\'"
                )
                found.append(_like(run_prefix) + "%")
            parts.append(sql or "s.run_id IS NOT NULL")
            args.extend(found)
        clauses.append("(" + " OR ".join(parts) + ")")
    if query.shot:
        numbers = [int(v) - 1 for v in query.shot]
        clauses.append(f"s.item IN ({', '.join('?' * len(numbers))})")
        args.extend(numbers)
    low, high = query.date
    if low is not None:
        clauses.append("s.at >= ?")
        args.append(low)
    if high is not None:
        clauses.append("s.at <= ?")
        args.append(high)
    if query.rating:
        clauses.append("s.rating >= ?")
        args.append(int(query.rating))
    if query.rejected == "hide":
        clauses.append("s.rejected = 0")
    elif query.rejected == "only":
        clauses.append("s.rejected = 1")
    low, high = query.cost
    if low is not None:
        clauses.append("s.cost >= ?")
        args.append(low - 1e-9)
    if high is not None:
        clauses.append("s.cost <= ?")
        args.append(high + 1e-9)
    if query.text:
        pattern = "%" + _like(query.text) + "%"
        clauses.append("s.text LIKE ? ESCAPE '\\'")
        args.append(pattern)
    return clauses, args


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _graph_match(graph: str) -> tuple[str, list[Any]]:
    """SQL matching a graph given as a path, a file name (any folder, ``.ctoon`` optional)
    or the graph's own name; empty: no condition."""
    graph = graph.strip()
    if not graph:
        return "", []
    if "/" in graph or "\\" in graph:
        return "s.graph_path = ?", [graph]
    patterns = [
        f"%{sep}{_like(graph)}{ext}" for sep in ("/", _like("\\")) for ext in ("", ".ctoon")
    ]
    return (
        "(ru.graph_name = ? OR s.graph_path = ?"
        + " OR s.graph_path LIKE ? ESCAPE '\\'" * len(patterns)
        + ")",
        [graph, graph, *patterns],
    )


def _row(r: Sequence[Any]) -> AssetRow:
    return AssetRow(*(*r[:20], bool(r[20]), *r[21:_ROW_WIDTH]))


def asset_row(library: Library, sha: str) -> AssetRow | None:
    sql = f"SELECT {_ROW_COLUMNS} FROM asset_summary s{{joins}} WHERE s.sha256 = ?"
    rows = _reader(library).rows(sql.format(joins=_joins(_ROW_COLUMNS)), (sha,))
    return _row(rows[0]) if rows else None


_FACETS: Mapping[str, str] = {
    "model": "s.model",
    "provider": "s.provider",
    "node": "s.node",
    "graph": "s.graph_path",
    "run": "s.run_id",
    "kind": "s.kind",
    "episode": "COALESCE(s.graph_path, '') || '@' || s.run_id",
    "shot": "CAST(s.item + 1 AS TEXT)",
}


def facet_values(
    library: Library,
    key: str,
    query: AssetQuery | None = None,
) -> list[tuple[str, int]]:
    """The values a choice filter can take, with how many assets have each (most first;
    shots in order, episodes newest first).

    With ``query``, the counts are of the assets that match the *other* filters (so a
    filter's menu shows what choosing a value would give). Without, they are the library's
    running counts: the cost does not grow with the library."""
    column = _FACETS.get(key)
    if column is None:
        raise FilterError(f"filter {key!r} has no list of values")
    clauses, args = _conditions(query.cleared(key)) if query is not None else ([], [])
    reader = _reader(library)
    if not clauses:
        found = reader.rows(
            "SELECT value, n, first_at FROM facet_counts WHERE facet = ? AND n > 0", (key,)
        )
    else:
        clauses.append(f"{column} IS NOT NULL")
        where = " WHERE " + " AND ".join(clauses)
        first = _RUN_TIME if key == "episode" else "NULL"
        sql = f"SELECT {column}, count(*), min({first}) FROM asset_summary s{{joins}}{where}"
        found = reader.rows(sql.format(joins=_joins(where + first)) + " GROUP BY 1", args)
    values = [(str(value), int(n), first) for value, n, first in found]
    if key == "shot":
        values.sort(key=lambda v: int(v[0]))
    elif key == "episode":
        values.sort(key=lambda v: (-(v[2] or 0), v[0]))
    else:
        values.sort(key=lambda v: (-v[1], v[0]))
    return [(value, n) for value, n, _first in values]


def facet_labels(library: Library, key: str, values: Iterable[str] = ()) -> dict[str, str]:
    """How a choice filter's values read ("K-pop episode · 2025-01-31 18:02", "Shot 3")."""
    if key == "run":
        return runs_summary(library)
    if key == "shot":
        return {v: f"Shot {v}" for v in values}
    if key == "episode":
        runs = runs_summary(library)
        labels = {}
        for value in values:
            graph, run = split_episode(value)
            full = next((rid for rid in runs if run and rid.startswith(run)), None)
            labels[value] = runs[full] if full else f"{graph_label(graph or None)} · {run}"
        return labels
    return {}


def runs_summary(library: Library, limit: int = 200) -> dict[str, str]:
    """Run id → a label people read ("storyboard · 2025-01-31 18:02")."""
    rows = _reader(library).rows(
        "SELECT id, graph_name, started_at FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)
    )
    return {rid: f"{name or 'untitled'} · {_fmt_date(started)}" for rid, name, started in rows}


def resolve_sha(library: Library, prefix: str) -> str:
    """The full hash of the one asset whose hash starts with ``prefix`` (≥ 4 hex digits)."""
    prefix = prefix.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{4,64}", prefix):
        raise FilterError(f"{prefix!r} is not an asset hash (4 to 64 hex digits)")
    upper = prefix + "g"  # 'g' sorts after every hex digit
    rows = _reader(library).rows(
        "SELECT sha256 FROM assets WHERE sha256 >= ? AND sha256 < ? LIMIT 3", (prefix, upper)
    )
    if not rows:
        raise AssetNotFound(f"no asset {prefix} in the library at {library.root}")
    if len(rows) > 1:
        raise AssetNotFound(f"{prefix} matches several assets; give more digits")
    return str(rows[0][0])


_PROVENANCE_COLUMNS = (
    "r.id, r.graph_path, r.graph_id, r.node_id, r.node_type, r.node_title, r.item, r.model,"
    " r.provider, r.params_json, r.prompt, r.inputs_json, ra.port, ra.idx, r.job_id,"
    " r.cost_usd, r.cost_source, r.queue_s, r.run_s, r.finished_at, r.run_id, r.cache_key,"
    " r.origin"
)


def provenance(library: Library, sha: str) -> list[Provenance]:
    """Every result that produced ``sha``, newest first."""
    rows = _reader(library).rows(
        f"SELECT {_PROVENANCE_COLUMNS} FROM result_assets ra JOIN results r ON r.id = ra.result_id"
        " WHERE ra.sha256 = ? ORDER BY r.id DESC",
        (sha,),
    )
    found = []
    for r in rows:
        found.append(
            Provenance(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                _json(r[9]),
                r[10],
                _json(r[11]),
                r[12],
                r[13],
                r[14],
                float(r[15] or 0.0),
                r[16],
                r[17],
                r[18],
                float(r[19]),
                r[20],
                r[21],
                r[22],
            )
        )
    return found


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def asset_details(library: Library, sha: str) -> AssetDetails | None:
    """Everything the detail panel and ``assets show`` tell about one asset."""
    row = asset_row(library, sha)
    asset = library.asset(sha)
    if row is None or asset is None:
        return None
    note_rows = _reader(library).rows("SELECT note FROM reviews WHERE sha256 = ?", (sha,))
    used = _reader(library).rows(
        "SELECT id, node_title, node_type FROM results WHERE inputs_json LIKE ?"
        " ORDER BY id DESC LIMIT 50",
        (f'%"{sha}"%',),
    )
    return AssetDetails(
        row,
        asset,
        provenance(library, sha),
        str(note_rows[0][0] or "") if note_rows else "",
        [(int(i), t, nt) for i, t, nt in used],
    )


# -- small helpers shared by the gallery and the CLI ----------------------------------------


def describe_when(ts: float | None, *, now: float | None = None) -> str:
    if not ts:
        return "—"
    now = now or time.time()
    moment = datetime.fromtimestamp(ts)
    if now - ts < 86_400 and moment.date() == datetime.fromtimestamp(now).date():
        return f"today {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def graph_label(path: str | None) -> str:
    return Path(path).name if path else "—"


@dataclass(frozen=True)
class AssetSection:
    """A header between groups of assets: an episode (graph + run), or a shot of one."""

    level: str  # "episode" | "shot"
    key: tuple[Any, ...]
    title: str
    detail: str
    count: int


def episode_sections(
    rows: Sequence[AssetRow],
    *,
    now: float | None = None,
) -> list[AssetSection | AssetRow]:
    """``rows`` (in the ``episode`` order) with a header before each episode and before
    each shot of it: ``[episode, (assets made for no shot), shot 1, assets, shot 2, …]``.
    Assets from no run come last under a header of their own."""
    counts: dict[tuple[Any, ...], int] = {}
    for row in rows:
        episode = row.episode or ("", "")
        for key in _section_keys(episode, row.item):
            counts[key] = counts.get(key, 0) + 1
    return EpisodeSections(counts, now=now).add(rows)


def section_counts(library: Library, query: AssetQuery) -> dict[tuple[Any, ...], int]:
    """How many of the assets ``query`` finds each episode and each shot of one holds (the
    counts of the headers ``EpisodeSections`` puts in), counted without reading the rows."""
    clauses, args = _conditions(query)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = _reader(library).rows(
        "SELECT COALESCE(s.graph_path, ''), COALESCE(s.run_id, ''), s.item, count(*)"
        f" FROM asset_summary s{_joins(where)}{where} GROUP BY 1, 2, 3",
        args,
    )
    counts: dict[tuple[Any, ...], int] = {}
    for graph, run, item, n in rows:
        episode = (graph, run) if run else ("", "")
        for key in _section_keys(episode, item):
            counts[key] = counts.get(key, 0) + int(n)
    return counts


def _section_keys(episode: tuple[str, str], item: int | None) -> list[tuple[Any, ...]]:
    keys: list[tuple[Any, ...]] = [("episode", *episode)]
    if item is not None:
        keys.append(("shot", *episode, item))
    return keys


class EpisodeSections:
    """Puts the headers between rows in the ``episode`` order, page after page: ``add``
    returns the rows it is given with a header before each episode and each shot that
    begins among them. ``counts`` (``section_counts``) are what the headers say."""

    def __init__(self, counts: Mapping[tuple[Any, ...], int], *, now: float | None = None):
        self.counts = counts
        self.now = now
        self._episode: tuple[Any, ...] | None = None
        self._shot: tuple[Any, ...] | None = None

    def add(self, rows: Iterable[AssetRow]) -> list[AssetSection | AssetRow]:
        out: list[AssetSection | AssetRow] = []
        for row in rows:
            episode = row.episode or ("", "")
            key = ("episode", *episode)
            if key != self._episode:
                self._episode, self._shot = key, None
                out.append(_episode_header(row, key, self.counts.get(key, 0), self.now))
            if row.item is not None:
                shot_key = ("shot", *episode, row.item)
                if shot_key != self._shot:
                    self._shot = shot_key
                    n = self.counts.get(shot_key, 0)
                    out.append(
                        AssetSection(
                            "shot",
                            shot_key,
                            f"Shot {row.item + 1}",
                            f"{n} asset{'s' if n != 1 else ''}",
                            n,
                        )
                    )
            out.append(row)
        return out


def _episode_header(
    row: AssetRow, key: tuple[Any, ...], count: int, now: float | None
) -> AssetSection:
    assets = f"{count} asset{'s' if count != 1 else ''}"
    if row.episode is None:
        return AssetSection("episode", key, "Not from a run", f"imported · {assets}", count)
    title = row.graph_name or (Path(row.graph_path).stem if row.graph_path else "untitled")
    parts = [graph_label(row.graph_path)] if row.graph_path else []
    parts.append(f"run {row.run_id[:8] if row.run_id else '—'}")
    if row.run_started_at:
        parts.append(describe_when(row.run_started_at, now=now))
    parts.append(assets)
    return AssetSection("episode", key, title, " · ".join(parts), count)


def row_as_json(row: AssetRow) -> dict[str, Any]:
    """The fields of a row for ``--json`` output."""
    return {
        "sha256": row.sha256,
        "kind": row.kind,
        "mime": row.mime,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "duration_s": row.duration_s,
        "model": row.model,
        "provider": row.provider,
        "node_id": row.node_id,
        "node_title": row.node_title,
        "node_type": row.node_type,
        "graph_path": row.graph_path,
        "run_id": row.run_id,
        "cost_usd": row.cost_usd,
        "when": row.when,
        "rating": row.rating,
        "rejected": row.rejected,
        "excerpt": row.excerpt,
        "shot": row.shot,
    }


def provenance_as_json(p: Provenance) -> dict[str, Any]:
    return {
        "result_id": p.result_id,
        "graph_path": p.graph_path,
        "graph_id": p.graph_id,
        "node_id": p.node_id,
        "node_type": p.node_type,
        "node_title": p.node_title,
        "item": p.item,
        "model": p.model,
        "provider": p.provider,
        "params": p.params,
        "prompt": p.prompt,
        "inputs": p.inputs,
        "output_port": p.port,
        "output_index": p.output_index,
        "provider_job_id": p.job_id,
        "cost_usd": p.cost_usd,
        "cost_source": p.cost_source,
        "queue_s": p.queue_s,
        "run_s": p.run_s,
        "finished_at": p.finished_at,
        "run_id": p.run_id,
        "origin": p.origin_label,
    }
