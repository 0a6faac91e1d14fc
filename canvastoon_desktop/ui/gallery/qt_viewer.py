"""The viewer: one asset large, or two to four side by side to compare.

Every pane zooms (wheel, + / -, F to fit, Z for 100 %) and pans (drag); in a comparison
all panes follow the one being moved — zoom is kept relative to each pane's fit and the
centre in the picture's own proportions, so pictures of different sizes stay aligned.
Videos play together from one transport bar (play/pause with Space, scrub with the slider)
and are kept in step; a sound shows its waveform with a playhead and plays from the same
bar. A webtoon strip (far taller than wide) opens at the pane's width at its top and the
wheel scrolls down it (Ctrl+wheel zooms). Ratings work here as in the grid: 1–5, 0, X rate
the active pane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QGraphicsVideoItem

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.media.strip import reads_as_strip
from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.result_viewer import present_first_frame
from canvastoon_desktop.ui.thumbnails import WAVEFORM_SIZE, load_full_image, load_waveform
from canvastoon_desktop.ui.workers import in_thread

from .qt_delegate import format_duration

ZOOM_STEP = 1.25
MAX_ZOOM = 32.0
MIN_ZOOM = 0.1


class MediaPane(QtWidgets.QGraphicsView):
    """One asset in a zoomable, pannable view. ``viewChanged(zoom, cx, cy)``: zoom relative
    to fitting the view, centre as a fraction of the asset's width and height."""

    viewChanged = QtCore.Signal(float, float, float)
    activated = QtCore.Signal()

    def __init__(
        self, library: Library, asset: Asset, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.asset = asset
        self.zoom = 1.0
        self._state = (1.0, 0.5, 0.5)  # zoom × fit, centre (fractions of the asset)
        self._applying = False
        self.player: QMediaPlayer | None = None
        self.audio: QAudioOutput | None = None
        self.playhead: QtWidgets.QGraphicsLineItem | None = None
        self.strip = False
        self.setScene(QtWidgets.QGraphicsScene(self))
        self.setBackgroundBrush(theme.qcolor(theme.BASE))
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setRenderHints(
            QtGui.QPainter.RenderHint.SmoothPixmapTransform | QtGui.QPainter.RenderHint.Antialiasing
        )
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QtWidgets.QGraphicsView.ViewportAnchor.NoAnchor)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)
        self.item = self._make_item()
        self.scene().addItem(self.item)
        self.strip = isinstance(self.item, QtWidgets.QGraphicsPixmapItem) and reads_as_strip(
            self.item.boundingRect().width(), self.item.boundingRect().height()
        )
        if self.strip:  # read down from its top, at the pane's width
            self._state = (1.0, 0.5, 0.0)
            self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._update_scene_rect()
        self.horizontalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

    def _make_item(self) -> QtWidgets.QGraphicsItem:
        asset = self.asset
        if asset.kind is AssetKind.IMAGE:
            # a placeholder of the image's size keeps fit and synced zoom right while the
            # picture itself is decoded off the GUI thread
            path = self.library.file_path(asset)
            size = QtCore.QSize(asset.width or 0, asset.height or 0)
            if size.isEmpty():
                reader = QtGui.QImageReader(str(path))  # reads the header only
                reader.setAutoTransform(True)
                size = reader.size()
            placeholder = QtGui.QPixmap(
                size if size.isValid() and not size.isEmpty() else QtCore.QSize(720, 1280)
            )
            placeholder.fill(theme.qcolor(theme.BASE))
            item = QtWidgets.QGraphicsPixmapItem(placeholder)
            item.setTransformationMode(QtCore.Qt.TransformationMode.SmoothTransformation)
            in_thread(load_full_image, self._image_loaded, path)
            return item
        if asset.kind is AssetKind.AUDIO:  # its waveform, with a playhead, and its sound
            path = self.library.file_path(asset)
            self.player = QMediaPlayer(self)
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
            self.player.setSource(QtCore.QUrl.fromLocalFile(str(path)))
            self.player.positionChanged.connect(self._move_playhead)
            blank = QtGui.QPixmap(*WAVEFORM_SIZE)
            blank.fill(QtCore.Qt.GlobalColor.transparent)
            item = QtWidgets.QGraphicsPixmapItem(blank)
            item.setTransformationMode(QtCore.Qt.TransformationMode.SmoothTransformation)
            self.playhead = QtWidgets.QGraphicsLineItem(0, 0, 0, WAVEFORM_SIZE[1], item)
            pen = QtGui.QPen(theme.qcolor(theme.ACCENT), 2)
            pen.setCosmetic(True)
            self.playhead.setPen(pen)
            in_thread(load_waveform, self._image_loaded, path)
            return item
        if asset.kind is AssetKind.VIDEO:
            video = QGraphicsVideoItem()
            width, height = asset.width or 720, asset.height or 1280
            video.setSize(QtCore.QSizeF(width, height))
            video.nativeSizeChanged.connect(self._native_size)
            self.player = QMediaPlayer(self)
            self.audio = QAudioOutput(self)
            self.audio.setMuted(True)
            self.player.setAudioOutput(self.audio)
            self.player.setVideoOutput(video)
            self.player.setLoops(QMediaPlayer.Loops.Infinite)
            present_first_frame(self.player)
            self.player.setSource(QtCore.QUrl.fromLocalFile(str(self.library.file_path(asset))))
            return video
        text = self.library.read_text(asset)
        item = QtWidgets.QGraphicsTextItem()
        item.setDefaultTextColor(theme.qcolor(theme.TEXT))
        font = QtGui.QFont()
        font.setPointSizeF(12)
        item.setFont(font)
        item.setTextWidth(560)
        item.setPlainText(text)
        return item

    def _image_loaded(self, image: QtGui.QImage | None, error: BaseException | None) -> None:
        if image is None or not isinstance(self.item, QtWidgets.QGraphicsPixmapItem):
            return  # the placeholder stays; the detail panel names the asset
        self.item.setPixmap(QtGui.QPixmap.fromImage(image))
        self._update_scene_rect()
        self.apply_view(*self._state)

    def _move_playhead(self, ms: int) -> None:
        if self.playhead is None or self.player is None:
            return
        duration = self.player.duration()
        x = self.item.boundingRect().width() * (ms / duration if duration > 0 else 0.0)
        self.playhead.setLine(x, 0, x, self.item.boundingRect().height())

    def _native_size(self, size: QtCore.QSizeF) -> None:
        if isinstance(self.item, QGraphicsVideoItem) and not size.isEmpty():
            self.item.setSize(size)
            self._update_scene_rect()
            self.apply_view(*self._state)

    def _update_scene_rect(self) -> None:
        rect = self.item.boundingRect()
        if self.strip:  # the scroll bar spans the strip, no more
            self.setSceneRect(rect)
            return
        margin = max(rect.width(), rect.height())
        self.setSceneRect(rect.adjusted(-margin, -margin, margin, margin))

    # -- the view state ------------------------------------------------------------------
    def fit_scale(self) -> float:
        rect = self.item.boundingRect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return 1.0
        if self.strip:
            return view.width() / rect.width()
        return min(view.width() / rect.width(), view.height() / rect.height()) * 0.98

    def scale_factor(self) -> float:
        return self.transform().m11()

    def center(self) -> tuple[float, float]:
        rect = self.item.boundingRect()
        middle = self.mapToScene(self.viewport().rect().center())
        if rect.isEmpty():
            return 0.5, 0.5
        return (
            (middle.x() - rect.left()) / rect.width(),
            (middle.y() - rect.top()) / rect.height(),
        )

    def apply_view(self, zoom: float, cx: float, cy: float) -> None:
        """Show the asset at ``zoom`` × fit, centred on (cx, cy) of it (no signal)."""
        self._applying = True
        try:
            self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
            self._state = (self.zoom, cx, cy)
            scale = self.fit_scale() * self.zoom
            self.setTransform(QtGui.QTransform.fromScale(scale, scale))
            rect = self.item.boundingRect()
            self.centerOn(rect.left() + cx * rect.width(), rect.top() + cy * rect.height())
        finally:
            self._applying = False

    def set_zoom(self, zoom: float, anchor: QtCore.QPointF | None = None) -> None:
        """Zoom (× fit), keeping the point under ``anchor`` (view coordinates) in place."""
        rect = self.item.boundingRect()
        if anchor is None or rect.isEmpty():
            self.apply_view(zoom, *self.center())
        else:
            before = self.mapToScene(anchor.toPoint())
            cx, cy = self.center()
            self.apply_view(zoom, cx, cy)
            after = self.mapToScene(anchor.toPoint())
            middle = self.mapToScene(self.viewport().rect().center()) + (before - after)
            self.apply_view(
                self.zoom,
                (middle.x() - rect.left()) / rect.width(),
                (middle.y() - rect.top()) / rect.height(),
            )
        self._announce()

    def fit(self) -> None:
        self.apply_view(1.0, 0.5, 0.0 if self.strip else 0.5)
        self._announce()

    def actual_size(self) -> None:
        self.set_zoom(1.0 / max(1e-6, self.fit_scale()))

    def _announce(self) -> None:
        self._state = (self.zoom, *self.center())
        self.viewChanged.emit(*self._state)

    def _scrolled(self) -> None:
        if not self._applying:
            self._announce()

    # -- events ----------------------------------------------------------------------------
    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if self.strip and not event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)  # the wheel reads down a strip; Ctrl+wheel zooms
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * ZOOM_STEP**steps, event.position())
        event.accept()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.apply_view(*self._state)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.apply_view(*self._state)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self.activated.emit()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        if self.zoom > 1.01:
            self.fit()
        else:
            self.set_zoom(2.5, event.position())

    def close_media(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QtCore.QUrl())


class ReviewBar(QtWidgets.QWidget):
    """Stars and a reject toggle for one asset (click to rate)."""

    reviewed = QtCore.Signal(str)

    def __init__(self, library: Library, sha: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.sha = sha
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.stars: list[QtWidgets.QToolButton] = []
        for n in range(1, 6):
            button = QtWidgets.QToolButton(self)
            button.setText("★")
            button.setToolTip(f"{n} star{'s' if n > 1 else ''} ({n})")
            button.setAutoRaise(True)
            button.clicked.connect(lambda _c=False, n=n: self.rate(n))
            layout.addWidget(button)
            self.stars.append(button)
        self.reject = QtWidgets.QToolButton(self)
        self.reject.setText("✕ Reject")
        self.reject.setCheckable(True)
        self.reject.setToolTip("Reject (X)")
        self.reject.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self.reject.setMinimumWidth(self.reject.fontMetrics().horizontalAdvance("✕ Reject") + 18)
        self.reject.clicked.connect(lambda: self.set_rejected(self.reject.isChecked()))
        layout.addSpacing(8)
        layout.addWidget(self.reject)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        review = self.library.review(self.sha)
        for n, button in enumerate(self.stars, start=1):
            on = review.rating is not None and n <= review.rating
            button.setStyleSheet(
                f"color: {theme.ACCENT if on else '#4a4f5c'}; font-size: 13pt;"
                " border: none; padding: 0 1px;"
            )
        self.reject.setChecked(review.rejected)
        self.reject.setStyleSheet("color: #ef5350; font-weight: 700;" if review.rejected else "")

    def rate(self, stars: int | None) -> None:
        current = self.library.review(self.sha).rating
        if stars is not None and stars == current:
            stars = None  # clicking the current rating clears it
        self.library.set_review(self.sha, rating=stars)
        self.refresh()
        self.reviewed.emit(self.sha)

    def set_rejected(self, rejected: bool) -> None:
        self.library.set_review(self.sha, rejected=rejected)
        self.refresh()
        self.reviewed.emit(self.sha)


class CompareView(QtWidgets.QWidget):
    """One to four panes, zoom/pan synchronised, videos played together."""

    reviewed = QtCore.Signal(str)

    def __init__(
        self,
        library: Library,
        assets: Sequence[Asset],
        titles: Sequence[str] = (),
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if not 1 <= len(assets) <= 4:
            raise ValueError("compare one to four assets")
        self.library = library
        self.panes: list[MediaPane] = []
        self.bars: list[ReviewBar] = []
        self.active = 0
        self._syncing = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        grid = QtWidgets.QGridLayout()
        grid.setSpacing(6)
        columns = 2 if len(assets) == 4 else len(assets)
        for i, asset in enumerate(assets):
            cell = QtWidgets.QFrame(self)
            cell.setObjectName("compareCell")
            box = QtWidgets.QVBoxLayout(cell)
            box.setContentsMargins(4, 4, 4, 4)
            box.setSpacing(4)
            pane = MediaPane(library, asset, cell)
            pane.viewChanged.connect(lambda z, x, y, i=i: self._sync(i, z, x, y))
            pane.activated.connect(lambda i=i: self.set_active(i))
            caption = QtWidgets.QLabel(titles[i] if i < len(titles) else asset.short, cell)
            caption.setProperty("muted", True)
            caption.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            caption.setSizePolicy(
                QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
            )
            caption.setToolTip(caption.text())
            bar = ReviewBar(library, asset.sha256, cell)
            bar.reviewed.connect(self.reviewed)
            box.addWidget(pane, 1)
            foot = QtWidgets.QHBoxLayout()
            foot.addWidget(caption, 1)
            foot.addWidget(bar)
            box.addLayout(foot)
            grid.addWidget(cell, i // columns, i % columns)
            self.panes.append(pane)
            self.bars.append(bar)
        layout.addLayout(grid, 1)
        self.players = [p.player for p in self.panes if p.player is not None]
        self.transport = self._make_transport() if self.players else None
        if self.transport is not None:
            layout.addWidget(self.transport)
        self.set_active(0)

    # -- zoom sync ---------------------------------------------------------------------------
    def _sync(self, source: int, zoom: float, cx: float, cy: float) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for i, pane in enumerate(self.panes):
                if i != source:
                    pane.apply_view(zoom, cx, cy)
        finally:
            self._syncing = False

    def set_active(self, index: int) -> None:
        self.active = index
        for i, pane in enumerate(self.panes):
            colour = theme.ACCENT if i == index and len(self.panes) > 1 else theme.BORDER
            pane.parentWidget().setStyleSheet(
                f"QFrame#compareCell {{ border: 1px solid {colour}; border-radius: 6px; }}"
            )

    def zoom_by(self, factor: float) -> None:
        pane = self.panes[self.active]
        pane.set_zoom(pane.zoom * factor)

    def fit(self) -> None:
        self.panes[self.active].fit()

    def actual_size(self) -> None:
        self.panes[self.active].actual_size()

    # -- video ---------------------------------------------------------------------------------
    def _make_transport(self) -> QtWidgets.QWidget:
        bar = QtWidgets.QWidget(self)
        row = QtWidgets.QHBoxLayout(bar)
        row.setContentsMargins(6, 0, 6, 4)
        self.play_button = QtWidgets.QToolButton(bar)
        self.play_button.setText("▶ Play")
        self.play_button.setToolTip("Play / pause all (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, bar)
        self.slider.setObjectName("scrubber")
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.seek)
        self.slider.sliderPressed.connect(lambda: self.seek(self.slider.value()))
        self.time_label = QtWidgets.QLabel("0:00 / 0:00", bar)
        self.time_label.setProperty("muted", True)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        self.sound: QtWidgets.QToolButton | None = None
        if any(p.asset.kind is AssetKind.VIDEO for p in self.panes):  # sounds always play
            self.sound = QtWidgets.QToolButton(bar)
            self.sound.setText("Sound off")
            self.sound.setCheckable(True)
            self.sound.setToolTip("Sound of the first video")
            self.sound.toggled.connect(self._sound)
            row.addWidget(self.sound)
        leader = self.players[0]
        leader.durationChanged.connect(self._duration)
        leader.positionChanged.connect(self._position)
        return bar

    def _sound(self, on: bool) -> None:
        if self.sound is not None:
            self.sound.setText("Sound on" if on else "Sound off")
        pane = next(p for p in self.panes if p.asset.kind is AssetKind.VIDEO)
        if pane.audio is not None:
            pane.audio.setMuted(not on)

    def _duration(self, _ms: int) -> None:
        longest = max((p.duration() for p in self.players), default=0)
        self.slider.setRange(0, max(0, longest))
        self._position(self.players[0].position())

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(ms)
            self.slider.blockSignals(False)
        self.time_label.setText(
            f"{format_duration(ms / 1000) or '0:00'} / "
            f"{format_duration(self.slider.maximum() / 1000) or '0:00'}"
        )
        if self.playing():  # keep the followers in step with the leader
            for player in self.players[1:]:
                if player.duration() > ms and abs(player.position() - ms) > 150:
                    player.setPosition(ms)

    def playing(self) -> bool:
        return any(
            p.playbackState() == QMediaPlayer.PlaybackState.PlayingState for p in self.players
        )

    def toggle_play(self) -> None:
        if not self.players:
            return
        if self.playing():
            for player in self.players:
                player.pause()
            self.play_button.setText("▶ Play")
        else:
            position = self.players[0].position()
            for player in self.players:
                if player.duration() and position < player.duration():
                    player.setPosition(position)
                player.play()
            self.play_button.setText("❚❚ Pause")

    def seek(self, ms: int) -> None:
        for player in self.players:
            duration = player.duration()
            player.setPosition(min(ms, duration - 1) if duration else ms)
        self._position(ms)

    def close_media(self) -> None:
        for pane in self.panes:
            pane.close_media()


class ViewerWindow(QtWidgets.QWidget):
    """A window around a CompareView. With one asset, ← / → go to the neighbours in the grid
    (``navigate(sha, step) -> sha | None``)."""

    reviewed = QtCore.Signal(str)
    currentChanged = QtCore.Signal(str)
    closed = QtCore.Signal()

    def __init__(
        self,
        library: Library,
        shas: Sequence[str],
        *,
        titles: Callable[[str], str] | None = None,
        navigate: Callable[[str, int], str | None] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent, QtCore.Qt.WindowType.Window)
        self.library = library
        self._titles = titles or (lambda sha: sha[:12])
        self._navigate = navigate
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumSize(480, 420)
        self.resize(1100 if len(shas) > 1 else 640, 860)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QtWidgets.QHBoxLayout()
        self.heading = QtWidgets.QLabel(self)
        self.heading.setObjectName("nodeTitle")
        top.addWidget(self.heading, 1)
        for text, tip, slot in (
            ("Fit", "Fit (F)", lambda: self.view.fit()),
            ("100 %", "Actual size (Z)", lambda: self.view.actual_size()),
            ("−", "Zoom out (-)", lambda: self.view.zoom_by(1 / ZOOM_STEP)),
            ("+", "Zoom in (+)", lambda: self.view.zoom_by(ZOOM_STEP)),
        ):
            button = QtWidgets.QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            top.addWidget(button)
        layout.addLayout(top)
        hint = QtWidgets.QLabel(self)
        hint.setProperty("muted", True)
        self.view: CompareView
        self._layout = layout
        self._hint = hint
        self.show_assets(list(shas))

    def show_assets(self, shas: list[str]) -> None:
        old = getattr(self, "view", None)
        if old is not None:
            old.close_media()
            self._layout.removeWidget(old)
            old.deleteLater()
        assets = [a for a in (self.library.asset(s) for s in shas) if a is not None]
        self.shas = [a.sha256 for a in assets]
        self.view = CompareView(
            self.library, assets, [self._titles(a.sha256) for a in assets], self
        )
        self.view.reviewed.connect(self.reviewed)
        self._layout.insertWidget(1, self.view, 1)
        self._layout.addWidget(self._hint)
        wheel = (
            "wheel: scroll · Ctrl+wheel: zoom"
            if any(p.strip for p in self.view.panes)
            else "wheel: zoom"
        )
        self._hint.setText(
            f"{wheel} · drag: pan · 1–5 / 0 / X: rate the active pane · "
            "Space: play · ← →: next · Esc: close"
        )
        count = len(assets)
        self.heading.setText(self._titles(self.shas[0]) if count == 1 else f"Compare {count}")
        self.setWindowTitle(("Compare" if count > 1 else "Viewer") + " — CanvasToon Library")
        if count == 1:
            self.currentChanged.emit(self.shas[0])

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        Key = QtCore.Qt.Key
        view = self.view
        sha = self.shas[view.active]
        bar = view.bars[view.active]
        if key == Key.Key_Escape or key in (Key.Key_Return, Key.Key_Enter):
            self.close()
        elif key == Key.Key_Space:
            if view.players:
                view.toggle_play()
            else:
                self.close()
        elif Key.Key_1 <= key <= Key.Key_5:
            self.library.set_review(sha, rating=key - Key.Key_0)
            bar.refresh()
            self.reviewed.emit(sha)
        elif key == Key.Key_0:
            self.library.set_review(sha, rating=None)
            bar.refresh()
            self.reviewed.emit(sha)
        elif key == Key.Key_X:
            bar.set_rejected(not self.library.review(sha).rejected)
        elif key == Key.Key_F:
            view.fit()
        elif key == Key.Key_Z:
            view.actual_size()
        elif key in (Key.Key_Plus, Key.Key_Equal):
            view.zoom_by(ZOOM_STEP)
        elif key == Key.Key_Minus:
            view.zoom_by(1 / ZOOM_STEP)
        elif key in (Key.Key_Left, Key.Key_Right) and len(self.shas) == 1 and self._navigate:
            target = self._navigate(sha, -1 if key == Key.Key_Left else 1)
            if target:
                self.show_assets([target])
        elif key in (Key.Key_Left, Key.Key_Right) and len(self.shas) > 1:
            step = -1 if key == Key.Key_Left else 1
            view.set_active((view.active + step) % len(self.shas))
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.view.close_media()
        self.closed.emit()
        super().closeEvent(event)
