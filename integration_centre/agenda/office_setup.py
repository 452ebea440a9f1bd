"""An office's agenda set-up: its slot length, its no-show threshold and its rooms (the opening
hours are the office's own, edited with the office). Any agent of the office may change them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import AgendaRoom, AgendaSettings
from integration_centre.agenda.rules import settings_of
from integration_centre.extensions import db

SLOT_CHOICES = (10, 15, 20, 30, 45, 60)
MAX_THRESHOLD = 10


def _office_id(actor: User) -> int:
    require(actor.role == Role.AGENT and actor.office_id is not None)
    return actor.office_id


MAX_LETTER_ADDRESS = 300


def set_settings(
    actor: User, *, slot_minutes: int, no_show_threshold: int, letter_addresses: dict | None = None
) -> AgendaSettings:
    """Set the office's slot length and the no-shows that make a person eligible for the
    non-compliance procedure. Appointments already booked keep their times.

    ``letter_addresses`` (when given) replaces the office's address as written in the letters of
    other scripts, per language code ({"ar": "…"}); an empty value removes it."""
    office_id = _office_id(actor)
    if slot_minutes not in SLOT_CHOICES:
        raise AgendaError(_("Choose a slot length from the list."), "slot_minutes")
    if no_show_threshold is None or not 1 <= no_show_threshold <= MAX_THRESHOLD:
        raise AgendaError(_("The number of no-shows is 1 to %(most)d.", most=MAX_THRESHOLD), "no_show_threshold")
    settings = db.session.get(AgendaSettings, office_id)
    if settings is None:
        settings = settings_of(office_id)
        db.session.add(settings)
    settings.slot_minutes = slot_minutes
    settings.no_show_threshold = no_show_threshold
    if letter_addresses is not None:
        cleaned = {}
        for language, text in letter_addresses.items():
            text = " ".join((text or "").split())
            if len(text) > MAX_LETTER_ADDRESS:
                raise AgendaError(
                    _("The address is at most %(most)d characters.", most=MAX_LETTER_ADDRESS), f"address_{language}"
                )
            if text:
                cleaned[language] = text
        settings.letter_addresses = cleaned or None
    db.session.flush()
    return settings


def add_room(actor: User, name: str) -> AgendaRoom:
    """Add a room to the office (or bring back a removed one of the same name)."""
    office_id = _office_id(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise AgendaError(_("Enter the room's name (at most 100 characters)."), "name")
    existing = db.session.scalars(
        select(AgendaRoom).where(AgendaRoom.office_id == office_id, func.lower(AgendaRoom.name) == name.lower())
    ).first()
    if existing is not None:
        if existing.is_active:
            raise AgendaError(_("The office already has a room of this name."), "name")
        existing.is_active = True
        db.session.flush()
        return existing
    room = AgendaRoom(office_id=office_id, name=name, is_active=True)
    db.session.add(room)
    db.session.flush()
    return room


def remove_room(actor: User, room_id: int) -> AgendaRoom:
    """Take a room out of the office's choices (appointments already in it stay as they are)."""
    office_id = _office_id(actor)
    room = db.session.get(AgendaRoom, room_id)
    require(room is not None and room.office_id == office_id)
    room.is_active = False
    db.session.flush()
    return room
