"""Reception fixtures: reuse the pathway fixtures (agents, newcomers, cases)."""

from __future__ import annotations

from tests.pathway.conftest import (  # noqa: F401 - fixtures
    agent,
    english_messages,
    other_agent,
    register,
    started_case,
)
