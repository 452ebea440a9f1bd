"""Redirect targets: only same-site paths, whatever the encoding tricks."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_MAX_DECODING_ROUNDS = 4


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a same-site absolute path, else None.

    Refuses scheme-relative (``//evil``), backslash (``/\\evil``), schemes (``javascript:``),
    control characters and any of these hidden behind one or more rounds of %-encoding.
    """
    if not target:
        return None
    candidate = target
    for _ in range(_MAX_DECODING_ROUNDS):
        if not _is_safe_path(candidate):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return None


def _is_safe_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
