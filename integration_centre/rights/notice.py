"""The privacy notice (GDPR Art. 13): versions edited by the centre, and the record that it was given.

Each publication is a new version holding the text in every language (French, English and Dutch
at least); a version is never changed afterwards, so "notice version 3 given on ..." keeps its
meaning. Giving the notice to a person records the date, the version and the language (the
language encrypted under the person's key). Services flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.extensions import db
from integration_centre.privacy import audit, restrictions
from integration_centre.privacy.access import access
from integration_centre.rights.errors import RequestInvalid
from integration_centre.rights.models import NoticeGiven, NoticeVersion

REQUIRED_LANGUAGES = ("fr", "en", "nl")
NOTICE_LANGUAGES = ("fr", "en", "nl", "de")
MAX_BODY = 20000
PURPOSE = "rights.notice"


def current() -> NoticeVersion | None:
    """The latest published version, or None when the centre has not published one."""
    return db.session.scalar(select(NoticeVersion).order_by(NoticeVersion.version.desc()).limit(1))


def versions() -> list[NoticeVersion]:
    """Every version, newest first."""
    return list(db.session.scalars(select(NoticeVersion).order_by(NoticeVersion.version.desc())))


def get(version: int) -> NoticeVersion | None:
    """One version, or None."""
    return db.session.get(NoticeVersion, version)


def text_of(notice: NoticeVersion, language: str) -> tuple[str, dict]:
    """(language actually used, {"title", "body"}): the requested language, else French."""
    if language in notice.texts:
        return language, notice.texts[language]
    return "fr", notice.texts.get("fr") or next(iter(notice.texts.values()))


def publish(actor: Any, texts: dict[str, dict[str, str]], change_note: str | None = None) -> NoticeVersion:
    """Publish a new version; French, English and Dutch are required (title and body each)."""
    errors = {}
    clean: dict[str, dict[str, str]] = {}
    for language in NOTICE_LANGUAGES:
        part = texts.get(language) or {}
        title, body = (part.get("title") or "").strip(), (part.get("body") or "").strip()
        if language in REQUIRED_LANGUAGES and not (title and body):
            errors[f"{language}_body"] = _("Give the title and the text of the notice in this language.")
        elif len(body) > MAX_BODY or len(title) > 200:
            errors[f"{language}_body"] = _("The text is too long.")
        elif title and body:
            clean[language] = {"title": title, "body": body}
        elif title or body:
            errors[f"{language}_body"] = _("Give both the title and the text, or neither.")
    if errors:
        raise RequestInvalid(errors)
    latest = db.session.scalar(select(func.max(NoticeVersion.version))) or 0
    notice = NoticeVersion(
        version=latest + 1,
        texts=clean,
        published_by_id=_actor_id(actor),
        change_note=(change_note or "").strip()[:200] or None,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record("create", "privacy_notice", str(notice.version), purpose=PURPOSE, actor=actor)
    return notice


def record_given(
    actor: Any, person_id: uuid.UUID, *, language: str, given_on: date, version: int, today: date | None = None
) -> NoticeGiven:
    """Record that the notice ``version`` was given to the person in ``language`` on ``given_on``."""
    today = today or clock.today()
    restrictions.ensure_writable(person_id)
    errors = {}
    notice = get(version) if version else None
    if notice is None:
        errors["version"] = _("Choose a published version of the notice.")
    elif language not in notice.texts:
        errors["language"] = _("This version of the notice does not exist in that language.")
    if given_on is None:
        errors["given_on"] = _("Enter the date the notice was given.")
    elif given_on > today:
        errors["given_on"] = _("This date cannot be in the future.")
    if errors:
        raise RequestInvalid(errors)
    record = NoticeGiven(id=uuid.uuid4(), person_id=person_id, given_on=given_on, notice_version=version,
                         recorded_by_id=_actor_id(actor))  # fmt: skip
    with access(actor, PURPOSE, [person_id], action="create"):
        record.language = language
        db.session.add(record)
    db.session.flush()
    return record


def given_to(actor: Any, person_id: uuid.UUID) -> list[dict]:
    """Every record of the notice given to the person, newest first (audited read)."""
    rows = list(
        db.session.scalars(
            select(NoticeGiven).where(NoticeGiven.person_id == person_id).order_by(NoticeGiven.given_on.desc())
        )
    )
    if not rows:
        return []
    with access(actor, PURPOSE, [person_id]):
        return [{"given_on": r.given_on, "version": r.notice_version, "language": r.language} for r in rows]


def _actor_id(actor: Any) -> int | None:
    value = getattr(actor, "id", None)
    return value if isinstance(value, int) else None
