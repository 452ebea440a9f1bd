"""Text messages: a small interface in front of an SMS provider (``INTEGRATION_CENTRE_SMS_BACKEND``).

- ``file`` (default): appends each message to ``<instance>/sms-outbox.jsonl`` — for tests and
  demonstrations. A line holds the text and the last three digits of the number, nothing else
  (no name, no person id, not the whole number): the file is no copy of anyone's file.
- ``none``: refuses to send (messages stay queued and are retried, then given up).

A real provider plugs in as one more class with ``send(number, text)`` raising ``SMSError``.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

BACKENDS = ("file", "none")


class SMSError(Exception):
    """The provider did not take the message (kept as the class name only)."""


class FileBackend:
    """Appends ``{"to": "…123", "text": …}`` lines to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, number: str, text: str) -> None:
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) < 6:
            raise SMSError("invalid number")
        line = json.dumps({"to": f"…{digits[-3:]}", "text": text}, ensure_ascii=False)
        try:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise SMSError(type(exc).__name__) from exc


class NoBackend:
    def send(self, number: str, text: str) -> None:
        raise SMSError("no SMS backend")


def backend():
    """The configured backend."""
    name = current_app.config.get("SMS_BACKEND") or "file"
    if name == "file":
        return FileBackend(file_path())
    return NoBackend()


def file_path() -> Path:
    """Where the ``file`` backend writes."""
    return Path(current_app.instance_path) / "sms-outbox.jsonl"
