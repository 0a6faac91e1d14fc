"""Dialogs the window raises: a refused run's problems, the confirm-before-spending
question, errors, recovery and resume offers.

All are window-modal and non-blocking (``open()``), so the event loop — and any run —
keeps going while they are up, and tests can answer them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.pricing import Quote, format_seconds, format_usd
from canvastoon_desktop.core.validation import Problem

from . import recovery, theme

NODE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1

CODE_LABELS = {
    "missing_key": "missing API key",
    "budget": "budget",
    "invalid": "cannot run",
    "param": "parameter",
    "missing_input": "input",
    "connection": "connection",
    "cycle": "loop",
    "unknown_type": "unknown node type",
}


class ProblemsDialog(QtWidgets.QDialog):
    """Why a run was refused — every problem, grouped per node; a click selects the node.
    Nothing was spent."""

    #: the user clicked a node's problems: (node id)
    node_clicked = QtCore.Signal(str)
    #: the user wants to fix keys or budgets
    settings_requested = QtCore.Signal()

    def __init__(
        self,
        problems: Sequence[Problem],
        graph: Graph | None,
        parent: QtWidgets.QWidget | None = None,
        *,
        title: str = "This run cannot start",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.resize(560, 380)
        self.problems = list(problems)
        layout = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(f"<b>{title}</b> — nothing was sent and nothing was spent.")
        head.setWordWrap(True)
        layout.addWidget(head)
        count = len(self.problems)
        layout.addWidget(
            theme.muted_label(
                f"{count} problem{'s' if count != 1 else ''} to fix. "
                "Click one to find its node on the canvas."
            )
        )
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        for problem in self.problems:
            key = problem.node_id or ""
            group = groups.get(key)
            if group is None:
                name = problem.node_name or (
                    graph.display_name(problem.node_id)
                    if graph and problem.node_id
                    else "The whole run"
                )
                group = QtWidgets.QTreeWidgetItem([name])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setData(0, NODE_ROLE, key)
                self.tree.addTopLevelItem(group)
                groups[key] = group
            label = CODE_LABELS.get(problem.code, problem.code)
            child = QtWidgets.QTreeWidgetItem([f"{problem.message}   [{label}]"])
            child.setData(0, NODE_ROLE, key)
            child.setToolTip(0, problem.message)
            if problem.code in ("missing_key", "budget"):
                child.setForeground(0, theme.qcolor("#ffb74d"))
            group.addChild(child)
        self.tree.expandAll()
        self.tree.itemClicked.connect(self._clicked)
        layout.addWidget(self.tree, 1)
        buttons = QtWidgets.QDialogButtonBox()
        if any(p.code in ("missing_key", "budget") for p in self.problems):
            settings = buttons.addButton(
                "Open Settings…", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
            )
            settings.clicked.connect(self._open_settings)
        close = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def node_ids(self) -> list[str]:
        return [
            self.tree.topLevelItem(i).data(0, NODE_ROLE)
            for i in range(self.tree.topLevelItemCount())
        ]

    def click_node(self, node_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, NODE_ROLE) == node_id:
                self._clicked(item)
                return

    def _clicked(self, item: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.node_clicked.emit(node_id)

    def _open_settings(self) -> None:
        self.settings_requested.emit()
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
