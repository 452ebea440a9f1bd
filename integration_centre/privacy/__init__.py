"""Privacy core: keyring, field encryption, blind indexes, audited access (see design.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the keyring (fail closed) and register the privacy hooks."""


def keys_loaded(app: Flask) -> bool:
    """True when the keyring is loaded and usable."""
    return app.extensions.get("keyring") is not None


def ensure_keyring_file(instance_path, demo: bool = False) -> None:
    """Create the keyring file in ``instance_path`` when absent (mode 0600)."""
