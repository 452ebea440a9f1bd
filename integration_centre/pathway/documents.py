"""Evidence documents: checking an upload, storing it sealed under the person's key, reading it back.

A document is recognised from its content (the first bytes: PDF, JPEG or PNG), never from its name
or the browser's content type; the name's extension must agree with what the content is, and the
stored content type is the recognised one. An upload that is empty, too large
(``MAX_DOCUMENT_MB``), unrecognised, misnamed, or whose name carries a path or control characters
is refused before anything is written.

The content is one ``EncryptedField("bytes")`` (AES-256-GCM under the person's data key, bound to
the row): it is never written to disk in clear (the request keeps uploads in memory, see
``core.uploads``). Every read opens an audited access context. A medical certificate is
special-category data (GDPR Art. 9): only the agents of an office that holds one of the person's
cases may store, list or read it; its kind is kept in clear as the coarse code
``special_category`` (the word "medical" is never in clear next to a person).
"""

from __future__ import annotations

import errno
import unicodedata
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Dispensation, EvidenceDocument, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.registration import ensure_writable
from integration_centre.privacy.access import access

MEGABYTE = 1024 * 1024
DEFAULT_MAX_DOCUMENT_MB = 10

MEDICAL_CERTIFICATE = "medical_certificate"
# The code kept in the clear ``kind`` column for a medical certificate (health data, Art. 9).
SPECIAL_CATEGORY = "special_category"

DOCUMENT_KINDS = {
    MEDICAL_CERTIFICATE: _l("Medical certificate"),
    "diploma": _l("Diploma or certificate"),
    "work_contract": _l("Work contract"),
    "signed_agreement": _l("Signed agreement"),
    "other": _l("Other document"),
}
_STORED_KINDS = {MEDICAL_CERTIFICATE: SPECIAL_CATEGORY}
_READ_KINDS = {v: k for k, v in _STORED_KINDS.items()} | {"dispensation": "other"}

# (first bytes, content type, the name endings that agree with it)
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
)
ALLOWED_DOCUMENT_TYPES = tuple(s[1] for s in SIGNATURES)
MAX_FILENAME_LENGTH = 200


@dataclass
class UploadedDocument:
    """An uploaded file, as bytes. ``content_type`` is what the browser claimed: it is ignored."""

    filename: str
    content_type: str | None
    content: bytes = field(repr=False)


def max_document_bytes() -> int:
    """The size limit of one document (``MAX_DOCUMENT_MB``, 10 MB by default)."""
    if has_app_context():
        return int(current_app.config.get("MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_MB * MEGABYTE))
    return DEFAULT_MAX_DOCUMENT_MB * MEGABYTE


def read_upload(storage, limit: int | None = None) -> UploadedDocument | None:
    """The document of a form's file field (a Werkzeug ``FileStorage``), None when no file was chosen.

    Reads at most one byte more than the limit, so a too-large file is refused without reading it all.
    """
    if storage is None or not getattr(storage, "filename", None):
        return None
    limit = max_document_bytes() if limit is None else limit
    content = storage.stream.read(limit + 1)
    return UploadedDocument(storage.filename, storage.mimetype, content)


def recognise(content: bytes) -> str | None:
    """The content type recognised from the first bytes, None when not a PDF, JPEG or PNG."""
    for magic, content_type, _endings in SIGNATURES:
        if content.startswith(magic):
            return content_type
    return None


def check_upload(upload: UploadedDocument) -> tuple[str, str]:
    """(safe file name, recognised content type), or ``PathwayError`` with the reason."""
    name = (upload.filename or "").strip()
    if (
        not name
        or len(name) > MAX_FILENAME_LENGTH
        or "/" in name
        or "\\" in name
        or ".." in name
        or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)
    ):
        message = _("The file name is not accepted: rename the file without slashes, “..” or special characters.")
        raise PathwayError(message, field_errors={"document": message})
    content = upload.content or b""
    if not content:
        raise PathwayError(
            _("The uploaded file is empty."), field_errors={"document": _("The uploaded file is empty.")}
        )
    limit = max_document_bytes()
    if len(content) > limit:
        message = _("The file is larger than %(size)s MB.", size=limit // MEGABYTE)
        raise PathwayError(message, field_errors={"document": message})
    content_type = recognise(content)
    if content_type is None:
        message = _("Upload a PDF, JPEG or PNG file.")
        raise PathwayError(message, field_errors={"document": message})
    endings = next(s[2] for s in SIGNATURES if s[1] == content_type)
    if not name.lower().endswith(endings):
        message = _(
            "The file's name does not match its content (a %(type)s file must end with %(ending)s).",
            type=content_type.split("/")[1].upper(),
            ending=endings[0],
        )
        raise PathwayError(message, field_errors={"document": message})
    return name, content_type


def holds_case(actor: User, person_id) -> bool:
    """True when ``actor`` is an agent of an office holding one of the person's cases (or, before
    any case, of the office that registered the person)."""
    offices = set(db.session.scalars(select(Case.office_id).where(Case.person_id == person_id)))
    if not offices:
        newcomer = db.session.get(Newcomer, person_id)
        offices = {newcomer.registered_by_office_id} if newcomer and newcomer.registered_by_office_id else set()
    return any(can_see_office(actor, office_id) for office_id in offices)


def kind_of(document: EvidenceDocument) -> str:
    """The document's kind (a code of ``DOCUMENT_KINDS``)."""
    return _READ_KINDS.get(document.kind, document.kind if document.kind in DOCUMENT_KINDS else "other")


def is_special_category(document: EvidenceDocument) -> bool:
    """A medical certificate (GDPR Art. 9)."""
    return kind_of(document) == MEDICAL_CERTIFICATE


def may_read(actor: User, document: EvidenceDocument | None) -> bool:
    """Agents who may see the person; for a medical certificate, only those of an office holding a case."""
    if document is None:
        return False
    if not person_visible_to(actor, db.session.get(Newcomer, document.person_id)):
        return False
    return not is_special_category(document) or holds_case(actor, document.person_id)


STORE_FULL_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def store_document(
    actor: User,
    newcomer: Newcomer,
    upload: UploadedDocument,
    kind: str,
    *,
    case: Case | None = None,
    dispensation: Dispensation | None = None,
) -> EvidenceDocument:
    """Check ``upload`` and store it sealed under the person's key (flushes; the caller commits)."""
    require(person_visible_to(actor, newcomer))
    if case is not None:
        require(can_see_case(actor, case) and case.person_id == newcomer.id)
    if dispensation is not None:
        require(dispensation.person_id == newcomer.id)
    ensure_writable(newcomer.id)
    if kind not in DOCUMENT_KINDS:
        raise PathwayError(
            _("Choose what the document proves."), field_errors={"kind": _("Choose what the document proves.")}
        )
    if kind == MEDICAL_CERTIFICATE and not holds_case(actor, newcomer.id):
        raise PathwayError(_("Only the office following the person's case may store a medical certificate."))
    filename, content_type = check_upload(upload)
    document = EvidenceDocument(
        person_id=newcomer.id,
        case_id=case.id if case is not None else None,
        kind=_STORED_KINDS.get(kind, kind),
        uploaded_by_id=actor.id,
        size_bytes=len(upload.content),
    )
    if dispensation is not None:
        document.dispensation = dispensation
    try:
        with access(actor, "evidence.upload", [newcomer.id], action="update"):
            document.filename = filename  # the client-side row id binds each ciphertext to this row
            document.content_type = content_type
            document.content = upload.content
    except OSError as exc:
        if exc.errno not in STORE_FULL_ERRORS:
            raise
        # The store removed its partial file; the caller rolls the transaction back: nothing is kept.
        current_app.logger.error("document store full (%s): an upload was refused", errno.errorcode[exc.errno])
        raise PathwayError(
            _(
                "The document could not be stored: the server has no space left for documents. "
                "Nothing was saved; tell your administrator, then try again."
            )
        ) from None
    db.session.add(document)
    db.session.flush()
    return document


def read_document(actor: User, document: EvidenceDocument, purpose: str = "evidence.download") -> UploadedDocument:
    """Decrypt a document for an agent who may read it (one audited access), else 404."""
    require(may_read(actor, document))
    with access(actor, purpose, [document.person_id]):
        return UploadedDocument(document.filename, document.content_type, document.content)


def documents_of(actor: User, newcomer: Newcomer, *, purpose: str = "evidence.list") -> list[dict]:
    """The person's documents ``actor`` may read, latest first: row, kind, name, type (names decrypted)."""
    require(person_visible_to(actor, newcomer))
    rows = db.session.scalars(
        select(EvidenceDocument)
        .where(EvidenceDocument.person_id == newcomer.id)
        .order_by(EvidenceDocument.created_at.desc())
    ).all()
    special_ok = holds_case(actor, newcomer.id)
    rows = [row for row in rows if special_ok or not is_special_category(row)]
    if not rows:
        return []
    with access(actor, purpose, [newcomer.id]):
        return [
            {
                "row": row,
                "kind": kind_of(row),
                "kind_label": DOCUMENT_KINDS[kind_of(row)],
                "filename": row.filename,
                "content_type": row.content_type,
                "special_category": is_special_category(row),
            }
            for row in rows
        ]
