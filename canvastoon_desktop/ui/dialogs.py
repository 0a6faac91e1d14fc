"""Dialogs the window raises: a refused run's problems, the confirm-before-spending
question, errors, recovery and resume offers.

All are non-blocking (``open()``), so the event loop — and any run — keeps going while they
are up, and tests can answer them; all but the problems (which stay beside the canvas while
the artist fixes them) are window-modal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.pricing import Quote, format_seconds, format_usd
from canvastoon_desktop.core.validation import Problem

from . import recovery, theme

#: what each kind of problem is called, in the order the dialog lists them
CODE_TITLES = {
    "missing_key": "Missing API key",
    "budget": "Over the budget",
    "cycle": "A loop in the graph",
    "unknown_type": "Unknown node type",
    "connection": "Connection",
    "missing_input": "Missing input",
    "param": "Parameter",
    "invalid": "Cannot run",
}


@dataclass
class ProblemGroup:
    """One problem and every node that has it."""

    code: str
    message: str
    node_ids: list[str] = field(default_factory=list)
    node_names: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return CODE_TITLES.get(self.code, self.code.replace("_", " ").capitalize())


def group_problems(problems: Sequence[Problem], graph: Graph | None) -> list[ProblemGroup]:
    """The same problem on many nodes once, with the list of those nodes."""
    groups: dict[tuple[str, str], ProblemGroup] = {}
    for problem in problems:
        group = groups.setdefault(
            (problem.code, problem.message), ProblemGroup(problem.code, problem.message)
        )
        if problem.node_id and problem.node_id not in group.node_ids:
            group.node_ids.append(problem.node_id)
            group.node_names.append(
                problem.node_name
                or (graph.display_name(problem.node_id) if graph else problem.node_id)
            )
    order = list(CODE_TITLES)
    return sorted(
        groups.values(), key=lambda g: order.index(g.code) if g.code in order else len(order)
    )


class ProblemsDialog(QtWidgets.QDialog):
    """Why a run was refused — each problem once, with the nodes that have it (a click
    finds one on the canvas) and what to do about it: open the settings, or allow this
    run more than the per-run budget. Nothing was spent. It stays open beside the canvas
    (not modal) while the artist fixes things."""

    #: the user clicked a node's name: (node id)
    node_clicked = QtCore.Signal(str)
    #: the user wants to fix keys or budgets
    settings_requested = QtCore.Signal()
    #: the user allows this one run up to this much: (usd)
    allow_requested = QtCore.Signal(float)

    def __init__(
        self,
        problems: Sequence[Problem],
        graph: Graph | None,
        parent: QtWidgets.QWidget | None = None,
        *,
        title: str = "This run cannot start",
        allow_usd: float | None = None,
    ) -> None:
        """``allow_usd``: what this run may cost when only the per-run budget stands in
        its way (offered as "Allow $X for this run")."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(QtCore.Qt.WindowModality.NonModal)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.problems = list(problems)
        self.groups = group_problems(self.problems, graph)
        self.allow_usd = allow_usd
        self.allow_button: QtWidgets.QPushButton | None = None
        self.settings_buttons: list[QtWidgets.QPushButton] = []
        layout = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(f"<b>{_esc(title)}</b> — nothing was sent and nothing was spent.")
        head.setWordWrap(True)
        layout.addWidget(head)
        count = len(self.groups)
        layout.addWidget(
            theme.muted_label(
                f"{count} problem{'s' if count != 1 else ''} to fix. "
                "Click a node's name to find it on the canvas.",
                wrap=True,
            )
        )
        page = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        for group in self.groups:
            column.addWidget(self._group_box(group))
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        layout.addWidget(scroll, 1)
        buttons = QtWidgets.QDialogButtonBox()
        close = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(470, min(660, 170 + 150 * len(self.groups)))

    def _group_box(self, group: ProblemGroup) -> QtWidgets.QFrame:
        box = QtWidgets.QFrame()
        box.setObjectName("problemGroup")
        box.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        inner = QtWidgets.QVBoxLayout(box)
        inner.setSpacing(4)
        warn = group.code in ("missing_key", "budget")
        colour = "#ffb74d" if warn else theme.TEXT
        title = QtWidgets.QLabel(f"<b style='color:{colour}'>{_esc(group.title)}</b>")
        inner.addWidget(title)
        message = QtWidgets.QLabel(_sentence(group.message))
        message.setObjectName("problemMessage")
        message.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # names may hold "<"
        message.setWordWrap(True)  # whole, however long: never cut off
        message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(message)
        if group.node_ids:
            links = " · ".join(
                f"<a href='{i}' style='color:{theme.ACCENT}'>{_esc(n)}</a>"
                for i, n in zip(group.node_ids, group.node_names, strict=True)
            )
            nodes = QtWidgets.QLabel(
                f"<span style='color:{theme.MUTED}'>"
                f"{len(group.node_ids)} node{'s' if len(group.node_ids) != 1 else ''}:</span> "
                + links
            )
            nodes.setObjectName("problemNodes")
            nodes.setWordWrap(True)
            nodes.linkActivated.connect(self.node_clicked.emit)
            inner.addWidget(nodes)
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        if group.code == "missing_key" or (
            group.code == "budget" and "per-run" not in group.message
        ):
            settings = QtWidgets.QPushButton("Open Settings…")
            settings.clicked.connect(self._open_settings)
            self.settings_buttons.append(settings)
            row.addWidget(settings)
        if group.code == "budget" and "per-run" in group.message:
            if self.allow_usd is not None:
                self.allow_button = QtWidgets.QPushButton(
                    f"Allow {format_usd(self.allow_usd)} for this run"
                )
                self.allow_button.setToolTip(
                    "Run it once with this per-run limit; your budget setting stays as it is"
                )
                self.allow_button.clicked.connect(self._allow)
                row.addWidget(self.allow_button)
            else:
                inner.addWidget(
                    theme.muted_label(
                        "Once the other problems are fixed, this run can be allowed more.",
                        wrap=True,
                    )
                )
            raise_it = QtWidgets.QPushButton("Change the Budget…")
            raise_it.clicked.connect(self._open_settings)
            self.settings_buttons.append(raise_it)
            row.addWidget(raise_it)
        if row.count() > 1:
            inner.addLayout(row)
        return box

    def node_ids(self) -> list[str]:
        return list(dict.fromkeys(n for g in self.groups for n in g.node_ids))

    def click_node(self, node_id: str) -> None:
        if node_id in self.node_ids():
            self.node_clicked.emit(node_id)

    def _open_settings(self) -> None:
        self.settings_requested.emit()
        self.accept()

    def _allow(self) -> None:
        assert self.allow_usd is not None
        self.allow_requested.emit(self.allow_usd)
        self.accept()


class RecoveryDialog(QtWidgets.QDialog):
    """At launch: the documents a session that did not close cleanly left unsaved, each to
    tick. Recover opens the ticked ones; Discard deletes their autosaves; Decide Later keeps
    everything for the next launch."""

    def __init__(
        self, found: Sequence[recovery.Recoverable], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work?")
        self.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.found = list(found)
        #: what the user chose: "recover" | "discard" | "later"
        self.answer = "later"
        layout = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(
            "<b>CanvasToon did not close cleanly.</b> These documents had changes that were "
            "autosaved but never saved:"
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        self.list = QtWidgets.QListWidget()
        for item in self.found:
            where = str(item.path) if item.path else "never saved"
            when = QtCore.QDateTime.fromSecsSinceEpoch(int(item.saved_at)).toString("MMM d, hh:mm")
            row = QtWidgets.QListWidgetItem(f"{item.name}  —  {where}  ·  autosaved {when}")
            row.setFlags(row.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(QtCore.Qt.CheckState.Checked)
            row.setToolTip(where)
            self.list.addItem(row)
        layout.addWidget(self.list, 1)
        layout.addWidget(
            theme.muted_label("Each recovered document opens in its own window, unsaved.")
        )
        buttons = QtWidgets.QDialogButtonBox()
        self.recover_button = buttons.addButton(
            "Recover", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.discard_button = buttons.addButton(
            "Discard", QtWidgets.QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.later_button = buttons.addButton(
            "Decide Later", QtWidgets.QDialogButtonBox.ButtonRole.RejectRole
        )
        self.recover_button.setDefault(True)
        self.recover_button.clicked.connect(lambda: self._done("recover"))
        self.discard_button.clicked.connect(lambda: self._done("discard"))
        self.later_button.clicked.connect(lambda: self._done("later"))
        layout.addWidget(buttons)
        self.resize(640, 300)

    def _done(self, answer: str) -> None:
        self.answer = answer
        self.accept() if answer != "later" else self.reject()

    def ticked(self) -> list[recovery.Recoverable]:
        return [
            item
            for row, item in enumerate(self.found)
            if self.list.item(row).checkState() == QtCore.Qt.CheckState.Checked
        ]

    def chosen(self) -> list[recovery.Recoverable]:
        """The documents to recover."""
        return self.ticked() if self.answer == "recover" else []

    def discarded(self) -> list[recovery.Recoverable]:
        """The autosaves to delete."""
        return self.ticked() if self.answer == "discard" else []


class ConfirmRunDialog(QtWidgets.QMessageBox):
    """A run quoted above the confirm threshold asks first."""

    def __init__(
        self, quote: Quote, threshold: float, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Confirm spending")
        self.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.setIcon(QtWidgets.QMessageBox.Icon.Question)
        self.setText(f"<b>This run may cost {quote.cost}.</b>")
        details = [
            f"That is over your confirm threshold of {format_usd(threshold)}.",
            f"{quote.to_run} model call(s), about {format_seconds(quote.seconds)}"
            + (f"; {quote.cached} from the cache." if quote.cached else "."),
        ]
        self.setInformativeText("\n".join(details))
        self.run_button = self.addButton("Run", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        self.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.run_button)


def show_error(
    parent: QtWidgets.QWidget, title: str, message: str, details: str | None = None
) -> QtWidgets.QMessageBox:
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(f"<b>{title}</b>")
    box.setInformativeText(message)
    if details:
        box.setDetailedText(details)
    box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return box


def ask(
    parent: QtWidgets.QWidget,
    title: str,
    text: str,
    informative: str,
    yes: str,
    no: str,
    on_answer: Callable[[bool], None],
) -> QtWidgets.QMessageBox:
    """A yes/no question that does not block the event loop."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(f"<b>{text}</b>")
    box.setInformativeText(informative)
    yes_button = box.addButton(yes, QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button)
    box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.finished.connect(lambda _result: on_answer(box.clickedButton() is yes_button))
    box.yes_button = yes_button  # type: ignore[attr-defined]
    box.open()
    return box


def ask_outside_paths(
    parent: QtWidgets.QWidget, found: Sequence[Problem], on_answer: Callable[[bool], None]
) -> QtWidgets.QMessageBox:
    """The graph reads or writes files outside its folder: list them, and ask whether this
    graph (as it is now) may."""
    lines = "".join(
        f"<li><b>{_html(p.node_name or '')}</b>: {_html(p.message.split(', outside')[0])}</li>"
        for p in found[:20]
    )
    more = f"<p>… and {len(found) - 20} more</p>" if len(found) > 20 else ""
    return ask(
        parent,
        "Files outside the graph's folder",
        "This graph uses files outside its own folder.",
        f"<ul>{lines}</ul>{more}<p>A graph someone sent you chose these paths. Allow them "
        "only if you know why this graph reads or writes there; you will not be asked again "
        "for this file unless it changes.</p>",
        "Allow and run",
        "Cancel",
        on_answer,
    )


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sentence(text: str) -> str:
    """A problem as a sentence: capital first letter, full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
