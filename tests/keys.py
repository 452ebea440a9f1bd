"""Test keyring settings (the privacy core fills this in)."""

from __future__ import annotations

from pathlib import Path


def keyring_settings(instance: Path) -> dict:
    """Settings giving a test app a valid keyring."""
    return {}
