"""The convocation letter of an appointment (PDF), read by an agent of its office (audited)."""

from __future__ import annotations

from babel import Locale

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda import interpreters, letters
from integration_centre.agenda.feed import file_number
from integration_centre.agenda.models import (
    INTERPRETER_CONFIRMED,
    INTERPRETER_REQUESTED,
    AgendaSettings,
    Appointment,
)
from integration_centre.extensions import db
from integration_centre.pathway import reference
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access

LETTER_PURPOSE = "agenda.letter"


def office_address(appointment: Appointment, language: str) -> str:
    """The office's address as written in ``language``'s letters (its own address otherwise)."""
    settings = db.session.get(AgendaSettings, appointment.office_id)
    written = (settings.letter_addresses or {}).get(language) if settings is not None else None
    return written or appointment.office.address or ""


def letter_facts(appointment: Appointment, language: str) -> dict:
    """What the letter says, as plain data (nothing of the person beyond the file number)."""
    item = interpreters.request_of(appointment)
    if item is not None and item.status == INTERPRETER_CONFIRMED:
        interpreter = "confirmed"
    elif item is not None and item.status == INTERPRETER_REQUESTED:
        interpreter = "requested"
    else:
        interpreter = None
    return {
        "office": appointment.office.name,
        "address": office_address(appointment, language),
        "starts_at": appointment.starts_at,
        "kind_label": letters.KIND_MSGIDS[appointment.kind],
        "file_number": file_number(appointment.person_id),
        "interpreter": interpreter,
        "interpreter_language": language_label(appointment.interpreter_language, language),
    }


def language_label(code: str | None, language: str) -> str:
    """The name of language ``code`` written in ``language``."""
    if not code:
        return ""
    if language in letters.BABEL_LANGUAGES:
        return reference.language_name(code, language)
    return Locale.parse(language).languages.get(code) or reference.language_name(code, "en")


def convocation(actor: User, appointment: Appointment, language: str | None = None) -> tuple[bytes, str]:
    """(PDF, language) of the appointment's convocation: in ``language`` when given (one of
    ``letters.languages()``), else in the person's preferred language when a letter exists in it,
    else in French. The read is audited (purpose ``agenda.letter``) for the person."""
    require(actor.role == Role.AGENT and can_see_office(actor, appointment.office_id))
    require(language is None or language in letters.languages())
    with access(actor, LETTER_PURPOSE, [appointment.person_id]):
        if language is None:
            person = db.session.get(Newcomer, appointment.person_id)
            language = letters.letter_language(person.preferred_language if person is not None else None) or "fr"
        return letters.render(letter_facts(appointment, language), language), language
