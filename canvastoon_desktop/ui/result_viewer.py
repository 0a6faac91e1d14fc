"""The full viewer a double-click opens: images with zoom and pan (webtoon strips at the
view's width, scrolled), videos with a player and a scrubbing bar (QtMultimedia), sounds
with their waveform over the same player, texts to read and select. Files are decoded off
the GUI thread."""

from __future__ import annotations

import logging
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.media.strip import reads_as_strip

from . import theme
from .node_state import value_list
from .thumbnails import load_full_image, load_waveform
from .workers import in_thread

log = logging.getLogger(__name__)

MAX_TABS = 24


class ImageView(QtWidgets.QGraphicsView):
    """Zoom with the wheel, pan by dragging; F fits, 1 shows pixels 1:1."""

    def __init__(self, asset: Asset, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QtWidgets.QGraphicsScene(self))
        self.setBackgroundBrush(theme.qcolor(theme.BASE))
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.item = QtWidgets.QGraphicsPixmapItem()
        self.item.setTransformationMode(QtCore.Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.label = self.scene().addText("loading…")
        self.label.setDefaultTextColor(theme.qcolor(theme.MUTED))
        in_thread(load_full_image, self._loaded, asset.path)
        self.loaded = False

    def _loaded(self, image: QtGui.QImage | None, error: Exception | None) -> None:
        if image is None:
            self.label.setPlainText(f"cannot show this image: {error}")
            return
        self.scene().removeItem(self.label)
        self.item.setPixmap(QtGui.QPixmap.fromImage(image))
        self.scene().setSceneRect(self.item.boundingRect())
        self.loaded = True
        if self.tall:  # the width is fitted: only the way down scrolls
            self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.fit()
        if self.tall:
            self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    @property
    def tall(self) -> bool:
        """A webtoon strip (far taller than wide): shown at the view's width, scrolled."""
        rect = self.item.boundingRect()
        return reads_as_strip(rect.width(), rect.height())

    def fit(self) -> None:
        if self.tall:
            self.resetTransform()
            scale = max(1e-3, self.viewport().width() / self.item.boundingRect().width())
            self.scale(scale, scale)
            return
        self.fitInView(self.item, QtCore.Qt.AspectRatioMode.KeepAspectRatio)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if self.tall and not event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)  # the wheel scrolls down a strip; Ctrl+wheel zooms
            return
        factor = 1.0015 ** event.angleDelta().y()
        self.scale(factor, factor)

    def actual_size(self) -> None:
        self.resetTransform()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_F:
            self.fit()
        elif event.key() == QtCore.Qt.Key.Key_1:
            self.actual_size()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.loaded:
            self.fit()


class VideoView(QtWidgets.QWidget):
    """A player with play/pause and a scrubbing bar."""

    def __init__(self, asset: Asset, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.player: Any = None
        try:
            from PySide6 import QtMultimedia, QtMultimediaWidgets
        except ImportError as exc:  # e.g. libpulse missing
            note = QtWidgets.QLabel(f"Video playback is unavailable here ({exc}).\n{asset.path}")
            note.setWordWrap(True)
            layout.addWidget(note)
            return
        self.audio = QtMultimedia.QAudioOutput(self)
        self.player = QtMultimedia.QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        screen = self._screen(asset, QtMultimediaWidgets)
        self.player.setSource(QtCore.QUrl.fromLocalFile(str(asset.path)))
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setObjectName("primary")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.player.setPosition)
        self.time = theme.muted_label("0:00 / 0:00")
        self.player.durationChanged.connect(self._duration)
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)
        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        layout.addWidget(screen, 1)
        layout.addLayout(controls)

    def _screen(self, asset: Asset, widgets: Any) -> QtWidgets.QWidget:
        """What the player shows above its controls: the video, its first frame at once."""
        self.video = widgets.QVideoWidget()
        self.video.setMinimumSize(270, 480)
        self.player.setVideoOutput(self.video)
        present_first_frame(self.player)
        #: frames the screen has been given (the first one before Play)
        self.frames_shown = 0
        self.video.videoSink().videoFrameChanged.connect(self._frame)
        return self.video

    def _frame(self, _frame: Any) -> None:
        self.frames_shown += 1

    def toggle(self) -> None:
        if self.player is None:
            return
        playing = self.player.playbackState() == self.player.PlaybackState.PlayingState
        (self.player.pause if playing else self.player.play)()

    def _duration(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self._position(self.player.position())

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{_clock(ms)} / {_clock(self.player.duration())}")

    def _state(self, state: Any) -> None:
        playing = state == self.player.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()


class AudioView(VideoView):
    """A sound: its waveform with the playhead (click to play from there) over the player."""

    def _screen(self, asset: Asset, widgets: Any) -> QtWidgets.QWidget:
        self.waveform = Waveform(asset)
        self.waveform.seek.connect(self._seek)
        self.player.positionChanged.connect(self._playhead)
        return self.waveform

    def _seek(self, fraction: float) -> None:
        if self.player.duration() > 0:
            self.player.setPosition(round(fraction * self.player.duration()))

    def _playhead(self, ms: int) -> None:
        duration = self.player.duration()
        self.waveform.set_played(ms / duration if duration > 0 else 0.0)


class Waveform(QtWidgets.QWidget):
    """A sound's waveform (drawn off the GUI thread), the part played so far tinted and a
    playhead line; a click asks to play from that point (``seek(fraction)``)."""

    seek = QtCore.Signal(float)

    def __init__(self, asset: Asset, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(270, 160)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.image: QtGui.QImage | None = None
        self.problem = ""
        self.played = 0.0
        in_thread(load_waveform, self._loaded, asset.path)

    def _loaded(self, image: QtGui.QImage | None, error: BaseException | None) -> None:
        self.image = image
        self.problem = "" if image is not None else f"cannot draw this sound: {error}"
        self.update()

    def set_played(self, fraction: float) -> None:
        self.played = min(1.0, max(0.0, fraction))
        self.update()

    def wave_rect(self) -> QtCore.QRect:
        """Where the waveform is drawn: the widget's width, at most a third as tall, centred."""
        inner = self.rect().adjusted(12, 24, -12, -24)
        height = min(inner.height(), inner.width() // 3)
        return QtCore.QRect(
            inner.left(), inner.top() + (inner.height() - height) // 2, inner.width(), height
        )

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), theme.qcolor(theme.BASE))
        area = self.wave_rect()
        if self.image is None:
            painter.setPen(theme.qcolor(theme.MUTED))
            painter.drawText(
                self.rect(), QtCore.Qt.AlignmentFlag.AlignCenter, self.problem or "loading…"
            )
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(area, self.image)
        x = area.left() + round(self.played * area.width())
        painter.fillRect(
            QtCore.QRect(area.left(), area.top(), x - area.left(), area.height()),
            QtGui.QColor(255, 255, 255, 40),
        )
        painter.setPen(QtGui.QPen(theme.qcolor(theme.ACCENT), 2))
        painter.drawLine(x, area.top() - 8, x, area.bottom() + 8)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        area = self.wave_rect()
        if area.width() > 0:
            fraction = (event.position().x() - area.left()) / area.width()
            self.seek.emit(min(1.0, max(0.0, fraction)))


class TextView(QtWidgets.QPlainTextEdit):
    def __init__(
        self, asset: Asset, library: Library | None, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setPlainText("loading…")
        font = self.font()
        font.setPointSizeF(11.0)
        self.setFont(font)

        def read(asset: Asset) -> str:
            if library is not None:
                return library.read_text(asset)
            return asset.path.read_text("utf-8")

        in_thread(read, self._loaded, asset)

    def _loaded(self, text: str | None, error: Exception | None) -> None:
        self.setPlainText(text if text is not None else f"cannot read this text: {error}")


class ResultViewer(QtWidgets.QDialog):
    """Every result of one node, one tab per asset."""

    def __init__(
        self,
        title: str,
        outputs: dict[str, Any],
        library: Library | None,
        parent: QtWidgets.QWidget | None = None,
        *,
        text: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(640, 860)
        layout = QtWidgets.QVBoxLayout(self)
        self.tabs = QtWidgets.QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.info = theme.muted_label(wrap=True)
        self.info.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)
        self.assets: list[Asset] = []
        for port, value in outputs.items():
            for index, asset in enumerate(value_list(value)):
                if asset is None or len(self.assets) >= MAX_TABS:
                    continue
                self.assets.append(asset)
                name = port if len(value_list(value)) == 1 else f"{port} {index + 1}"
                self.tabs.addTab(self._view(asset, library), name)
        if not self.assets:
            empty = QtWidgets.QPlainTextEdit(text or "This node has no result yet.")
            empty.setReadOnly(True)
            self.tabs.addTab(empty, "text" if text else "result")
        self.tabs.currentChanged.connect(self._describe)
        self._describe(0)

    def _view(self, asset: Asset, library: Library | None) -> QtWidgets.QWidget:
        if asset.kind is AssetKind.IMAGE:
            return ImageView(asset)
        if asset.kind is AssetKind.VIDEO:
            return VideoView(asset)
        if asset.kind is AssetKind.AUDIO:
            return AudioView(asset)
        return TextView(asset, library)

    def _describe(self, index: int) -> None:
        if not 0 <= index < len(self.assets):
            self.info.setText("")
            return
        asset = self.assets[index]
        size = f"{asset.width}×{asset.height} · " if asset.width and asset.height else ""
        length = f"{asset.duration_s:.1f} s · " if asset.duration_s else ""
        where = "" if asset.inline else f" · {asset.path}"
        self.info.setText(
            f"{asset.mime} · {size}{length}{asset.size / 1024:.0f} KB · {asset.short}{where}"
        )

    def done(self, result: int) -> None:
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, VideoView):
                widget.stop()
        super().done(result)


def present_first_frame(player: Any) -> None:
    """Show a video's first frame as soon as it is loaded, instead of black until Play
    (a paused player presents the frame at its position)."""

    def loaded(status: Any) -> None:
        stopped = player.playbackState() == player.PlaybackState.StoppedState
        if status == player.MediaStatus.LoadedMedia and stopped:
            player.pause()

    player.mediaStatusChanged.connect(loaded)


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"
