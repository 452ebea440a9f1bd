"""The convocation letter (PDF) and the reminders' words, in French and in the person's language.

French, Dutch and English go through Flask-Babel like every other text. The letter may also be
written in a language the interface does not speak (Arabic first): its few strings live in a
letter-only catalogue beside this module, ``<code>.json`` mapping the English msgid to the
translation. A whole Babel catalogue for such a language would make every page translatable in
it (half translated, in practice); the letter's dozen sentences are all a person needs, and a
translator can review one small file. Adding a language is adding one file (and, for another
script, a font).

Arabic is written right to left and shaped with HarfBuzz (fpdf2's text shaping, ``uharfbuzz``)
in Noto Naskh Arabic (``static/fonts``, SIL OFL); Latin parts (a street name, the file number)
fall back to DejaVu Sans. The date is Babel's localised full date (Arabic month and weekday
names); the office's address comes from the office's letter address for that language
(``AgendaSettings.letter_addresses``), else its Latin address.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext

from integration_centre import clock
from integration_centre.core.pdf import FONT, FONT_DIR, Document

HERE = Path(__file__).resolve().parent


def marked(msgid: str) -> str:
    """Mark a letter's msgid for extraction (imported as ``_``, a keyword of ``scripts/i18n.sh``):
    the text is translated later, in the letter's language, by ``translate`` — not in the
    request's language."""
    return msgid


_ = marked
BABEL_LANGUAGES = ("fr", "nl", "en")
RTL_LANGUAGES = ("ar",)
ARABIC_FONT = "NotoNaskhArabic"
# The English msgids of the kinds (``agenda.labels.KIND_LABELS``), to translate them per letter.
KIND_MSGIDS = {
    "reception": _("Reception"),
    "social_assessment": _("Social assessment"),
    "evaluation_interview": _("Evaluation interview"),
    "group_session": _("Group session on rights and duties"),
}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The letter-only catalogue of ``language`` (empty when there is none)."""
    path = HERE / f"{language}.json"
    if language in BABEL_LANGUAGES or not language.isalpha() or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def languages() -> tuple[str, ...]:
    """Every language a letter can be written in: the interface's, then the catalogues'."""
    extra = sorted(p.stem for p in HERE.glob("*.json") if p.stem.isalpha() and p.stem not in BABEL_LANGUAGES)
    return (*BABEL_LANGUAGES, *extra)


def letter_language(preferred: str | None) -> str | None:
    """The person's language when a letter exists in it (and it is not French), else None."""
    code = (preferred or "").lower()[:2]
    return code if code in languages() and code != "fr" else None


def translate(language: str, msgid: str, /, **values) -> str:
    """``msgid`` in ``language``: Flask-Babel for fr/nl/en, the letter catalogue otherwise (the
    English text when a string is missing from it)."""
    if language in BABEL_LANGUAGES:
        with force_locale(language):
            return babel_gettext(msgid, **values)
    text = catalogue(language).get(msgid, msgid)
    return text % values if values else text


def local_date(instant: datetime, language: str) -> str:
    """The full date of ``instant`` in the centre's zone, written in ``language``."""
    return format_date(instant.astimezone(clock.zone()).date(), "full", locale=language)


def local_time(instant: datetime) -> str:
    """HH:MM in the centre's zone (digits as on every clock)."""
    return instant.astimezone(clock.zone()).strftime("%H:%M")


class LetterDocument(Document):
    """The PDF base, with the Arabic font and right-to-left shaping for RTL languages."""

    def __init__(self, title: str, footer: str, language: str) -> None:
        self.language = language
        self.rtl = language in RTL_LANGUAGES
        super().__init__(title, footer)
        if self.rtl:
            self.add_font(ARABIC_FONT, "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
            self.add_font(ARABIC_FONT, "B", str(FONT_DIR / "NotoNaskhArabic-Bold.ttf"))
            self.set_fallback_fonts([FONT])
            self.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language=language)
            self.set_lang(language)

    @property
    def main_font(self) -> str:
        return ARABIC_FONT if self.rtl else FONT

    def line(self, text: str, *, size: float = 11, bold: bool = False, height: float = 7) -> None:
        """One paragraph, aligned to the start of the line (right in RTL languages)."""
        self.set_font(self.main_font, "B" if bold else "", size)
        self.multi_cell(0, height, text, align="R" if self.rtl else "L", new_x="LMARGIN", new_y="NEXT")


def render(facts: dict, language: str) -> bytes:
    """The convocation letter in ``language`` from plain ``facts`` (no database access):

    ``office`` (name), ``address`` (in the letter's script when the office wrote one),
    ``starts_at`` (aware datetime), ``kind_label`` (English msgid of the kind), ``file_number``,
    ``interpreter`` (None, "requested" or "confirmed") and ``interpreter_language`` (its name in
    ``language``)."""

    def t(msgid: str, /, **values) -> str:
        return translate(language, msgid, **values)

    pdf = LetterDocument(
        t(_("Invitation to an appointment")),
        t(_("Convocation — file %(number)s"), number=facts["file_number"]),
        language,
    )
    pdf.line(facts["office"], size=13, bold=True)
    pdf.line(facts["address"] or "—")
    pdf.ln(6)
    pdf.line(t(_("Invitation to an appointment")), size=17, bold=True, height=10)
    pdf.ln(2)
    comma = "، " if pdf.rtl else ", "  # the Arabic comma keeps the line's direction
    pdf.line(f"{t(_('Your appointment'))}: {t(facts['kind_label'])}", bold=True)
    pdf.line(f"{t(_('Date'))}: {local_date(facts['starts_at'], language)}")
    pdf.line(f"{t(_('Time'))}: {local_time(facts['starts_at'])}")
    pdf.line(f"{t(_('Place'))}: {facts['office']}{comma}{facts['address'] or '—'}")
    pdf.line(f"{t(_('File number'))}: {facts['file_number']}")
    pdf.ln(4)
    pdf.line(t(_("What to bring")), bold=True)
    for item in (
        _("your identity document or residence permit"),
        _("this letter"),
        _("your diplomas and certificates, if you have any"),
    ):
        pdf.line(f"• {t(item)}")
    pdf.ln(4)
    pdf.line(t(_("Interpreter")), bold=True)
    language_name = facts["interpreter_language"]
    if facts["interpreter"] == "confirmed":
        pdf.line(t(_("An interpreter (%(language)s) is booked for this appointment."), language=language_name))
    elif facts["interpreter"] == "requested":
        pdf.line(
            t(
                _("An interpreter (%(language)s) has been requested; the office will tell you if none is available."),
                language=language_name,
            )
        )
    else:
        pdf.line(t(_("No interpreter is planned. If you need one, call the office.")))
    pdf.ln(4)
    pdf.line(t(_("If you cannot come, call the office to fix another date.")))
    return bytes(pdf.output())
