"""The one error base of the application's rules.

A service refuses an operation by raising a ``DomainError`` (or a subclass named after the
rule); views never build their own refusal types. Everything below it lies in the shared kernel
so that every package, privacy included, can derive from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """A refused operation; nothing was written.

    ``message`` says why, in the user's language, and is safe to show; ``field_errors`` maps a
    form field name to its messages when the refusal is about given values; ``code`` is a short
    machine name (``refused``, ``invalid``, ``conflict``…) for the API.
    """

    code = "refused"

    def __init__(
        self,
        message: str,
        field_errors: Mapping[str, str | Iterable[str]] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: dict[str, list[str]] = {
            name: [messages] if isinstance(messages, str) else [str(m) for m in messages]
            for name, messages in (field_errors or {}).items()
        }
        if code is not None:
            self.code = code
