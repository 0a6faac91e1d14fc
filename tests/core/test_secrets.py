"""Keys come from the environment or the keyring, and are scrubbed from everything."""

from __future__ import annotations

import logging

import pytest

from canvastoon_desktop.core.logs import LogScrubber
from canvastoon_desktop.core.secrets import KeyStore, redact_secrets


def test_the_environment_key_wins_and_is_remembered_as_secret() -> None:
    keys = KeyStore(environ={"AIML_API_KEY": "sk-env-key-1234567890"}, use_keyring=False)
    assert keys.get("aiml") == "sk-env-key-1234567890"
    assert keys.info("aiml").source == "environment"
    assert redact_secrets("key=sk-env-key-1234567890!") == "key=[redacted]!"
    assert keys.get("replicate") is None
    assert "REPLICATE_API_TOKEN" in keys.missing_key_message("replicate")


def test_log_records_are_scrubbed_of_keys_and_control_sequences(
    caplog: pytest.LogCaptureFixture,
) -> None:
    KeyStore(environ={"REPLICATE_API_TOKEN": "r8_canary_log_0987654321"}, use_keyring=False).get(
        "replicate"
    )
    logger = logging.getLogger("test.secrets")
    logger.addFilter(LogScrubber())
    with caplog.at_level(logging.INFO):
        logger.info("calling with %s", "r8_canary_log_0987654321")
        logger.warning("the model said %s", "\x1b]0;pwned\x07\x1b[2Jhello")
    assert "r8_canary" not in caplog.text and "[redacted]" in caplog.text
    assert "\x1b" not in caplog.text and "\x07" not in caplog.text and "hello" in caplog.text
