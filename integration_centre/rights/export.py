"""Access (GDPR Art. 15) and portability (Art. 20): everything held about one person.

``build(actor, item)`` gathers, inside one audited access context (action "export"), the data of
every registered subject-data provider and the list of accesses to the person's data from the
audit log (who by role and organisation, when, what, why). It returns a JSON document valid
against ``schemas/subject_export.schema.json`` (shipped in the package) and a readable PDF.

``produce(actor, item)`` stores both, encrypted under the person's key, as ``ExportFile`` rows
that the admin who produced them downloads once (``take``); both steps are audited.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf.enums import XPos, YPos
from sqlalchemy import select

from integration_centre.clock import utcnow
from integration_centre.core.pdf import FONT, Document
from integration_centre.extensions import db
from integration_centre.privacy import audit, person_merge, subject_data
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import PrivacyRefusal
from integration_centre.privacy.models import AuditRecord, Restriction
from integration_centre.rights.labels import AUDIT_ACTION_LABELS
from integration_centre.rights.models import ExportFile, NoticeGiven, RectificationEntry, SubjectRequest

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "subject_export.schema.json"
SCHEMA_VERSION = "1.0"
PURPOSE = "rights.access"
PDF_LANGUAGES = ("fr", "en", "nl")

MODULE_LABELS = {
    "pathway": _l("Newcomer file and integration pathway"),
    "reception": _l("Reception: assessment, session, test, agreement and certificates"),
    "operators": _l("Referrals to operators"),
    "workspace": _l("Case work: interviews, extensions and notices"),
    "privacy": _l("Privacy notice, requests, rectifications and restrictions"),
    "space": _l("The person's own space: personal links and account"),
}

# describe(actor_ids) -> {actor id: {"role": ..., "organisation": ...}}; registered by the web layer
# (it knows the user accounts), so the export names organisations without privacy importing them.
_actor_describers: list[Callable[[set[str]], dict[str, dict[str, str | None]]]] = []


def register_actor_describer(describe: Callable[[set[str]], dict[str, dict[str, str | None]]]) -> None:
    """Register the function that gives each actor id's role and organisation name."""
    if describe not in _actor_describers:
        _actor_describers.append(describe)


def schema() -> dict:
    """The JSON Schema of the export document."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def accesses(person_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every audit record about the person, oldest first: when, what, why, who (role, organisation)."""
    rows = db.session.scalars(
        select(AuditRecord)
        .where(AuditRecord.object_type == "person", AuditRecord.object_id == str(person_id))
        .order_by(AuditRecord.seq)
    ).all()
    ids = {r.actor_id for r in rows if r.actor_id}
    described: dict[str, dict[str, str | None]] = {}
    for describe in _actor_describers:
        described.update(describe(ids))
    result = []
    for rec in rows:
        who = described.get(rec.actor_id or "", {})
        result.append(
            {
                "at": rec.occurred_at.isoformat(),
                "action": rec.action,
                "purpose": rec.purpose,
                "actor_role": rec.actor_role,
                "organisation": who.get("organisation"),
                "audit_seq": rec.seq,
            }
        )
    return result


def build(actor: Any, item: SubjectRequest, *, generated_at: datetime | None = None) -> dict[str, Any]:
    """The export document of the request's person (opens an audited "export" access context)."""
    person_id = item.person_id
    data: dict[str, Any] = {}
    with access(actor, PURPOSE, [person_id], action="export"):
        for name, export in subject_data.exporters():
            part = export(person_id) or {}
            if part:
                data[name] = _jsonable(part)
        exporting = {name for name, _export in subject_data.exporters()} | {"privacy", "rights"}
        for name, part in generic_sections(person_id, skip_packages=exporting).items():
            data[name] = _jsonable(part)
    return {
        "schema": "integration_centre/subject_export",
        "schema_version": SCHEMA_VERSION,
        "generated_at": (generated_at or utcnow()).isoformat(),
        "person_id": str(person_id),
        "request": {"reference": item.reference, "kind": item.kind, "received_on": item.received_on.isoformat()},
        "data": data,
        "accesses": accesses(person_id),
    }


def _person_models() -> list[tuple[str, Any, str]]:
    """(package, model class, person attribute) of every mapped model holding rows about a person."""
    from integration_centre.privacy.fields import EncryptedField

    found = []
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        parts = cls.__module__.split(".")
        if len(parts) < 3 or parts[0] != "integration_centre":
            continue
        person_attr = getattr(cls, "__privacy_person_attr__", "person_id")
        if person_attr not in mapper.columns:
            continue
        encrypted = any(isinstance(v, EncryptedField) for k in cls.__mro__ for v in vars(k).values())
        if encrypted or person_attr == "person_id":
            found.append((parts[1], cls, person_attr))
    return sorted(found, key=lambda item: (item[0], item[1].__tablename__))


def _row_dict(row: Any) -> dict[str, Any]:
    from sqlalchemy import LargeBinary

    from integration_centre.privacy.fields import EncryptedField

    mapper = row.__mapper__
    values = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if isinstance(column.type, LargeBinary):
            continue
        values[attr.key] = getattr(row, attr.key)
    for klass in type(row).__mro__:
        for key, value in vars(klass).items():
            if isinstance(value, EncryptedField) and key not in values:
                values[key] = getattr(row, key)
    return values


def generic_sections(person_id: uuid.UUID, *, skip_packages: set[str]) -> dict[str, dict[str, list]]:
    """Every row about the person in the packages without their own exporter, by table.

    So that a module added later is never left out of an access request: its rows are exported
    column by column (encrypted fields decrypted) until it registers a structured exporter.
    Runs inside the caller's access context.
    """
    sections: dict[str, dict[str, list]] = {}
    for package, model, person_attr in _person_models():
        if package in skip_packages:
            continue
        rows = db.session.scalars(select(model).where(getattr(model, person_attr) == person_id)).all()
        if rows:
            sections.setdefault(package, {})[model.__tablename__] = [_row_dict(r) for r in rows]
    return sections


# --- PDF --------------------------------------------------------------------------------------


class _Pdf(Document):
    def __init__(self, title: str, footer: str) -> None:
        super().__init__(title, footer)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def line_text(self, text: str, indent: int = 0, bold: bool = False, size: int = 9) -> None:
        self.set_x(self.l_margin + indent * 5)
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# Labels of this desk's own field codes (their msgids are those of the forms); the domain's come
# from its subject-data providers (``labels``); other codes are humanised.
FIELD_LABELS = {
    "status": _l("Status"),
    "details": _l("Details"),
    "answer": _l("Answer"),
}


def _label(key: str | None) -> str:
    if key is None:
        return ""
    labels = subject_data.field_labels()
    if key in labels:
        return str(labels[key])
    return key.replace("_", " ").capitalize()


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _write_value(pdf: _Pdf, key: str | None, value: Any, indent: int) -> None:
    if key is not None and key.endswith("_base64"):
        pdf.line_text(f"{_label(key)} : " + _("(file content: in the JSON export)"), indent)
    elif isinstance(value, dict):
        if key is not None:
            pdf.line_text(_label(key), indent, bold=True)
            indent += 1
        for sub_key, sub_value in value.items():
            _write_value(pdf, sub_key, sub_value, indent)
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        if key:
            pdf.line_text(f"{_label(key)} ({len(value)})", indent, bold=True)
        for number, entry in enumerate(value, start=1):
            pdf.line_text(f"{number}.", indent + 1, bold=True)
            _write_value(pdf, None, entry, indent + 2)
    elif isinstance(value, list):
        pdf.line_text(f"{_label(key)} : {', '.join(_value_text(v) for v in value) or '—'}", indent)
    else:
        pdf.line_text(f"{_label(key)} : {_value_text(value)}", indent)


def render_pdf(document: dict[str, Any], *, person_name: str | None, language: str = "fr") -> bytes:
    """The export as a readable PDF (French by default; English or Dutch on request)."""
    language = language if language in PDF_LANGUAGES else "fr"
    with force_locale(language):
        title = _("Your personal data held by the integration centre")
        pdf = _Pdf(title, _("Copy given under GDPR Art. 15 and 20 — request %(ref)s",
                            ref=document["request"]["reference"]))  # fmt: skip
        pdf.heading(title, 15)
        if person_name:
            pdf.line_text(_("Person: %(name)s", name=person_name), bold=True, size=11)
        pdf.line_text(_("File identifier: %(id)s", id=document["person_id"]))
        pdf.line_text(_("Produced on: %(at)s", at=document["generated_at"][:19].replace("T", " ") + " UTC"))
        pdf.line_text(_("The same data is given in a machine-readable file (JSON) on request."))
        pdf.heading(_("Modules"))
        for name in document["data"]:
            pdf.line_text("• " + str(MODULE_LABELS.get(name, name)))
        for name, part in document["data"].items():
            pdf.heading(str(MODULE_LABELS.get(name, name)))
            _write_value(pdf, None, part, 0)
        pdf.heading(_("Who accessed your data"))
        if not document["accesses"]:
            pdf.line_text(_("No access recorded."))
        for entry in document["accesses"]:
            who = entry["actor_role"] + (f" — {entry['organisation']}" if entry.get("organisation") else "")
            pdf.line_text(
                f"{entry['at'][:16].replace('T', ' ')} · {AUDIT_ACTION_LABELS.get(entry['action'], entry['action'])} · "
                f"{who} · {entry.get('purpose') or '—'}"
            )
        return bytes(pdf.output())


# --- Stored files, downloadable once ---------------------------------------------------------


def produce(
    actor: Any, item: SubjectRequest, *, person_name: str | None = None, language: str = "fr"
) -> list[ExportFile]:
    """Build the export and store it (JSON and PDF) for one download by ``actor``; audited."""
    if item.kind not in ("access", "portability"):
        raise PrivacyRefusal(_("Only an access or portability request produces an export."))
    document = build(actor, item)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    pdf = render_pdf(document, person_name=person_name, language=language)
    files = []
    with access(actor, PURPOSE, [item.person_id], action="export"):
        parts = (("json", text, len(text.encode())), ("pdf", base64.b64encode(pdf).decode(), len(pdf)))
        for fmt, content, size in parts:
            row = ExportFile(id=uuid.uuid4(), person_id=item.person_id, request_id=item.id, format=fmt,
                             created_by_id=actor.id, size=size)  # fmt: skip
            row.content = content
            db.session.add(row)
            files.append(row)
    if item.status == "received":
        item.status = "in_progress"
    db.session.flush()
    audit.record("export", "subject_request", str(item.id), purpose=PURPOSE, actor=actor)
    return files


def pending_files(item: SubjectRequest) -> list[ExportFile]:
    """The request's export files, newest first."""
    return list(
        db.session.scalars(
            select(ExportFile).where(ExportFile.request_id == item.id).order_by(ExportFile.created_at.desc())
        )
    )


def take(actor: Any, file_id: uuid.UUID) -> tuple[ExportFile, bytes]:
    """The file's bytes, once, for the admin who produced it; the stored copy is wiped; audited.

    Raises ``LookupError`` when the file does not exist, belongs to someone else or was already
    downloaded.
    """
    row = db.session.get(ExportFile, file_id)
    if row is None or row.created_by_id != getattr(actor, "id", None) or row.downloaded_at is not None:
        raise LookupError(file_id)
    with access(actor, PURPOSE, [row.person_id], action="export"):
        content = row.content
        if content is None:
            raise LookupError(file_id)
        data = base64.b64decode(content) if row.format == "pdf" else content.encode("utf-8")
        row.content = None
    row.downloaded_at = utcnow()
    audit.record("download", "export_file", str(row.id), purpose=PURPOSE, actor=actor)
    db.session.flush()
    return row, data


# --- The desk's own subject data ----------------------------------------------------------------


def _privacy_export(person_id: uuid.UUID) -> dict[str, Any]:
    """Notices given, requests, rectifications and restrictions of the person (inside the caller's context)."""

    def rows(model, order):
        return list(db.session.scalars(select(model).where(model.person_id == person_id).order_by(order)))

    result = {
        "notices_given": [
            {"given_on": r.given_on, "notice_version": r.notice_version, "language": r.language}
            for r in rows(NoticeGiven, NoticeGiven.given_on)
        ],
        "requests": [
            {
                **{name: getattr(r, name) for name in ("reference", "kind", "status", "received_on", "due_on")},
                **{name: getattr(r, name) for name in ("closed_on", "details", "extension_reason", "answer")},
            }
            for r in rows(SubjectRequest, SubjectRequest.received_on)
        ],
        "rectifications": [
            {"field": r.field, "at": r.rectified_at, "previous_value": r.previous_value, "new_value": r.new_value}
            for r in rows(RectificationEntry, RectificationEntry.rectified_at)
        ],
        "restrictions": [
            {"started_at": r.started_at, "lifted_at": r.lifted_at} for r in rows(Restriction, Restriction.started_at)
        ],
    }
    return result if any(result.values()) else {}


def register_subject_data() -> None:
    """Register the desk's own provider (named "privacy" in the export) with its field labels."""
    subject_data.register("privacy", export=_privacy_export, labels=FIELD_LABELS)
    person_merge.register_person_merge("rights", _merge_person)


def _merge_person(_actor, removed_id, kept_id) -> dict[str, int]:
    """Move the data-subject requests, exports, rectifications and notices of a merged-away file."""
    moved = 0
    for model in (SubjectRequest, ExportFile, RectificationEntry, NoticeGiven):
        moved += person_merge.move_rows(model, removed_id, kept_id)
    return {"rights": moved}
