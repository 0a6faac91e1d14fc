"""The dark theme: one set of colours for the canvas, the node cards and the panels.

Everything that draws asks here: category colours of node headers, port type colours,
node state colours, the canvas background and grid, and a small QSS for the panels.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from canvastoon_desktop.core.media.fonts import bundled_font_path
from canvastoon_desktop.core.ports import PortType
from canvastoon_desktop.core.status import DisplayState

# -- base palette ----------------------------------------------------------------------------
WINDOW = "#1f2128"
BASE = "#17181d"
ALT_BASE = "#22252d"
PANEL = "#23262e"
BORDER = "#343844"
TEXT = "#e3e5eb"
MUTED = "#9096a3"
FAINT = "#646a78"
ACCENT = "#ff5fa2"  # neon pink: the app's one accent (selection, primary buttons)
ACCENT_DARK = "#c23f7b"
SIMULATED = "#4dd0e1"  # what the provider simulator made, never real money

CANVAS_BACKGROUND = (24, 25, 31)
CANVAS_GRID = (34, 36, 44)

CARD_BODY = "#272a33"
CARD_BORDER = "#3b404c"
CARD_PREVIEW = "#1a1c22"
CARD_TEXT = "#dfe2ea"

# -- node categories (header colour) -----------------------------------------------------------
CATEGORY_COLORS: dict[str, str] = {
    "input": "#4f7fe0",
    "text": "#d99a2b",
    "image": "#22a88f",
    "video": "#9a55d8",
    "audio": "#3fa34d",
    "list": "#6d7a93",
    "output": "#db5d50",
    "generate": "#6d7a93",
}

CATEGORY_LABELS: dict[str, str] = {
    "input": "Input",
    "text": "Text",
    "image": "Image",
    "video": "Video",
    "audio": "Sound",
    "list": "Lists",
    "output": "Output",
    "generate": "Other",
}

CATEGORY_ORDER = ("input", "text", "image", "video", "audio", "list", "output", "generate")

# -- ports --------------------------------------------------------------------------------------
PORT_COLORS: dict[PortType, str] = {
    PortType.TEXT: "#f2b84b",
    PortType.IMAGE: "#39d0b2",
    PortType.MASK: "#d3d8e0",
    PortType.VIDEO: "#c07cff",
    PortType.SHOTS: "#7fb0ff",
    PortType.CHARACTER: "#ff8fb3",
    PortType.AUDIO: "#5fd36a",
    PortType.LINE: "#ffd36e",
}

# -- node states --------------------------------------------------------------------------------
STATE_COLORS: dict[DisplayState, str] = {
    DisplayState.IDLE: "#6b7180",
    DisplayState.READY: "#6b7180",
    DisplayState.STALE: "#d6a22c",
    DisplayState.QUEUED: "#8aa4c8",
    DisplayState.RUNNING: "#4aa8ff",
    DisplayState.DONE: "#3fbf6f",
    DisplayState.CACHED: "#35a89a",
    DisplayState.PINNED: "#ff5fa2",
    DisplayState.FAILED: "#ef5350",
    DisplayState.CANCELLED: "#9e9e9e",
    DisplayState.SKIPPED: "#7a7f8a",
}

STATE_LABELS: dict[DisplayState, str] = {
    DisplayState.IDLE: "not run",
    DisplayState.READY: "ready",
    DisplayState.STALE: "stale",
    DisplayState.QUEUED: "queued",
    DisplayState.RUNNING: "running",
    DisplayState.DONE: "done",
    DisplayState.CACHED: "cached",
    DisplayState.PINNED: "pinned",
    DisplayState.FAILED: "failed",
    DisplayState.CANCELLED: "cancelled",
    DisplayState.SKIPPED: "skipped",
}

#: a node with problems found before a run, and a refused run
ATTENTION_COLOR = "#ff9800"


def qcolor(value: str | tuple[int, ...], alpha: int | None = None) -> QtGui.QColor:
    color = QtGui.QColor(value) if isinstance(value, str) else QtGui.QColor(*value)
    if alpha is not None:
        color.setAlpha(alpha)
    return color


def rgb(value: str, alpha: int = 255) -> tuple[int, int, int, int]:
    color = QtGui.QColor(value)
    return color.red(), color.green(), color.blue(), alpha


def category_color(category: str) -> str:
    return CATEGORY_COLORS.get(category, CATEGORY_COLORS["generate"])


def port_color(port_type: PortType) -> str:
    return PORT_COLORS.get(port_type, "#9aa0aa")


def state_color(state: DisplayState | str) -> str:
    return STATE_COLORS.get(state, STATE_COLORS[DisplayState.IDLE])


QSS = f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QWidget {{ color: {TEXT}; font-size: 10pt; }}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {WINDOW}; padding: 6px 8px; color: {MUTED};
    font-weight: 600; text-transform: uppercase; }}
QToolBar {{ background: {WINDOW}; border: none; border-bottom: 1px solid {BORDER};
    spacing: 4px; padding: 3px 6px; }}
QToolButton {{ background: transparent; border: 1px solid transparent; border-radius: 5px;
    padding: 4px 8px; }}
QToolButton:hover {{ background: {PANEL}; border-color: {BORDER}; }}
QToolButton:pressed, QToolButton:checked {{ background: {BORDER}; }}
QToolButton:disabled {{ color: {FAINT}; }}
QToolButton#runButton {{ background: {ACCENT}; color: #1b0b13; font-weight: 700;
    border-radius: 5px; padding: 4px 14px; }}
QToolButton#runButton:hover {{ background: #ff7db4; }}
QToolButton#runButton:disabled {{ background: {BORDER}; color: {FAINT}; }}
QToolButton#cancelButton {{ color: #ffb4b0; }}
QToolButton#simulateButton:checked {{ background: #123a40; color: {SIMULATED};
    border-color: {SIMULATED}; font-weight: 700; }}
QStatusBar QLabel#simulateLabel {{ color: {SIMULATED}; font-weight: 700; }}
QFrame#problemGroup {{ background: {ALT_BASE}; border: 1px solid {BORDER}; border-radius: 6px; }}
QLabel#quoteLabel {{ background: {BASE}; border: 1px solid {BORDER}; border-radius: 11px;
    padding: 3px 12px; color: {TEXT}; font-weight: 600; }}
QLabel#muted, QLabel[muted="true"] {{ color: {MUTED}; }}
QLabel#sectionTitle {{ color: {MUTED}; font-weight: 700; font-size: 9pt; }}
QLabel#nodeTitle {{ font-size: 13pt; font-weight: 700; }}
QLabel#error {{ color: #ff8a80; }}
QStatusBar {{ background: {WINDOW}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QLineEdit, QPlainTextEdit, QTextEdit, QSpinBox, QDoubleSpinBox, QComboBox {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 3px 5px;
    selection-background-color: {ACCENT_DARK}; }}
QLineEdit:focus, QPlainTextEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus,
QComboBox:focus {{ border-color: {ACCENT}; }}
QLineEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: {FAINT}; }}
QComboBox QAbstractItemView {{ background: {PANEL}; border: 1px solid {BORDER};
    selection-background-color: {ACCENT_DARK}; }}
QPushButton {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 5px 12px; }}
QPushButton:hover {{ border-color: {MUTED}; }}
QPushButton:default {{ border-color: {ACCENT}; }}
QPushButton#primary {{ background: {ACCENT}; color: #1b0b13; font-weight: 700; border: none; }}
QListWidget, QTreeWidget, QTableWidget, QTreeView {{ background: {BASE};
    border: 1px solid {BORDER}; border-radius: 4px; alternate-background-color: {ALT_BASE}; }}
QListWidget::item, QTreeWidget::item {{ padding: 3px 2px; }}
QListWidget::item:selected, QTreeWidget::item:selected, QTableWidget::item:selected {{
    background: {ACCENT_DARK}; color: white; }}
QHeaderView::section {{ background: {WINDOW}; color: {MUTED}; border: none;
    border-bottom: 1px solid {BORDER}; padding: 4px; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 10px; }}
QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 4px; min-height: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; }}
QScrollBar::handle:horizontal {{ background: {BORDER}; border-radius: 4px; min-width: 24px; }}
QCheckBox::indicator {{ width: 14px; height: 14px; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 12px; margin: -5px 0;
    border-radius: 6px; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 4px; }}
QTabBar::tab {{ background: {WINDOW}; padding: 6px 12px; border: 1px solid {BORDER};
    border-bottom: none; border-top-left-radius: 4px; border-top-right-radius: 4px; }}
QTabBar::tab:selected {{ background: {PANEL}; color: {TEXT}; }}
QTabBar::tab:!selected {{ color: {MUTED}; }}
QProgressBar {{ background: {BASE}; border: 1px solid {BORDER}; border-radius: 3px;
    text-align: center; height: 12px; }}
QProgressBar::chunk {{ background: #4aa8ff; border-radius: 2px; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; }}
QMenu::item {{ padding: 5px 22px; }}
QMenu::item:selected {{ background: {ACCENT_DARK}; }}
QMenu::separator {{ height: 1px; background: {BORDER}; margin: 4px 8px; }}
QMenuBar {{ background: {WINDOW}; }}
QMenuBar::item:selected {{ background: {PANEL}; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 5px; margin-top: 14px;
    padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; color: {MUTED}; }}
"""


def muted_label(text: str = "", *, wrap: bool = False) -> QtWidgets.QLabel:
    """Secondary text (hints, notes, status) in the muted colour of the style sheet."""
    label = QtWidgets.QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


def apply(app: QtWidgets.QApplication) -> None:
    """Dark palette + QSS for the whole app (Fusion style keeps it identical everywhere)."""
    app.setStyle("Fusion")
    palette = QtGui.QPalette()
    roles = {
        QtGui.QPalette.ColorRole.Window: WINDOW,
        QtGui.QPalette.ColorRole.WindowText: TEXT,
        QtGui.QPalette.ColorRole.Base: BASE,
        QtGui.QPalette.ColorRole.AlternateBase: ALT_BASE,
        QtGui.QPalette.ColorRole.ToolTipBase: PANEL,
        QtGui.QPalette.ColorRole.ToolTipText: TEXT,
        QtGui.QPalette.ColorRole.Text: TEXT,
        QtGui.QPalette.ColorRole.Button: PANEL,
        QtGui.QPalette.ColorRole.ButtonText: TEXT,
        QtGui.QPalette.ColorRole.BrightText: "#ffffff",
        QtGui.QPalette.ColorRole.Highlight: ACCENT_DARK,
        QtGui.QPalette.ColorRole.HighlightedText: "#ffffff",
        QtGui.QPalette.ColorRole.Link: ACCENT,
        QtGui.QPalette.ColorRole.PlaceholderText: FAINT,
    }
    for role, value in roles.items():
        palette.setColor(role, QtGui.QColor(value))
    for role in (
        QtGui.QPalette.ColorRole.Text,
        QtGui.QPalette.ColorRole.ButtonText,
        QtGui.QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QtGui.QPalette.ColorGroup.Disabled, role, QtGui.QColor(FAINT))
    app.setPalette(palette)
    app.setStyleSheet(QSS)
    _add_bundled_font()


def _add_bundled_font() -> None:
    """Qt draws boxes for Hangul where the system has no CJK font: the bundled face (the
    strips' lettering font) fills the gap, so Korean dialogue reads in every widget."""
    path = bundled_font_path()
    if path is None or str(path) in _added_fonts:
        return
    if QtGui.QFontDatabase.addApplicationFont(str(path)) >= 0:
        _added_fonts.add(str(path))


_added_fonts: set[str] = set()
