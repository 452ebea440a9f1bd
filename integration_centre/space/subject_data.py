"""The space's part of a person's data: personal links, space sessions and the optional account.

Registered with the privacy core (privacy never imports this package):

- erasure: the person's links, sessions and account are deleted (nothing opens the space of an
  erased person, and the account's e-mail digest goes with it);
- merge: they follow the kept file — the account is re-encrypted under the kept person's key
  (when both files have one, the kept file's stays and the other is deleted); when both files
  have a live link, the most recently issued stays live and the others are revoked;
- access export: when links were issued and opened, and the account's e-mail address.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import person_merge, subject_data
from integration_centre.space import links
from integration_centre.space.account_models import SpaceAccount
from integration_centre.space.models import SpaceLink, SpaceSession

# The export's field codes, in words (the access export's PDF).
FIELD_LABELS = {
    "personal_links": _l("Personal links to the person's space"),
    "issued_at": _l("Issued on"),
    "last_opened_at": _l("Last opened on"),
    "locked_at": _l("Locked on"),
    "revoked_at": _l("Revoked on"),
    "space_account": _l("Account for the person's space"),
    "second_factor": _l("Code from an app (second factor)"),
    "last_login_at": _l("Last login on"),
}


def register() -> None:
    """Register the space's erasure clean-up, merge handler and export with privacy."""
    subject_data.register("space", export=export, erase=erase, labels=FIELD_LABELS)
    person_merge.register_person_merge("space", merge_person)


def erase(person_id: uuid.UUID) -> None:
    """Delete the person's space sessions, account and links (in the caller's transaction)."""
    for model in (SpaceSession, SpaceAccount, SpaceLink):  # through the ORM: loaded rows go too
        for row in db.session.scalars(select(model).where(model.person_id == person_id)):
            db.session.delete(row)
        db.session.flush()


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the removed file's links, sessions and account to the kept file (see the docstring)."""
    moved = 0
    for link in db.session.scalars(select(SpaceLink).where(SpaceLink.person_id == removed_id)):
        link.person_id = kept_id
        moved += 1
    for record in db.session.scalars(select(SpaceSession).where(SpaceSession.person_id == removed_id)):
        record.person_id = kept_id
    db.session.flush()
    live = db.session.scalars(
        select(SpaceLink)
        .where(SpaceLink.person_id == kept_id, SpaceLink.revoked_at.is_(None))
        .order_by(SpaceLink.issued_at.desc())
    ).all()
    for older in live[1:]:
        links.revoke(older, actor=_actor)
    kept_account = db.session.scalar(select(SpaceAccount).where(SpaceAccount.person_id == kept_id))
    removed_account = db.session.scalar(select(SpaceAccount).where(SpaceAccount.person_id == removed_id))
    accounts = 0
    if removed_account is not None:
        if kept_account is None:
            accounts = person_merge.rebind([removed_account], kept_id)
        else:
            db.session.delete(removed_account)
    db.session.flush()
    return {"space_links": moved, "space_accounts": accounts}


def export(person_id: uuid.UUID) -> dict:
    """The person's links (dates and state, never the token) and account (e-mail, code on/off)."""

    def moment(value) -> str | None:
        return value.isoformat() if value is not None else None

    found_links = db.session.scalars(
        select(SpaceLink).where(SpaceLink.person_id == person_id).order_by(SpaceLink.issued_at)
    ).all()
    account = db.session.scalar(select(SpaceAccount).where(SpaceAccount.person_id == person_id))
    found: dict = {}
    if found_links:
        found["personal_links"] = [
            {
                "issued_at": moment(link.issued_at),
                "last_opened_at": moment(link.last_opened_at),
                "locked_at": moment(link.locked_at),
                "revoked_at": moment(link.revoked_at),
            }
            for link in found_links
        ]
    if account is not None:
        found["space_account"] = {
            "email": account.email,
            "second_factor": account.totp_enabled,
            "last_login_at": moment(account.last_login_at),
        }
    return found
