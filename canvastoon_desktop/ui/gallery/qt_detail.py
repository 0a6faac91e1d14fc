"""The detail panel: the selected asset's picture, review and full provenance — graph and
node, model and provider, effective parameters, prompt, the upstream inputs (click one to
go to it), provider job id, cost, queue and run time, when — and what to do with it."""

from __future__ import annotations

import json
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.ui import theme

from .qt_delegate import format_duration
from .qt_thumbs import GalleryThumbnails
from .qt_viewer import ReviewBar


def _usd(value: float | None, source: str | None = None) -> str:
    if value is None:
        return "—"
    text = "free" if not value else (f"${value:.4f}" if value < 0.01 else f"${value:.3f}")
    return f"{text} ({source})" if source and value else text


def _secs(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1f} s" if value < 90 else f"{value / 60:.1f} min")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


class _Section(QtWidgets.QWidget):
    def __init__(self, title: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QtWidgets.QVBoxLayout(self)
        self.box.setContentsMargins(0, 6, 0, 0)
        self.box.setSpacing(4)
        label = QtWidgets.QLabel(title.upper(), self)
        label.setObjectName("sectionTitle")
        self.box.addWidget(label)


class DetailPanel(QtWidgets.QScrollArea):
    assetActivated = QtCore.Signal(str)
    revealRequested = QtCore.Signal(str, str)
    useAsInputRequested = QtCore.Signal(str)
    viewRequested = QtCore.Signal()
    compareRequested = QtCore.Signal()
    exportRequested = QtCore.Signal()
    reviewed = QtCore.Signal(str)

    def __init__(
        self, library: Library, thumbs: GalleryThumbnails, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.thumbs = thumbs
        self.sha: str | None = None
        self.details: lq.AssetDetails | None = None
        self._chips: dict[str, list[QtWidgets.QToolButton]] = {}
        self.setWidgetResizable(True)
        self.setMinimumWidth(300)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QtWidgets.QWidget()
        self.setWidget(self.body)
        self.layout_ = QtWidgets.QVBoxLayout(self.body)
        self.layout_.setContentsMargins(12, 10, 12, 12)
        self.layout_.setSpacing(8)
        self._note_timer = QtCore.QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(500)
        self._note_timer.timeout.connect(self._save_note)
        self.note_edit: QtWidgets.QPlainTextEdit | None = None
        self.review_bar: ReviewBar | None = None
        thumbs.ready.connect(self._thumb_ready)
        self.show_nothing()

    # -- building ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self._save_note()
        self._chips.clear()
        self._preview_label: QtWidgets.QLabel | None = None
        self.note_edit = None
        self.review_bar = None
        while self.layout_.count():
            item = self.layout_.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()  # gone at once, even before the event loop deletes it
                widget.deleteLater()

    def show_nothing(self, message: str = "Select an asset to see where it came from.") -> None:
        self._clear()
        self.sha = None
        self.details = None
        label = QtWidgets.QLabel(message)
        label.setWordWrap(True)
        label.setProperty("muted", True)
        self.layout_.addWidget(label)
        self.layout_.addStretch(1)

    def show_selection(self, count: int) -> None:
        self._clear()
        self.sha = None
        self.details = None
        title = QtWidgets.QLabel(f"{count} assets selected")
        title.setObjectName("nodeTitle")
        self.layout_.addWidget(title)
        row = QtWidgets.QVBoxLayout()
        if 2 <= count <= 4:
            compare = QtWidgets.QPushButton("Compare side by side (C)")
            compare.setObjectName("primary")
            compare.clicked.connect(self.compareRequested)
            row.addWidget(compare)
        export = QtWidgets.QPushButton("Export… (Ctrl+E)")
        export.clicked.connect(self.exportRequested)
        row.addWidget(export)
        self.layout_.addLayout(row)
        hint = QtWidgets.QLabel("1–5 rate, 0 clears, X rejects every selected asset.")
        hint.setProperty("muted", True)
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)
        self.layout_.addStretch(1)

    def show_asset(self, sha: str) -> None:
        details = lq.asset_details(self.library, sha)
        if details is None:
            self.show_nothing("This asset is no longer in the library.")
            return
        self._clear()
        self.sha = sha
        self.details = details
        row = details.row
        self.layout_.addWidget(self._preview(row))
        title = QtWidgets.QLabel(row.title)
        title.setObjectName("nodeTitle")
        title.setWordWrap(True)
        self.layout_.addWidget(title)
        facts = [row.kind]
        if row.width and row.height:
            facts.append(f"{row.width}×{row.height}")
        if row.duration_s:
            facts.append(format_duration(row.duration_s))
        facts.append(_size(row.size))
        sub = QtWidgets.QLabel(" · ".join(facts))
        sub.setProperty("muted", True)
        self.layout_.addWidget(sub)
        primary = details.primary
        if primary is not None and (primary.cost_source or "").startswith("simulated"):
            simulated = QtWidgets.QLabel(
                f"<b style='color:{theme.SIMULATED}'>SIMULATED</b> — made by the provider "
                "simulator (Simulate mode), not by the real model; nothing was charged."
            )
            simulated.setObjectName("simulatedNote")
            simulated.setWordWrap(True)
            self.layout_.addWidget(simulated)

        self.review_bar = ReviewBar(self.library, sha, self.body)
        self.review_bar.reviewed.connect(self.reviewed)
        self.layout_.addWidget(self.review_bar)
        self.note_edit = QtWidgets.QPlainTextEdit(self.body)
        self.note_edit.setObjectName("reviewNote")
        self.note_edit.setPlaceholderText("Notes for this asset…")
        self.note_edit.setPlainText(details.note)
        self.note_edit.setFixedHeight(64)
        self.note_edit.textChanged.connect(self._note_timer.start)
        self.layout_.addWidget(self.note_edit)
        self.layout_.addLayout(self._actions(details))

        if primary is None:
            none = QtWidgets.QLabel(
                "No provenance: this file was imported (Load Image, a pack), not generated."
            )
            none.setWordWrap(True)
            none.setProperty("muted", True)
            self.layout_.addWidget(none)
        else:
            self.layout_.addWidget(self._provenance(primary))
            if primary.prompt:
                self.layout_.addWidget(self._prompt(primary.prompt))
            if primary.params:
                self.layout_.addWidget(self._params(primary.params))
            inputs = primary.input_hashes()
            if inputs:
                self.layout_.addWidget(self._inputs(inputs))
            if len(details.provenance) > 1:
                self.layout_.addWidget(self._others(details.provenance[1:]))
        if details.used_by:
            self.layout_.addWidget(self._used_by(details.used_by))
        sha_label = QtWidgets.QLabel(
            f"<span style='color:{theme.FAINT}'>sha256 {sha[:32]}<br>{sha[32:]}</span>"
        )
        sha_label.setWordWrap(True)
        sha_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(sha_label)
        self.layout_.addStretch(1)

    def _preview(self, row: lq.AssetRow) -> QtWidgets.QWidget:
        label = QtWidgets.QLabel(self.body)
        label.setObjectName("detailPreview")
        label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        label.setMinimumHeight(200)
        label.setStyleSheet(f"background: {theme.CARD_PREVIEW}; border-radius: 6px;")
        if row.kind in ("image", "video"):
            pix = self.thumbs.pixmap(row.sha256)
            if pix is not None:
                label.setPixmap(
                    pix.scaled(
                        260,
                        260,
                        QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                        QtCore.Qt.TransformationMode.SmoothTransformation,
                    )
                )
            else:
                label.setText("…")
                self._chips.setdefault(row.sha256, [])
            self._preview_label = label
        else:
            text = self.library.read_text(self.library.asset(row.sha256))  # type: ignore[arg-type]
            label.setText(text[:1200])
            label.setWordWrap(True)
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
            label.setStyleSheet(label.styleSheet() + " padding: 10px;")
            label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _actions(self, details: lq.AssetDetails) -> QtWidgets.QLayout:
        grid = QtWidgets.QGridLayout()
        grid.setSpacing(4)
        view = QtWidgets.QPushButton("View (Space)")
        view.clicked.connect(self.viewRequested)
        reveal = QtWidgets.QPushButton("Reveal on canvas")
        reveal.setObjectName("revealButton")
        primary = details.primary
        reveal.setEnabled(primary is not None and bool(primary.graph_path))
        if primary is not None:
            reveal.setToolTip(
                f"Open {primary.graph_path} and select {primary.node_title or primary.node_id}"
            )
            reveal.clicked.connect(
                lambda: self.revealRequested.emit(primary.graph_path or "", primary.node_id)
            )
        use = QtWidgets.QPushButton("Use as input")
        use.setObjectName("useButton")
        use.setToolTip(
            "Add a Load Image node with this asset to the open graph "
            "(or drag the card onto the canvas)"
        )
        use.setEnabled(details.row.kind == "image")
        use.clicked.connect(lambda: self.useAsInputRequested.emit(details.row.sha256))
        export = QtWidgets.QPushButton("Export…")
        export.clicked.connect(self.exportRequested)
        grid.addWidget(view, 0, 0)
        grid.addWidget(reveal, 0, 1)
        grid.addWidget(use, 1, 0)
        grid.addWidget(export, 1, 1)
        return grid

    def _form(self, title: str, rows: list[tuple[str, str]]) -> _Section:
        section = _Section(title, self.body)
        form = QtWidgets.QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        for label, value in rows:
            key = QtWidgets.QLabel(label)
            key.setProperty("muted", True)
            val = QtWidgets.QLabel(value)
            val.setWordWrap(True)
            val.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(key, val)
        section.box.addLayout(form)
        return section

    def _provenance(self, p: lq.Provenance) -> QtWidgets.QWidget:
        rows = [
            ("Graph", lq.graph_label(p.graph_path)),
            ("Origin", p.origin_label),
            (
                "Node",
                f"{p.node_title or '—'} · {p.node_type}"
                + (f" · item {p.item + 1}" if p.item is not None else ""),
            ),
            ("Model", p.model or "—"),
            ("Provider", p.provider or "—"),
            ("Job id", p.job_id or "—"),
            ("Cost", _usd(p.cost_usd, p.cost_source)),
            ("Queue", _secs(p.queue_s)),
            ("Run time", _secs(p.run_s)),
            ("When", lq.describe_when(p.finished_at)),
            ("Run", (p.run_id or "—")[:12]),
        ]
        section = self._form("Provenance", rows)
        if p.graph_path:
            section.setToolTip(p.graph_path)
        return section

    def _prompt(self, prompt: str) -> QtWidgets.QWidget:
        section = _Section("Prompt", self.body)
        label = QtWidgets.QLabel(prompt)
        label.setObjectName("promptText")
        label.setWordWrap(True)
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setStyleSheet(
            f"background: {theme.BASE}; border: 1px solid {theme.BORDER};"
            " border-radius: 4px; padding: 6px;"
        )
        section.box.addWidget(label)
        return section

    def _params(self, params: dict[str, Any]) -> QtWidgets.QWidget:
        rows = [(name, _show(value)) for name, value in sorted(params.items())]
        return self._form("Parameters", rows)

    def _inputs(self, inputs: list[tuple[str, str]]) -> QtWidgets.QWidget:
        section = _Section("Inputs", self.body)
        flow = QtWidgets.QGridLayout()
        flow.setSpacing(4)
        for n, (port, sha) in enumerate(inputs[:24]):
            chip = QtWidgets.QToolButton(self.body)
            chip.setObjectName(f"input_{sha[:12]}")
            chip.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            chip.setIconSize(QtCore.QSize(56, 72))
            chip.setText(f"{port}\n{sha[:8]}")
            chip.setToolTip(f"{port}: {sha}\nClick to select it")
            known = self.library.asset(sha)
            chip.setEnabled(known is not None)
            if known is not None and known.kind.value in ("image", "video"):
                pix = self.thumbs.pixmap(sha)
                if pix is not None:
                    chip.setIcon(QtGui.QIcon(pix))
                self._chips.setdefault(sha, []).append(chip)
            chip.clicked.connect(lambda _c=False, s=sha: self.assetActivated.emit(s))
            flow.addWidget(chip, n // 3, n % 3)
        section.box.addLayout(flow)
        return section

    def _others(self, others: list[lq.Provenance]) -> QtWidgets.QWidget:
        rows = [
            (
                lq.describe_when(p.finished_at),
                f"{p.node_title or p.node_type} · {p.model or '—'} · {lq.graph_label(p.graph_path)}",
            )
            for p in others[:10]
        ]
        return self._form(
            f"Also produced by {len(others)} other run{'s' if len(others) > 1 else ''}", rows
        )

    def _used_by(self, used: list[tuple[int, str | None, str]]) -> QtWidgets.QWidget:
        names = list(dict.fromkeys((t or nt) for _i, t, nt in used))
        return self._form("Used by", [("Nodes", ", ".join(names[:12]))])

    # -- live updates ----------------------------------------------------------------------------
    def _thumb_ready(self, sha: str) -> None:
        if sha not in self._chips:
            return
        pix = self.thumbs.pixmap(sha)
        if pix is None:
            return
        for chip in self._chips.get(sha, []):
            chip.setIcon(QtGui.QIcon(pix))
        if sha == self.sha and self._preview_label is not None:
            self._preview_label.setPixmap(
                pix.scaled(
                    260,
                    260,
                    QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                    QtCore.Qt.TransformationMode.SmoothTransformation,
                )
            )

    def refresh_review(self) -> None:
        if self.review_bar is not None:
            self.review_bar.refresh()

    def _save_note(self) -> None:
        self._note_timer.stop()
        if self.note_edit is None or self.sha is None or self.details is None:
            return
        text = self.note_edit.toPlainText()
        if text != self.details.note:
            self.library.set_review(self.sha, note=text)
            self.details = lq.AssetDetails(
                self.details.row,
                self.details.asset,
                self.details.provenance,
                text,
                self.details.used_by,
            )
            self.reviewed.emit(self.sha)

    def flush(self) -> None:
        """Save a note being typed (before the window closes or the selection moves)."""
        self._save_note()


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if len(value) <= 300 else value[:297] + "…"
    return json.dumps(value, ensure_ascii=False)[:300]
