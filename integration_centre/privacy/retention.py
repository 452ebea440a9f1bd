"""Retention: which files are past their retention period, and their erasure by the same path.

Periods come from the configuration (``RETENTION_*`` settings). The packages that own person
rows register retention *categories* (``register_category``): a function that gives, for every
person it knows, the date their data may be erased under this category with a translated
explanation (``KEPT`` while the file must be kept indefinitely for now, e.g. an open case).
A person is due when the LATEST of their dates has passed: every category must agree. ``due``
and ``upcoming`` read them; ``run`` erases the due files one transaction each through
``erasure.erase_person`` (ground "retention"), so a legal hold still refuses a file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import erasure
from integration_centre.privacy.errors import PrivacyError

KEPT = date.max  # "not before further notice" (open case…)


@dataclass(frozen=True)
class RetentionItem:
    """One person whose retention period ends on ``due_on`` (``reason``: translated)."""

    person_id: uuid.UUID
    category: str
    due_on: date
    reason: str


@dataclass(frozen=True)
class Category:
    """A retention category: its code, label, setting and the function giving persons' dates."""

    code: str
    label: Any
    setting: str
    dates: Callable[[], Iterable[RetentionItem]]


_categories: dict[str, Category] = {}


def register_category(code: str, label: Any, setting: str, dates: Callable[[], Iterable[RetentionItem]]) -> None:
    """Register ``dates() -> RetentionItem…``: one item per person the category applies to."""
    _categories[code] = Category(code, label, setting, dates)


def categories() -> list[Category]:
    """The registered categories, by code."""
    return [_categories[code] for code in sorted(_categories)]


def period(setting: str) -> int:
    """The configured value of a retention setting (years or months)."""
    return int(current_app.config[setting])


def _collect(until: date) -> list[RetentionItem]:
    """Every non-erased person due by ``until``: one item per person (the latest category date wins)."""
    latest: dict[uuid.UUID, RetentionItem] = {}
    for category in categories():
        for item in category.dates():
            current = latest.get(item.person_id)
            if current is None or item.due_on > current.due_on:
                latest[item.person_id] = item
    due_items = [i for i in latest.values() if i.due_on <= until]
    erased = erasure.erased_dates(i.person_id for i in due_items)
    return sorted((i for i in due_items if i.person_id not in erased), key=lambda i: (i.due_on, str(i.person_id)))


def due(today: date | None = None) -> list[RetentionItem]:
    """The files whose retention period has ended on ``today`` (default: today), oldest first."""
    return _collect(today or utcnow().date())


def upcoming(today: date | None = None, days: int = 90) -> list[RetentionItem]:
    """The files due now or within ``days`` days, oldest first (the admin page)."""
    return _collect((today or utcnow().date()) + timedelta(days=days))


@dataclass
class RunResult:
    """What a retention run did: erased persons, refused ones with their reasons."""

    erased: list[RetentionItem] = field(default_factory=list)
    refused: list[tuple[RetentionItem, list[str]]] = field(default_factory=list)


def run(*, actor: Any, today: date | None = None, progress: Callable[[RetentionItem], None] | None = None) -> RunResult:
    """Erase every due file (one transaction per person); a held file is refused and reported."""
    today = today or utcnow().date()
    result = RunResult()
    for item in due(today):
        try:
            erasure.erase_person(item.person_id, actor=actor, ground="retention", today=today)
        except erasure.ErasureRefused as exc:
            db.session.rollback()
            result.refused.append((item, [str(r) for r in exc.reasons]))
        except PrivacyError as exc:
            db.session.rollback()
            result.refused.append((item, [str(exc)]))
        else:
            db.session.commit()
            result.erased.append(item)
        if progress is not None:
            progress(item)
    return result
