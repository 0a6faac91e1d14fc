"""Settings: API keys (OS keyring), budgets, per-provider concurrency, library location,
provider base URLs and autosave.

Keys are saved with ``KeyStore.set`` / ``delete`` into the OS keyring and never into graph
files or ``settings.json``; a key that comes from the environment is shown as such. Everything
else is persisted with ``Settings.save()`` and applied to the running executor.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.secrets import (
    ENV_VARS,
    PROVIDER_LABELS,
    KeyringUnavailable,
    KeyStore,
    keyring_available,
)
from canvastoon_desktop.core.settings import Settings

from . import theme

log = logging.getLogger(__name__)

NO_LIMIT = -1.0


def _money(value: float | None, *, maximum: float = 10_000.0) -> QtWidgets.QDoubleSpinBox:
    spin = QtWidgets.QDoubleSpinBox()
    spin.setRange(NO_LIMIT, maximum)
    spin.setDecimals(2)
    spin.setSingleStep(0.5)
    spin.setPrefix("$ ")
    spin.setSpecialValueText("no limit")
    spin.setValue(NO_LIMIT if value is None else float(value))
    return spin


def _limit(spin: QtWidgets.QDoubleSpinBox) -> float | None:
    return None if spin.value() <= NO_LIMIT + 1e-9 else round(spin.value(), 2)


class KeyRow(QtWidgets.QWidget):
    """One provider's key: where it comes from, and a masked field to save a new one."""

    def __init__(self, provider: str, keys: KeyStore, can_save: bool) -> None:
        super().__init__()
        self.provider = provider
        self.keys = keys
        layout = QtWidgets.QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = theme.muted_label()
        self.field = QtWidgets.QLineEdit()
        self.field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("paste a new key to save it")
        self.save_button = QtWidgets.QPushButton("Save")
        self.delete_button = QtWidgets.QPushButton("Remove")
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        layout.addWidget(self.status, 0, 0, 1, 3)
        layout.addWidget(self.field, 1, 0)
        layout.addWidget(self.save_button, 1, 1)
        layout.addWidget(self.delete_button, 1, 2)
        for widget in (self.field, self.save_button, self.delete_button):
            widget.setEnabled(can_save)
        self.refresh()

    def refresh(self) -> None:
        info = self.keys.info(self.provider)
        key = self.keys.get(self.provider) if info.present else None
        if info.source == "environment":
            text = (
                f"{info.masked(key)} — from the environment ({ENV_VARS[self.provider]}); "
                "it wins over a saved key"
            )
        elif info.source == "keyring":
            text = f"{info.masked(key)} — saved in the OS keyring"
        else:
            text = "not set"
        self.status.setText(text)
        self.delete_button.setEnabled(self.delete_button.isEnabled() and info.source == "keyring")

    def save(self) -> None:
        key = self.field.text().strip()
        if not key:
            return
        try:
            self.keys.set(self.provider, key)
        except KeyringUnavailable as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save the key", str(exc))
            return
        self.field.clear()
        self.delete_button.setEnabled(True)
        self.refresh()

    def delete(self) -> None:
        try:
            self.keys.delete(self.provider)
        except KeyringUnavailable as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot remove the key", str(exc))
            return
        self.refresh()


class SettingsDialog(QtWidgets.QDialog):
    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        parent: QtWidgets.QWidget | None = None,
        *,
        library_locked: str | None = None,
    ) -> None:
        super().__init__(parent)
        #: why the library folder cannot be changed now (a run is going on), if it cannot
        self.library_locked = library_locked
        #: the library folder setting as it was when the dialog opened
        self.library_before = settings.library_dir
        self.setWindowTitle("Settings")
        self.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.resize(560, 460)
        self.settings = settings
        self.keys = keys
        tabs = QtWidgets.QTabWidget()
        tabs.addTab(self._keys_tab(), "API keys")
        tabs.addTab(self._budget_tab(), "Budgets")
        tabs.addTab(self._providers_tab(), "Providers")
        tabs.addTab(self._library_tab(), "Library && files")
        self.tabs = tabs
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)

    # -- tabs ------------------------------------------------------------------------------
    def _keys_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        available, why = keyring_available()
        note = theme.muted_label(
            why if available else f"<span style='color:#ffb74d'>{why}</span>", wrap=True
        )
        layout.addWidget(note)
        self.key_rows: dict[str, KeyRow] = {}
        for provider, label in PROVIDER_LABELS.items():
            group = QtWidgets.QGroupBox(label)
            box = QtWidgets.QVBoxLayout(group)
            row = KeyRow(provider, self.keys, available)
            box.addWidget(row)
            self.key_rows[provider] = row
            layout.addWidget(group)
        hint = theme.muted_label(
            "Keys never go into graph files, settings or logs. Offline models need no key.",
            wrap=True,
        )
        layout.addWidget(hint)
        layout.addStretch(1)
        return page

    def _budget_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        s = self.settings
        self.per_run = _money(s.budget_per_run_usd)
        self.per_day = _money(s.budget_per_day_usd)
        self.confirm_over = _money(s.confirm_over_usd)
        form.addRow("Per run", self.per_run)
        form.addRow("Per day", self.per_day)
        form.addRow("Ask before runs over", self.confirm_over)
        hint = theme.muted_label(
            "A run that could go over a budget is refused before "
            "anything is spent. Set a field to its lowest value for no "
            "limit.",
            wrap=True,
        )
        form.addRow(hint)
        return page

    def _providers_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        s = self.settings
        self.concurrency: dict[str, QtWidgets.QSpinBox] = {}
        for provider, label in (
            ("aiml", "AIML API"),
            ("replicate", "Replicate"),
            ("local", "Offline models"),
        ):
            spin = QtWidgets.QSpinBox()
            spin.setRange(1, 64)
            spin.setValue(int(s.concurrency.get(provider, 4)))
            spin.setSuffix(" at once")
            self.concurrency[provider] = spin
            form.addRow(label, spin)
        self.aiml_url = QtWidgets.QLineEdit(s.aiml_base_url or "")
        self.aiml_url.setPlaceholderText("https://api.aimlapi.com/v1")
        self.replicate_url = QtWidgets.QLineEdit(s.replicate_base_url or "")
        self.replicate_url.setPlaceholderText("https://api.replicate.com")
        form.addRow("AIML base URL", self.aiml_url)
        form.addRow("Replicate base URL", self.replicate_url)
        hint = theme.muted_label(
            "To try the hosted pipeline with no keys and no spend, run "
            "<code>canvastoon simulate-server</code> and paste the URLs "
            "it prints here.",
            wrap=True,
        )
        form.addRow(hint)
        return page

    def _library_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        s = self.settings
        row = QtWidgets.QHBoxLayout()
        self.library_dir = QtWidgets.QLineEdit(s.library_dir or "")
        self.library_dir.setPlaceholderText(str(s.library_path()))
        pick = QtWidgets.QToolButton()
        pick.setText("…")
        pick.clicked.connect(self._pick_library)
        row.addWidget(self.library_dir, 1)
        row.addWidget(pick)
        holder = QtWidgets.QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        form.addRow("Library folder", holder)
        note = theme.muted_label(self._library_note(), wrap=True)
        form.addRow(note)
        self.library_note = note
        if self.library_locked:
            self.library_dir.setEnabled(False)
            pick.setEnabled(False)
        self.autosave = QtWidgets.QSpinBox()
        self.autosave.setRange(5, 3600)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(int(s.autosave_seconds))
        form.addRow("Autosave every", self.autosave)
        return page

    def _library_note(self) -> str:
        if self.library_locked:
            return self.library_locked
        if os.environ.get("CANVASTOON_LIBRARY"):
            return (
                "CANVASTOON_LIBRARY is set in the environment: its folder is used "
                "instead of this one."
            )
        return (
            "Switching takes effect at once. Nothing is moved or copied: each folder "
            "keeps its own results, cache and history."
        )

    def _pick_library(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Library folder", self.library_dir.text()
        )
        if chosen:
            self.library_dir.setText(chosen)

    # -- result ----------------------------------------------------------------------------
    def apply_to(self, settings: Settings) -> dict[str, Any]:
        """Write the dialog's values into ``settings``; returns what changed."""
        before = settings.as_dict()
        settings.budget_per_run_usd = _limit(self.per_run)
        settings.budget_per_day_usd = _limit(self.per_day)
        settings.confirm_over_usd = _limit(self.confirm_over)
        settings.concurrency = {p: spin.value() for p, spin in self.concurrency.items()}
        settings.aiml_base_url = self.aiml_url.text().strip() or None
        settings.replicate_base_url = self.replicate_url.text().strip() or None
        settings.library_dir = self.library_dir.text().strip() or None
        settings.autosave_seconds = self.autosave.value()
        after = settings.as_dict()
        return {k: after[k] for k in after if after[k] != before.get(k)}
