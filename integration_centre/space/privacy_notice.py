"""The privacy notice in the person's space: the centre's published notice (``rights.notice``, in
the person's language when the centre wrote one, else French) and a plain-language summary —
what the centre keeps, why, how long (the retention settings actually applied), their rights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_timedelta
from flask import current_app
from flask_babel import gettext as _

from integration_centre.i18n import current_language
from integration_centre.rights import notice


@dataclass(frozen=True)
class Notice:
    language: str | None  # the language of the centre's text (None: not published)
    title: str | None
    body: str | None
    version: int | None
    kept_after_closing: str
    kept_after_certificate: str


def _years(setting: str, default: int) -> int:
    return int(current_app.config.get(setting) or default)


def _duration(years: int, language: str) -> str:
    """``years`` written in ``language`` with the right plural form (CLDR's: "10 years", "10 лет")."""
    return format_timedelta(timedelta(days=round(365.25 * years)), granularity="year", threshold=2, locale=language)


def notice_for_person() -> Notice:
    """The centre's notice in the person's language (else French) and the retention periods."""
    closing = _years("RETENTION_CLOSED_CASE_YEARS", 10)
    certificate = _years("RETENTION_CERTIFICATE_YEARS", 30)
    language = current_language()
    kept_after_closing = _(
        "We keep your file for %(duration)s after your pathway stops.", duration=_duration(closing, language)
    )
    kept_after_certificate = _(
        "If you get the certificate, we keep your file for %(duration)s.", duration=_duration(certificate, language)
    )
    item = notice.current()
    if item is None:
        return Notice(None, None, None, None, kept_after_closing, kept_after_certificate)
    language, text = notice.text_of(item, language)
    return Notice(
        language, text.get("title"), text.get("body"), item.version, kept_after_closing, kept_after_certificate
    )
