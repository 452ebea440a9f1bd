"""Merging two files of the same person (duplicates): everything moves to the kept file.

Who may merge: an agent, two files they can both see (``person_visible_to``: their office's
files, e.g. a duplicate created after the registration's warning); the centre's coordinator
(admin role), two files of their centre, from a duplicate review (files in two offices, which no
single agent may see). Refused while both files have an active case (close one first), when a
file is restricted (Art. 18) or erased.

``merge_files`` moves cases (their steps and timeline), dispensations, documents and transfer
requests to the kept person, re-encrypted under the kept person's key (``privacy.person_merge``);
the other packages move their own rows through the handlers they registered. Then the removed
newcomer row is deleted and its key destroyed (its ciphertext cannot be read any more); a
``MergeRecord`` keeps the counts; each moved case gets a "case.merge" timeline entry; the whole
is audited (the access context on both persons and the key destruction).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import (
    Case,
    Dispensation,
    DuplicateReview,
    EvidenceDocument,
    MergeRecord,
    Newcomer,
    StepInstance,
    TimelineEntry,
    TransferRequest,
)
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.pathway.registration import PERSONAL_FIELDS, ensure_writable, find_duplicates
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.pathway.timeline import flush_or_conflict, timeline_entry
from integration_centre.privacy import audit, erasure, person_merge
from integration_centre.privacy.access import access

PURPOSE = "person.merge"
PATHWAY_MODELS = (
    ("cases", Case),
    ("steps", StepInstance),
    ("timeline", TimelineEntry),
    ("dispensations", Dispensation),
    ("documents", EvidenceDocument),
    ("transfers", TransferRequest),
)


def _in_centre(newcomer: Newcomer, centre_id: int | None) -> bool:
    """The file belongs to the centre: registered by one of its offices, or a case there."""
    if centre_id is None:
        return True
    registered = db.session.scalar(select(Office.centre_id).where(Office.id == newcomer.registered_by_office_id))
    if registered == centre_id:
        return True
    return (
        db.session.scalar(select(Case.id).where(Case.person_id == newcomer.id, Case.centre_id == centre_id).limit(1))
        is not None
    )


def may_merge(actor: User, first: Newcomer | None, second: Newcomer | None) -> bool:
    """An agent who sees both files, or the coordinator of the centre both files belong to."""
    if first is None or second is None or first.id == second.id:
        return False
    if actor.role == Role.AGENT:
        return person_visible_to(actor, first) and person_visible_to(actor, second)
    if actor.role == Role.ADMIN:
        return _in_centre(first, actor.centre_id) and _in_centre(second, actor.centre_id)
    return False


def candidates(actor: User, newcomer: Newcomer) -> list[Newcomer]:
    """Other files that look like the same person (same NISS, or same names and birth date) and
    that the actor may merge with ``newcomer``; the search is audited."""
    require(actor.role in (Role.AGENT, Role.ADMIN))
    with access(actor, "duplicate_check", [newcomer.id], action="search"):
        probe = SimpleNamespace(
            niss=newcomer.niss,
            family_name=newcomer.family_name,
            given_names=newcomer.given_names,
            date_of_birth=newcomer.date_of_birth,
        )
    found = find_duplicates(actor, probe)
    return [other for other in found if other.id != newcomer.id and may_merge(actor, newcomer, other)]


def review_pairs(actor: User, review: DuplicateReview) -> list[tuple[Newcomer, Newcomer]]:
    """The pairs (existing file, look-alike file) a duplicate review points to, for the coordinator."""
    pairs = []
    for person_id in review.person_ids:
        existing = db.session.get(Newcomer, uuid.UUID(person_id))
        if existing is None or erasure.erased_on(existing.id) is not None:
            continue
        pairs.extend((existing, other) for other in candidates(actor, existing))
    return pairs


def summary(actor: User, newcomer: Newcomer) -> dict:
    """One file decrypted for the comparison page (audited), with its cases."""
    with access(actor, PURPOSE, [newcomer.id]):
        values = {name: getattr(newcomer, name) for name in PERSONAL_FIELDS}
    cases = list(db.session.scalars(select(Case).where(Case.person_id == newcomer.id).order_by(Case.opened_on)))
    values.update(
        id=newcomer.id,
        cases=cases,
        active=any(c.status in ACTIVE_CASE_STATUSES for c in cases),
        dispensations=db.session.scalar(select(db.func.count()).where(Dispensation.person_id == newcomer.id)),
        documents=db.session.scalar(select(db.func.count()).where(EvidenceDocument.person_id == newcomer.id)),
    )
    return values


def compare(actor: User, first: Newcomer, second: Newcomer) -> tuple[dict, dict]:
    """Both files side by side (404 unless the actor may merge them)."""
    require(may_merge(actor, first, second))
    return summary(actor, first), summary(actor, second)


def _has_active_case(person_id: uuid.UUID) -> bool:
    query = select(Case.id).where(Case.person_id == person_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
    return db.session.scalar(query.limit(1)) is not None


def merge_files(
    actor: User, kept: Newcomer, removed: Newcomer, *, review: DuplicateReview | None = None
) -> MergeRecord:
    """Merge ``removed`` into ``kept`` (see the module docstring); flushes, the caller commits."""
    require(may_merge(actor, kept, removed))
    for person in (kept, removed):
        if erasure.erased_on(person.id) is not None:
            raise PathwayError(_("One of the files was erased: it cannot be merged."))
        ensure_writable(person.id)
    if _has_active_case(kept.id) and _has_active_case(removed.id):
        raise PathwayError(
            _("Both files have an active case: close the one that should not go on, then merge the files.")
        )
    kept_id, removed_id = kept.id, removed.id
    moved: dict[str, int] = {}
    with access(actor, PURPOSE, [kept_id, removed_id], action="update"):
        moved_cases = list(db.session.scalars(select(Case).where(Case.person_id == removed_id)))
        for kind, model in PATHWAY_MODELS:
            moved[kind] = person_merge.move_rows(model, removed_id, kept_id)
        for earlier in db.session.scalars(select(MergeRecord).where(MergeRecord.kept_person_id == removed_id)):
            earlier.kept_person_id = kept_id  # a file that absorbed another one earlier
        for _name, handler in person_merge.handlers():
            for kind, count in (handler(actor, removed_id, kept_id) or {}).items():
                moved[kind] = moved.get(kind, 0) + count
        flush_or_conflict()
        forgotten = person_merge.leftovers(removed_id, except_tables={Newcomer.__tablename__})
        if forgotten:  # never shred data that was not moved
            raise PathwayError(
                _("The files could not be merged: some records could not be moved. Nothing was changed.")
            )
        for case in moved_cases:
            timeline_entry(actor, case, "case.merge")
    record = MergeRecord(
        kept_person_id=kept_id,
        removed_person_id=removed_id,
        merged_by_id=actor.id,
        merged_at=utcnow(),
        moved={kind: count for kind, count in moved.items() if count},
    )
    db.session.add(record)
    for item in db.session.scalars(select(DuplicateReview).where(DuplicateReview.status == "open")):
        if str(removed_id) in (item.person_ids or []) or (review is not None and item.id == review.id):
            item.status, item.reviewed_by_id, item.reviewed_at = "reviewed", actor.id, utcnow()
    audit.record("merge", "person", kept_id, purpose=PURPOSE, actor=actor)
    flush_or_conflict()
    db.session.expire(kept, ["cases"])
    db.session.expire(removed, ["cases"])
    db.session.delete(removed)
    db.session.flush()
    person_merge.shred_removed(removed_id, actor=actor)
    db.session.flush()
    return record
