"""API keys: where they come from, and making sure they go nowhere else.

Keys come from the environment (``AIML_API_KEY``, ``REPLICATE_API_TOKEN``) or the OS keyring.
Every key value this process sees is remembered here so that graph files, logs, the
library, exported files, error messages and ``--json`` output can be scrubbed of it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from types import ModuleType

KEYRING_SERVICE = "canvastoon-desktop"
ENV_VARS = {"aiml": "AIML_API_KEY", "replicate": "REPLICATE_API_TOKEN"}
PROVIDER_LABELS = {"aiml": "AIML API", "replicate": "Replicate"}
REDACTED = "[redacted]"

_known: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Mark ``value`` as secret from now on (short values are ignored: they'd redact words)."""
    if value and len(value) >= 8:
        with _lock:
            _known.add(value)


def redact_secrets(text: str) -> str:
    if not _known or not text:
        return text
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_bytes(data: bytes) -> bytes:
    """``redact_secrets`` for UTF-8 bytes (text assets); other bytes are left as they are."""
    if not _known or not data:
        return data
    secrets = [k.encode("utf-8", "surrogatepass") for k in _known]
    if not any(secret in data for secret in secrets):
        return data
    try:
        return redact_secrets(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        for secret in sorted(secrets, key=len, reverse=True):
            data = data.replace(secret, REDACTED.encode())
        return data


def remember_known_keys(keys: KeyStore | None = None) -> None:
    """Remember, up front, every key this app could use — from the environment and from the
    keyring alike — so that redaction works from the first byte written, even for a key
    that no run uses (pasted into a Text node, say)."""
    store = keys or KeyStore()
    for provider, var in ENV_VARS.items():
        remember_secret(store._environ.get(var, "").strip() or None)
        if store._use_keyring:
            remember_secret(store._keyring_get(provider))


class KeyringUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class KeyInfo:
    provider: str
    present: bool
    source: str | None  # "environment" | "keyring" | None

    def masked(self, key: str | None) -> str:
        if not key:
            return ""
        return key[:3] + "…" + key[-2:] if len(key) > 8 else "…"


class KeyStore:
    """Looks keys up in the environment first, then the OS keyring."""

    def __init__(self, environ: dict[str, str] | None = None, use_keyring: bool = True) -> None:
        self._environ = os.environ if environ is None else environ
        self._use_keyring = use_keyring

    def get(self, provider: str) -> str | None:
        key = self._environ.get(ENV_VARS.get(provider, ""), "").strip() or None
        if key is None and self._use_keyring:
            key = self._keyring_get(provider)
        remember_secret(key)
        return key

    def info(self, provider: str) -> KeyInfo:
        if self._environ.get(ENV_VARS.get(provider, ""), "").strip():
            return KeyInfo(provider, True, "environment")
        if self._use_keyring and self._keyring_get(provider):
            return KeyInfo(provider, True, "keyring")
        return KeyInfo(provider, False, None)

    def missing_key_message(self, provider: str) -> str:
        env = ENV_VARS.get(provider, "")
        label = PROVIDER_LABELS.get(provider, provider)
        return f"no {label} key: set {env} in the environment or save it in Settings ▸ API keys"

    def set(self, provider: str, key: str) -> None:
        keyring = _keyring_module()
        remember_secret(key)
        try:
            keyring.set_password(KEYRING_SERVICE, provider, key)
        except Exception as exc:
            raise KeyringUnavailable(_keyring_help(exc)) from None

    def delete(self, provider: str) -> None:
        keyring = _keyring_module()
        try:
            keyring.delete_password(KEYRING_SERVICE, provider)
        except Exception as exc:
            if type(exc).__name__ == "PasswordDeleteError":
                return
            raise KeyringUnavailable(_keyring_help(exc)) from None

    def _keyring_get(self, provider: str) -> str | None:
        try:
            keyring = _keyring_module()
            return keyring.get_password(KEYRING_SERVICE, provider) or None
        except Exception:
            return None  # no backend: behave as "no key saved"


def keyring_available() -> tuple[bool, str]:
    """Whether keys can be saved on this machine, and a sentence saying why not."""
    try:
        keyring = _keyring_module()
        backend = keyring.get_keyring()
    except Exception as exc:
        return False, _keyring_help(exc)
    priority = getattr(backend, "priority", 1)
    name = type(backend).__name__
    if (
        name in ("Keyring",) and type(backend).__module__.endswith(("fail", "null"))
    ) or priority <= 0:
        return False, _keyring_help(None)
    return True, f"keys are stored in {type(backend).__module__}.{name}"


def _keyring_module() -> ModuleType:  # imported lazily: keyring probes backends on import
    import keyring

    return keyring


def _keyring_help(exc: BaseException | None) -> str:
    return (
        "no OS keyring is available on this machine (e.g. no Secret Service running), so "
        "keys cannot be saved; set AIML_API_KEY / REPLICATE_API_TOKEN in the environment "
        "instead" + (f" ({type(exc).__name__})" if exc else "")
    )
