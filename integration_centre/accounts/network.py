"""The network: centres, reception offices and operator organisations, their territories and history.

Rules callable without HTTP; they flush, never commit (one transaction per request or command).
Every create and edit writes an audit record (``network.admin`` purpose); a page's history is read
back from those records. Deactivation needs the open cases and referrals, which live above this
package: it is in ``operators/network.py``.

The territories are NIS codes checked against the project's reference data, read here by path
(``pathway/data``) because accounts imports no pathway module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, User
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.context import Actor
from integration_centre.privacy.models import AuditRecord

DATA_DIR = Path(__file__).resolve().parent.parent / "pathway" / "data"
PURPOSE = "network.admin"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The public names of the eight Walloon regional integration centres, by their usual code.
REFERENCE_NAMES = {
    "CRIPEL": "Centre régional d'intégration de Liège (CRIPEL)",
    "CRVI": "Centre régional de Verviers pour l'intégration (CRVI)",
    "CAI": "Centre d'action interculturelle de la province de Namur (CAI)",
    "CRIBW": "Centre régional d'intégration du Brabant wallon (CRIBW)",
    "CRIC": "Centre régional d'intégration de Charleroi (CRIC)",
    "CERAIC": "Centre régional d'action interculturelle du Centre (CeRAIC)",
    "CIMB": "Centre interculturel de Mons et du Borinage (CIMB)",
    "CRILUX": "Centre régional d'intégration de la province de Luxembourg (CRILUX)",
}


class NetworkInvalid(DomainError):
    """Bad input: ``errors`` (also ``field_errors``) maps a form field name to its translated
    messages. Nothing was written."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(_("Correct the highlighted fields."), errors)
        self.errors = errors


class NetworkRefused(DomainError):
    """A rule refuses the action (e.g. deactivating an office with open cases); ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)


# --- reference data ----------------------------------------------------------------------------


@cache
def _municipalities() -> dict[str, dict]:
    document = json.loads((DATA_DIR / "municipalities.json").read_text(encoding="utf-8"))
    return {raw["nis_code"]: raw for raw in document["municipalities"]}


def selectable_municipalities(on: date | None = None) -> set[str]:
    """NIS codes a territory may hold: municipalities valid on ``on`` (today) that a Walloon
    centre may cover (never the German-speaking ones)."""
    day = (on or clock.today()).isoformat()
    return {
        code
        for code, raw in _municipalities().items()
        if not raw["german_speaking"]
        and raw["valid_from"] <= day
        and (raw["valid_until"] is None or day <= raw["valid_until"])
    }


@cache
def reference_territories() -> dict[str, tuple[str, ...]]:
    """Centre code → NIS codes of its territory from ``centre_territories.yaml`` (arrondissements,
    plus ``add``, minus ``remove``), only municipalities valid today, German-speaking ones never."""
    document = yaml.safe_load((DATA_DIR / "centre_territories.yaml").read_text(encoding="utf-8"))
    valid = selectable_municipalities()
    result = {}
    for code, spec in document["centres"].items():
        arrondissements = set(spec.get("arrondissements", []))
        codes = {c for c, raw in _municipalities().items() if raw["arrondissement_code"] in arrondissements}
        codes |= set(spec.get("add", []))
        codes -= set(spec.get("remove", []))
        result[code] = tuple(sorted(codes & valid))
    return result


def municipality_name(code: str, locale: str = "fr") -> str:
    """The municipality's name in ``locale`` (the code when unknown)."""
    raw = _municipalities().get(code)
    if raw is None:
        return code
    return raw["name_nl"] if locale.startswith("nl") else raw["name_fr"]


def territory_errors(codes: list[str], within: set[str] | None = None) -> list[str]:
    unknown = sorted(set(codes) - selectable_municipalities())
    if unknown:
        return [_("Unknown municipality code: %(codes)s.", codes=", ".join(unknown))]
    if within is not None:
        outside = sorted(set(codes) - within)
        if outside:
            names = ", ".join(f"{municipality_name(c)} ({c})" for c in outside)
            return [_("Outside the centre's territory: %(names)s.", names=names)]
    return []


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def _name_errors(name: str) -> list[str]:
    if not name:
        return [_("Enter the name.")]
    if len(name) > 200:
        return [_("At most 200 characters.")]
    return []


def _address_errors(address: str) -> list[str]:
    return [_("At most 300 characters.")] if len(address) > 300 else []


def record_change(action: str, object_type: str, object_id: int, acting: User | Actor | None) -> None:
    """One audit record for a change of the network (who, when, which object)."""
    audit.record(action, object_type, object_id, purpose=PURPOSE, actor=acting)


@dataclass(frozen=True)
class HistoryEntry:
    """One change of an object, as the history table shows it."""

    occurred_at: object
    action: str
    actor: str


def history(object_type: str, object_id: int, limit: int = 100) -> list[HistoryEntry]:
    """The audited changes of one centre, office or organisation, newest first."""
    records = db.session.scalars(
        select(AuditRecord)
        .where(AuditRecord.object_type == object_type, AuditRecord.object_id == str(object_id))
        .order_by(AuditRecord.seq.desc())
        .limit(limit)
    ).all()
    ids = {int(r.actor_id) for r in records if r.actor_id and r.actor_id.isdigit()}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}

    def who(r: AuditRecord) -> str:
        if r.actor_id and r.actor_id.isdigit():
            return names.get(int(r.actor_id), r.actor_id)
        return _("System (%(name)s)", name=r.actor_role.removeprefix("system:"))

    return [HistoryEntry(r.occurred_at, r.action, who(r)) for r in records]


# --- centres -----------------------------------------------------------------------------------


@dataclass
class CentreData:
    """What an admin types for a centre."""

    code: str = ""
    name: str = ""
    address: str = ""
    territory: list[str] = field(default_factory=list)
    # Which region's pathway definitions the centre runs; ``known_jurisdictions`` are those with
    # installed definitions (the caller reads them from the pathway: accounts sits below it).
    jurisdiction: str = "wallonia"
    known_jurisdictions: tuple[str, ...] = ()


def _centre_errors(data: CentreData, centre: Centre | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    code = clean_text(data.code).upper()
    if not code:
        errors["code"] = [_("Enter the code.")]
    elif not _CODE.match(code):
        errors["code"] = [_("2 to 32 capital letters, digits, - or _.")]
    else:
        query = select(Centre.id).where(func.upper(Centre.code) == code)
        if centre is not None:
            query = query.where(Centre.id != centre.id)
        if db.session.scalar(query) is not None:
            errors["code"] = [_("Another centre already has this code.")]
    if problems := _name_errors(clean_text(data.name)):
        errors["name"] = problems
    if problems := _address_errors(clean_text(data.address)):
        errors["address"] = problems
    if problems := territory_errors(data.territory):
        errors["territory"] = problems
    jurisdiction = clean_text(data.jurisdiction)
    if not jurisdiction or (data.known_jurisdictions and jurisdiction not in data.known_jurisdictions):
        errors["jurisdiction"] = [_("Choose a region whose pathway rules are installed.")]
    return errors


def _apply_centre(centre: Centre, data: CentreData) -> None:
    centre.code = clean_text(data.code).upper()
    centre.name = clean_text(data.name)
    centre.address = clean_text(data.address) or None
    centre.territory = sorted(set(data.territory))
    centre.jurisdiction = clean_text(data.jurisdiction)


def create_centre(acting: User, data: CentreData) -> Centre:
    """Create a centre (code unique, municipalities from the reference data), audited."""
    if errors := _centre_errors(data, None):
        raise NetworkInvalid(errors)
    centre = Centre(mfa_required=False)
    _apply_centre(centre, data)
    db.session.add(centre)
    db.session.flush()
    record_change("centre_create", "centre", centre.id, acting)
    return centre


def update_centre(acting: User, centre: Centre, data: CentreData) -> Centre:
    """Change a centre's code, name, address, territory or jurisdiction, audited.

    A new jurisdiction applies to the cases opened from then on: a case keeps its definition.

    Refused when it would leave one of its offices serving a municipality outside the new
    territory (the office must be changed first).
    """
    if errors := _centre_errors(data, centre):
        raise NetworkInvalid(errors)
    territory = set(data.territory)
    for office in centre.offices:
        outside = sorted(set(office.territory) - territory)
        if outside:
            names = ", ".join(municipality_name(c) for c in outside)
            raise NetworkInvalid(
                {
                    "territory": [
                        _(
                            "The office %(office)s serves %(names)s: change the office first.",
                            office=office.name,
                            names=names,
                        )
                    ]
                }
            )
    _apply_centre(centre, data)
    db.session.flush()
    record_change("centre_update", "centre", centre.id, acting)
    return centre


def load_reference_centres() -> int:
    """Create the eight Walloon centres and their territories from the reference data when missing.

    A centre whose code exists is never touched (an admin may have edited it). Returns the
    number of centres added (0 on a second run). Audited as the system (``init``).
    """
    added = 0
    existing = set(db.session.scalars(select(func.upper(Centre.code))))
    for code, territory in reference_territories().items():
        if code.upper() in existing:
            continue
        centre = Centre(code=code, name=REFERENCE_NAMES.get(code, code), territory=list(territory))
        centre.mfa_required = False
        db.session.add(centre)
        db.session.flush()
        record_change("centre_create", "centre", centre.id, Actor.system("init"))
        added += 1
    return added


# --- reception offices -------------------------------------------------------------------------


@dataclass
class OfficeData:
    """What an admin types for a reception office. ``opening_hours``: day → [(opens, closes)]
    as "HH:MM" strings; a day without interval is closed."""

    name: str = ""
    address: str = ""
    territory: list[str] = field(default_factory=list)
    opening_hours: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def hours_errors(hours: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """Errors of opening hours, keyed ``<day>_opens`` / ``<day>_closes`` (the form's fields)."""
    errors: dict[str, list[str]] = {}
    for day, intervals in hours.items():
        if day not in DAYS:
            errors.setdefault("opening_hours", []).append(_("Unknown day."))
            continue
        for opens, closes in intervals:
            if not opens and not closes:
                continue
            if not opens or not _TIME.match(opens):
                errors[f"{day}_opens"] = [_("Enter the opening time, e.g. 09:00.")]
            elif not closes or not _TIME.match(closes):
                errors[f"{day}_closes"] = [_("Enter the closing time, e.g. 16:30.")]
            elif closes <= opens:
                errors[f"{day}_closes"] = [_("The closing time must be after the opening time.")]
    return errors


def _office_errors(centre: Centre, data: OfficeData, office: Office | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = clean_text(data.name)
    if problems := _name_errors(name):
        errors["name"] = problems
    else:
        query = select(Office.id).where(Office.centre_id == centre.id, func.lower(Office.name) == name.lower())
        if office is not None:
            query = query.where(Office.id != office.id)
        if db.session.scalar(query) is not None:
            errors["name"] = [_("This centre already has an office with this name.")]
    if problems := _address_errors(clean_text(data.address)):
        errors["address"] = problems
    if problems := territory_errors(data.territory, within=set(centre.territory or [])):
        errors["territory"] = problems
    errors.update(hours_errors(data.opening_hours))
    return errors


def _apply_office(office: Office, data: OfficeData) -> None:
    office.name = clean_text(data.name)
    office.address = clean_text(data.address) or None
    office.territory = sorted(set(data.territory))
    hours = {day: [[o, c] for o, c in data.opening_hours.get(day, []) if o and c] for day in DAYS}
    office.opening_hours = {day: pairs for day, pairs in hours.items() if pairs}


def create_office(acting: User, centre: Centre, data: OfficeData) -> Office:
    """Create an active reception office of ``centre`` (territory within the centre's), audited."""
    if errors := _office_errors(centre, data, None):
        raise NetworkInvalid(errors)
    office = Office(centre_id=centre.id, is_active=True)
    _apply_office(office, data)
    db.session.add(office)
    db.session.flush()
    record_change("office_create", "office", office.id, acting)
    return office


def update_office(acting: User, office: Office, data: OfficeData) -> Office:
    """Change an office's name, address, territory or opening hours, audited."""
    if errors := _office_errors(office.centre, data, office):
        raise NetworkInvalid(errors)
    _apply_office(office, data)
    db.session.flush()
    record_change("office_update", "office", office.id, acting)
    return office


# --- operator organisations --------------------------------------------------------------------


@dataclass
class OrganisationData:
    """What an admin types for an operator organisation."""

    name: str = ""
    centre_id: int | None = None
    address: str = ""
    contact_email: str = ""


def _organisation_errors(data: OrganisationData, organisation: OperatorOrganisation | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = clean_text(data.name)
    if problems := _name_errors(name):
        errors["name"] = problems
    else:
        query = select(OperatorOrganisation.id).where(func.lower(OperatorOrganisation.name) == name.lower())
        if organisation is not None:
            query = query.where(OperatorOrganisation.id != organisation.id)
        if db.session.scalar(query) is not None:
            errors["name"] = [_("An organisation with this name already exists.")]
    if data.centre_id is None or db.session.get(Centre, data.centre_id) is None:
        errors["centre_id"] = [_("Choose the centre this organisation works with.")]
    if problems := _address_errors(clean_text(data.address)):
        errors["address"] = problems
    email = clean_text(data.contact_email)
    if email and (len(email) > 254 or not is_valid_email(email)):
        errors["contact_email"] = [_("Enter an e-mail address like name@example.be.")]
    return errors


def create_organisation(acting: User, data: OrganisationData) -> OperatorOrganisation:
    """Create an active operator organisation (name unique), audited. The contact e-mail is
    checked here and kept in the directory entry by ``operators.network``."""
    if errors := _organisation_errors(data, None):
        raise NetworkInvalid(errors)
    organisation = OperatorOrganisation(
        name=clean_text(data.name), centre_id=data.centre_id, address=clean_text(data.address) or None, is_active=True
    )
    db.session.add(organisation)
    db.session.flush()
    record_change("organisation_create", "operator_organisation", organisation.id, acting)
    return organisation


def update_organisation(acting: User, organisation: OperatorOrganisation, data: OrganisationData):
    """Change an organisation's name, centre or address, audited."""
    if errors := _organisation_errors(data, organisation):
        raise NetworkInvalid(errors)
    organisation.name = clean_text(data.name)
    organisation.centre_id = data.centre_id
    organisation.address = clean_text(data.address) or None
    db.session.flush()
    record_change("organisation_update", "operator_organisation", organisation.id, acting)
    return organisation


def is_valid_email(value: str) -> bool:
    """A plausible e-mail address (one @, a dot in the domain, no spaces)."""
    return bool(_EMAIL.match(value or ""))
