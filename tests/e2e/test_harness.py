"""The harness itself: a missing browser or axe-core skips the browser tests, or fails them
under ``CI=true``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import harness


@pytest.fixture
def without_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(harness, "CHROMIUM", Path(tmp_path / "no-chromium"))


def test_missing_browser_skips_with_the_reason(without_chromium, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        harness.require_prerequisites()


def test_missing_browser_fails_under_ci(without_chromium, monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        harness.require_prerequisites()


def test_missing_axe_core_is_named(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(harness, "AXE_SCRIPT", tmp_path / "axe.min.js")
    assert any("npm ci" in reason for reason in harness.missing_prerequisites())
