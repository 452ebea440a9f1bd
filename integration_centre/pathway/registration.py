"""Registering a newcomer: validation, duplicate check by blind indexes, creation.

All personal values are written through the privacy core inside an access context; the
duplicate search uses only blind indexes and then decrypts the few candidates to drop false
positives.

The duplicate check searches every office, so it must not become a silent oracle ("is this
person known anywhere in the region?"): ``check_duplicates`` commits its audit records (and, for
a match in another office, a review task for the centre's coordinator) in their own transaction
before the registration goes on, tells the agent only THAT a possible duplicate exists in
another office, and is rate-limited per user (``DUPLICATE_CHECKS_PER_HOUR``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import fields as fields_of
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import niss as niss_module
from integration_centre.pathway import reference
from integration_centre.pathway.errors import (
    DuplicateCheckLimited,
    DuplicateSuspected,
    PathwayError,
    RegistrationInvalid,
)
from integration_centre.pathway.models import (
    EDUCATION_LEVELS,
    RESIDENCE_CATEGORIES,
    SEXES,
    DuplicateReview,
    Newcomer,
)
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.privacy import audit, blind_index, fields, keys, restrictions
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import RestrictedError
from integration_centre.privacy.models import AuditRecord

PERSONAL_FIELDS = (
    "family_name",
    "given_names",
    "date_of_birth",
    "sex",
    "nationality",
    "niss",
    "address",
    "municipality_code",
    "phone",
    "email",
    "languages",
    "preferred_language",
    "interpreter_language",
    "residence_category",
    "permit_order_date",
    "permit_validity_months",
    "registration_date",
    "education_level",
)
DEFAULT_DUPLICATE_CHECKS_PER_HOUR = 30
CHECK_ACTION = "duplicate_check"  # the audit action of one check (the rate limit counts them)
CHECK_PURPOSE = "duplicate_check"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ./()-]{6,20}$")


@dataclass
class NewcomerData:
    """What an agent types for a newcomer (all personal; encrypted once stored)."""

    family_name: str
    given_names: str
    date_of_birth: date
    sex: str
    nationality: str
    residence_category: str
    permit_order_date: date | None = None
    registration_date: date | None = None
    permit_validity_months: int | None = None
    niss: str | None = None
    address: str | None = None
    municipality_code: str | None = None
    phone: str | None = None
    email: str | None = None
    languages: list[str] = field(default_factory=list)
    preferred_language: str | None = None
    interpreter_language: str | None = None
    education_level: str | None = None


_DATA_FIELDS = tuple(f.name for f in fields_of(NewcomerData))


@dataclass
class ValidationOutcome:
    """Field errors (refuse) and warnings (show, accept)."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    niss: str | None = None  # the compact number when valid


def validate(data: NewcomerData, *, today: date | None = None) -> ValidationOutcome:
    """Check every field of ``data``; the messages are ready to show beside the fields."""
    today = today or clock.today()
    outcome = ValidationOutcome()
    errors = outcome.errors
    if not (data.family_name or "").strip():
        errors["family_name"] = _("Enter the family name.")
    if not (data.given_names or "").strip():
        errors["given_names"] = _("Enter the given names.")
    if data.date_of_birth is None:
        errors["date_of_birth"] = _("Enter the date of birth.")
    elif data.date_of_birth > today:
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    elif data.date_of_birth.year < today.year - 120:
        errors["date_of_birth"] = _("The date of birth is more than 120 years ago: check the year.")
    if data.sex not in SEXES:
        errors["sex"] = _("Choose the sex.")
    if not reference.is_valid_nationality(data.nationality):
        errors["nationality"] = _("Choose a nationality from the list.")
    elif data.nationality == "BE":
        errors["nationality"] = _("Belgian citizens are not newcomers.")
    if data.residence_category not in RESIDENCE_CATEGORIES:
        errors["residence_category"] = _("Choose the residence status.")
    for name in ("permit_order_date", "registration_date"):
        value = getattr(data, name)
        if value is not None and value > today:
            errors[name] = _("This date cannot be in the future.")
        elif value is not None and data.date_of_birth is not None and value < data.date_of_birth:
            errors[name] = _("This date is before the date of birth.")
    if data.permit_validity_months is not None and not 0 < data.permit_validity_months <= 240:
        errors["permit_validity_months"] = _("Enter the permit's validity in months (1 to 240).")
    if data.niss:
        try:
            checked = niss_module.check(data.niss, date_of_birth=data.date_of_birth, sex=data.sex)
        except niss_module.NissError as exc:
            errors["niss"] = str(exc)
        else:
            outcome.niss = checked.number
            outcome.warnings.extend(checked.warnings)
    if data.municipality_code:
        municipality = reference.municipality(data.municipality_code)
        if municipality is None:
            errors["municipality_code"] = _("Choose a municipality from the list.")
        elif municipality.german_speaking:
            errors["municipality_code"] = _(
                "This municipality belongs to the German-speaking Community, which runs its own pathway."
            )
    if data.email and not EMAIL_RE.match(data.email.strip()):
        errors["email"] = _("Enter an e-mail address like name@example.org.")
    if data.phone and not PHONE_RE.match(data.phone.strip()):
        errors["phone"] = _("Enter a phone number with digits only (and + . / - spaces).")
    for position, code in enumerate(data.languages or []):
        if not reference.is_valid_language(code):
            errors["languages"] = _("Language %(number)s is not in the list.", number=position + 1)
    for name in ("preferred_language", "interpreter_language"):
        code = getattr(data, name)
        if code and not reference.is_valid_language(code):
            errors[name] = _("Choose a language from the list.")
    if data.education_level and data.education_level not in EDUCATION_LEVELS:
        errors["education_level"] = _("Choose the education level.")
    return outcome


def normalised_values(data: NewcomerData, outcome: ValidationOutcome) -> dict:
    """The values to store for valid ``data``: names and e-mail trimmed, the NISS compact."""
    # A shallow copy (``asdict`` deep-copies every value: a third of a batch import's time); the
    # only mutable value, the list of languages, is copied.
    values = {name: getattr(data, name) for name in _DATA_FIELDS}
    values["languages"] = list(data.languages) if data.languages is not None else None
    values["niss"] = outcome.niss
    values["family_name"] = " ".join(data.family_name.split())
    values["given_names"] = " ".join(data.given_names.split())
    values["email"] = data.email.strip() if data.email else None
    return values


MATCH_NISS = "niss"
MATCH_FAMILY_NAME_AND_BIRTH_DATE = "family_name_and_birth_date"


@dataclass(frozen=True)
class DuplicateMatch:
    """One existing file that may be the same person, and why: ``reasons`` holds ``MATCH_NISS``
    and/or ``MATCH_FAMILY_NAME_AND_BIRTH_DATE``; ``same_given_names`` says whether the given names
    match too (they never decide)."""

    newcomer: Newcomer
    reasons: tuple[str, ...]
    same_given_names: bool


def match_duplicates(actor: User, data: NewcomerData) -> list[DuplicateMatch]:
    """Existing files that may be the same person, with the criteria each one matched.

    A file matches on the same national register number, or on the same family name and date of
    birth WHATEVER the given names ("OZTURK, Cagla" and "Öztürk, Çağla Nur" born the same day).
    Accents and other diacritics, case, spaces and hyphens do not matter: the candidates come from
    the ``niss`` and ``family_dob`` blind indexes over normalised values (never a scan of every
    file), then are decrypted inside an audited "search" access to drop the index's false
    positives.
    """
    return match_duplicates_many(actor, [data])[0]


def _compact_niss(data: NewcomerData) -> str | None:
    if not data.niss:
        return None
    try:
        return niss_module.check(data.niss).number
    except niss_module.NissError:
        return None


def match_duplicates_many(actor: User, items: Sequence[NewcomerData]) -> list[list[DuplicateMatch]]:
    """``match_duplicates`` for each of ``items`` (a batch of an import) in a fixed number of
    queries: one for the candidates of every item (blind indexes), one for their files and keys;
    the candidates are decrypted in ONE audited "search" access (one record per candidate)."""
    compacts = [_compact_niss(data) for data in items]
    queries: list[dict] = []
    for data, compact in zip(items, compacts, strict=True):
        # No given name: the family-name-and-birth-date index, so that other given names still match.
        queries.append({"family_name": data.family_name, "birth_date": data.date_of_birth})
        queries.append({"niss": compact} if compact else {})
    found_ids = blind_index.candidates_many(queries)
    per_item = [found_ids[2 * i] | found_ids[2 * i + 1] for i in range(len(items))]
    every = set().union(*per_item) if per_item else set()
    if not every:
        return [[] for _ in items]
    rows = {row.id: row for row in db.session.scalars(db.select(Newcomer).where(Newcomer.id.in_(every)))}
    wanted: dict[uuid.UUID, list[int]] = {}
    for index, ids in enumerate(per_item):
        for person_id in ids:
            if person_id in rows:
                wanted.setdefault(person_id, []).append(index)
    results: list[dict[uuid.UUID, DuplicateMatch]] = [{} for _ in items]

    def same_person(row: Newcomer) -> bool:
        kept = False
        for index in wanted[row.id]:
            data, compact = items[index], compacts[index]
            reasons = []
            if compact and row.niss and row.niss == compact:
                reasons.append(MATCH_NISS)
            if (
                data.date_of_birth is not None
                and row.date_of_birth == data.date_of_birth
                and blind_index.same_text(row.family_name, data.family_name)
            ):
                reasons.append(MATCH_FAMILY_NAME_AND_BIRTH_DATE)
            if reasons:
                same_given = blind_index.same_text(row.given_names, data.given_names)
                results[index][row.id] = DuplicateMatch(row, tuple(reasons), same_given)
                kept = True
        return kept

    ordered = [rows[person_id] for person_id in sorted(wanted, key=str)]
    blind_index.keep_true_matches(ordered, same_person, actor=actor, purpose="duplicate_check")
    return [
        [result[person_id] for person_id in sorted(per_item[index] & result.keys(), key=str)]
        for index, result in enumerate(results)
    ]


def find_duplicates(actor: User, data: NewcomerData) -> list[Newcomer]:
    """The files of ``match_duplicates`` (same NISS, or same family name and date of birth)."""
    return [match.newcomer for match in match_duplicates(actor, data)]


def match_reasons(match: DuplicateMatch) -> list[str]:
    """Why a file was taken for the same person, in the user's language (shown beside the file)."""
    labels = []
    if MATCH_NISS in match.reasons:
        labels.append(_("Same national register number"))
    if MATCH_FAMILY_NAME_AND_BIRTH_DATE in match.reasons:
        if match.same_given_names:
            labels.append(_("Same family name, given names and date of birth"))
        else:
            labels.append(_("Same family name and date of birth (the given names differ)"))
    return labels


@dataclass(frozen=True)
class DuplicateCheck:
    """What a duplicate check may tell the agent: their own office's files, and whether a
    possible duplicate exists in another office (nothing more of it)."""

    existing: list[Newcomer]
    elsewhere: bool
    review_id: uuid.UUID | None = None
    # Why each of ``existing`` matched (``match_reasons``), by file id; never for files elsewhere.
    reasons: dict[uuid.UUID, list[str]] = field(default_factory=dict)

    @property
    def suspected(self) -> bool:
        """True when the agent must look (and confirm) before creating a file."""
        return bool(self.existing) or self.elsewhere


def checks_per_hour() -> int:
    """The per-user limit of duplicate checks in any hour (``DUPLICATE_CHECKS_PER_HOUR``)."""
    return int(current_app.config.get("DUPLICATE_CHECKS_PER_HOUR", DEFAULT_DUPLICATE_CHECKS_PER_HOUR))


def recent_checks(actor: User) -> int:
    """How many duplicate checks ``actor`` ran in the last hour (their committed audit records)."""
    return db.session.scalar(
        select(func.count())
        .select_from(AuditRecord)
        .where(
            AuditRecord.actor_id == str(actor.id),
            AuditRecord.action == CHECK_ACTION,
            AuditRecord.occurred_at >= utcnow() - timedelta(hours=1),
        )
    )


def check_duplicates(actor: User, data: NewcomerData, office: Office, *, today: date | None = None) -> DuplicateCheck:
    """Search every office for the person about to be registered at ``office``; COMMITS.

    Refuses invalid data (``RegistrationInvalid``) and, over the hourly limit, any check
    (``DuplicateCheckLimited``). The candidates are decrypted in an audited "search" access; a
    match in an office the agent may not see files a ``DuplicateReview`` for the centre's
    coordinator; one "duplicate_check" audit record notes the check itself. All of it is
    committed here, in its own transaction, BEFORE the registration: abandoning or failing the
    registration afterwards cannot take the access off the record. Call it before writing
    anything else in the session (whatever is pending is committed with it).
    """
    require(actor.role == Role.AGENT and can_see_office(actor, office.id))
    outcome = validate(data, today=today)
    if outcome.errors:
        raise RegistrationInvalid(_("The file has errors: correct the fields marked."), outcome.errors)
    limit = checks_per_hour()
    if recent_checks(actor) >= limit:
        raise DuplicateCheckLimited(
            _(
                "Too many duplicate checks in the last hour (%(limit)s at most): try again later "
                "or ask the centre's coordinator.",
                limit=limit,
            )
        )
    matches = match_duplicates(actor, data)
    existing = [m.newcomer for m in matches if person_visible_to(actor, m.newcomer)]
    elsewhere = [m.newcomer for m in matches if not person_visible_to(actor, m.newcomer)]
    reasons = {m.newcomer.id: match_reasons(m) for m in matches if person_visible_to(actor, m.newcomer)}
    review = None
    if elsewhere:
        review = DuplicateReview(
            centre_id=office.centre_id,
            office_id=office.id,
            requested_by_id=actor.id,
            person_ids=sorted(str(n.id) for n in elsewhere),
            status="open",
        )
        db.session.add(review)
        db.session.flush()
    review_id = review.id if review else None
    audit.record(CHECK_ACTION, "newcomer_registration", review_id, purpose=CHECK_PURPOSE, actor=actor)
    db.session.commit()
    return DuplicateCheck(existing, bool(elsewhere), review_id, reasons)


def register_newcomer(
    actor: User,
    data: NewcomerData,
    office: Office,
    *,
    confirm_duplicate: bool = False,
    duplicate_check: DuplicateCheck | None = None,
    today: date | None = None,
) -> Newcomer:
    """Create a newcomer's file at ``office`` (the agent's own).

    Raises ``RegistrationInvalid`` (field errors), ``DuplicateCheckLimited`` or
    ``DuplicateSuspected`` (possible duplicates, unless ``confirm_duplicate``). Unless confirmed,
    runs ``check_duplicates`` first (which commits its own audit; pass ``duplicate_check`` when the
    caller already ran it). The file itself is flushed, not committed.
    """
    require(actor.role == Role.AGENT and can_see_office(actor, office.id))
    outcome = validate(data, today=today)
    if outcome.errors:
        raise RegistrationInvalid(_("The file has errors: correct the fields marked."), outcome.errors)
    if not confirm_duplicate:
        check = duplicate_check or check_duplicates(actor, data, office, today=today)
        if check.suspected:
            raise DuplicateSuspected(duplicate_message(check), check.existing, check.elsewhere, check.reasons)
    (person_id,) = register_many(actor, [data], office, today=today)
    return db.session.get(Newcomer, person_id)


def register_many(
    actor: User, items: Sequence[NewcomerData], office: Office, *, today: date | None = None
) -> list[uuid.UUID]:
    """Create the files of ``items`` at ``office`` (the agent's own); returns their ids, in order.

    The one home of a registration's writes (``register_newcomer`` calls it with one item): the
    same validation (``RegistrationInvalid`` for the first item in error, nothing written), and
    per person the same effects — a data key, every personal field encrypted under it (bound to
    the row and the person), the blind indexes, one "create" audit record of the "registration"
    access (chained in order) — in a fixed number of statements whatever the number of items:
    one ``INSERT`` (executemany) each for the keys, the files, the index entries and the audit
    records, and one query for restrictions. The duplicate check is the caller's
    (``check_duplicates`` / ``match_duplicates_many``). Written in the caller's transaction (not
    committed); the rows are not in the session (load them by id when needed).
    """
    require(actor.role == Role.AGENT and can_see_office(actor, office.id))
    values = []
    for data in items:
        outcome = validate(data, today=today)
        if outcome.errors:
            raise RegistrationInvalid(_("The file has errors: correct the fields marked."), outcome.errors)
        values.append(normalised_values(data, outcome))
    if not values:
        return []
    ids = [uuid.uuid4() for _ in values]
    now = utcnow()
    with access(actor, "registration", ids, action="create") as ctx:
        keys.create_person_keys(ids, ctx.keys)
        rows = fields.encrypt_new_rows(
            Newcomer, [{"id": i, **v} for i, v in zip(ids, values, strict=True)], PERSONAL_FIELDS
        )
        for row in rows:
            row.update(registered_by_office_id=office.id, created_at=now, updated_at=now)
        with db.session.no_autoflush:
            db.session.execute(Newcomer.__table__.insert(), rows)
        blind_index.set_new_person_indexes(
            (
                person_id,
                {
                    "family_name": v["family_name"],
                    "given_name": v["given_names"],
                    "birth_date": v["date_of_birth"],
                    "niss": v["niss"],
                },
            )
            for person_id, v in zip(ids, values, strict=True)
        )
    return ids


def duplicate_message(check: DuplicateCheck) -> str:
    """What the agent is told of a suspected duplicate (never a name or an office of elsewhere)."""
    if check.existing:
        return _("A file that looks like the same person already exists: check it before creating another.")
    return _(
        "A file that may be the same person exists in another office: the centre's coordinator "
        "will review it. If you are sure this is another person, submit again to create the file."
    )


def update_newcomer(actor: User, newcomer: Newcomer, data: NewcomerData, *, today: date | None = None) -> list[str]:
    """Correct a file (agent of an office where the person has a case); returns the warnings."""
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    outcome = validate(data, today=today)
    if outcome.errors:
        raise RegistrationInvalid(_("The file has errors: correct the fields marked."), outcome.errors)
    values = normalised_values(data, outcome)
    with access(actor, "newcomer.update", [newcomer.id], action="update"):
        for name in PERSONAL_FIELDS:
            if getattr(newcomer, name) != values[name]:
                setattr(newcomer, name, values[name])
        reindex(newcomer)
    db.session.flush()
    return outcome.warnings


def ensure_writable(person_id) -> None:
    """Refuse any change to a restricted file (GDPR Art. 18) with the privacy core's message."""
    try:
        restrictions.ensure_writable(person_id)
    except RestrictedError as exc:
        raise PathwayError(str(exc), code="restricted") from exc


def reindex(newcomer: Newcomer) -> None:
    """Replace the person's blind-index entries from the file's current values (inside an access)."""
    blind_index.set_person_indexes(
        newcomer.id,
        family_name=newcomer.family_name,
        given_name=newcomer.given_names,
        birth_date=newcomer.date_of_birth,
        niss=newcomer.niss,
    )


def newcomer_id(newcomer: Newcomer):
    """The newcomer's id, assigned now when the row is new (the access context needs it)."""
    if newcomer.id is None:
        newcomer.id = uuid.uuid4()
    return newcomer.id
