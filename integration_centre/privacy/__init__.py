"""Privacy core: keyring, field encryption, per-person keys, blind indexes, audited access.

This package is the only code that ever sees keys or ciphertext. Domain packages use the public
API below; everything not listed here is internal and may change.

Public API (stable contract — extended, never broken)
=====================================================

Errors — ``integration_centre.privacy.errors``
    ``PrivacyError`` (base), ``DecryptionError`` (tampered/moved/unknown-format ciphertext; never
    returns ciphertext, never falls back to plaintext), ``KeyDestroyedError(DecryptionError)``
    (the person was erased: crypto-shredded), ``AccessError`` (decrypting/encrypting outside an
    access context, or for a person the context does not name), ``InvalidNISSError(ValueError)``.
    Also re-exported from ``integration_centre.privacy``.

Encrypted fields — ``integration_centre.privacy.fields``
    ``EncryptedField(kind="str" | "date" | "int" | "json" | "bool", *, column=None, bucket=None)``
        A descriptor over a ``LargeBinary`` ciphertext column. By default the column attribute is
        ``<name>_ct`` (override with ``column="..."``). Assigning a plain value encrypts at once
        (AES-256-GCM under the person's data key, fresh nonce); reading decrypts lazily. ``None``
        is stored as SQL NULL (not encrypted). ``bucket=N`` pads the plaintext to a multiple of N
        bytes (use for short enum-like values such as gender, residence status).
    The model must have a client-side UUID ``id`` (``UUIDPrimaryKeyMixin``: the descriptor sets
    ``id`` itself when it is still None) and a ``person_id`` UUID attribute (the data subject).
    For the person row itself declare ``__privacy_person_attr__ = "id"`` instead (person_id ==
    id). For other rows, set ``person_id`` BEFORE assigning encrypted fields (pass it first in
    the constructor). Never change ``id``/``person_id`` after an encrypted field was set: the
    associated data binds table, column, row id and person id.
    Only SQL on the ciphertext column is possible (no filtering/sorting on plaintext); use blind
    indexes for exact-match search.

    Example::

        import uuid
        from sqlalchemy import LargeBinary, Uuid
        from sqlalchemy.orm import Mapped, mapped_column
        from integration_centre.database import TimestampMixin, UUIDPrimaryKeyMixin
        from integration_centre.extensions import db
        from integration_centre.privacy.fields import EncryptedField

        class Newcomer(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
            __tablename__ = "newcomer"
            __privacy_person_attr__ = "id"          # this row IS the person

            family_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
            birth_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
            gender_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
            family_name = EncryptedField(kind="str")
            birth_date = EncryptedField(kind="date")
            gender = EncryptedField(kind="str", bucket=16)

        class CaseNote(UUIDPrimaryKeyMixin, db.Model):
            __tablename__ = "case_note"
            person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
            body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
            body = EncryptedField(kind="str")

    Large content — ``integration_centre.privacy.blobs.EncryptedFileField(column=None)``: a
    ``bytes`` field sealed the same way but written to a file of the document store
    (``DOCUMENTS_DIR``); the column keeps a reference. Files follow the session's transaction,
    erasure and merge; backups carry them.

    Lists without ORM entities (a page showing one or two fields of many persons):
    ``encrypted_rows_statement(model, names) -> Select`` selects the row id, the person id, the
    ciphertexts of the encrypted fields ``names`` and the person's key columns (erased persons
    left out); add a ``where``. ``decrypt_rows(model, names, rows) -> {row id: (values…)}``
    decrypts them inside an access context naming every person, with the descriptor's checks.

    Many new rows without ORM entities (a batch registration): ``encrypt_new_rows(model, rows,
    names) -> [column values…]`` encrypts the plaintext of each row (``id``, person, fields) as
    the descriptor would — same checks and audit (``access.note_writes``: one restriction query,
    one batch of "create" records), same format and associated data — for one executemany.

Access context — ``integration_centre.privacy.access``
    ``Actor(id: str | None, role: str)``; ``Actor.from_user(user)`` (any object with ``.id`` and
    ``.role``); ``Actor.system(name)`` for CLI/jobs (e.g. ``Actor.system("cli")``).
    ``access(actor, purpose, persons, action="view") -> AccessContext`` (context manager)
        Every read AND write of an encrypted field must happen inside one, for a person it names;
        otherwise ``AccessError``. ``actor`` is an ``Actor`` or a user object. ``purpose`` and
        ``action`` are short codes (``[a-z][a-z0-9_.:-]*``, e.g. purpose ``"case.view"``,
        ``"registration"``, ``"duplicate_check"``; action ``"view"``, ``"export"``…), never free text.
        Entering writes one audit row (action, object_type "person", object_id person id) per
        request, person, purpose and action; the first write to a person's field inside the
        context writes one "create" (new row) or "update" audit row per request/person/purpose.
        ``ctx.add_persons(ids)`` extends the context (audited the same way). Contexts nest.
    ``current_access(purpose, persons, action="view")``: same, with ``flask_login.current_user``
        as the actor (for views/services running in a request).
    In a request, audit rows of a read-only view (no other flushed change) are committed after a
    successful response (< 400) even if the view does not commit; views that write commit as usual.
    Unwrapped person keys are cached for the current request only (``flask.g``; outside a request,
    for the outermost access context).

Person keys — ``integration_centre.privacy.keys``
    ``create_person_key(person_id) -> None``: random 256-bit data key, stored only wrapped under
        the primary KEK (AAD binds person id, key version and KEK id). Optional: the first
        encrypted write for a person creates the key when absent.
    ``destroy_person_key(person_id, *, actor, purpose) -> None``: crypto-shredding (erasure);
        the wrapped key is wiped (tombstone kept), the person's blind-index entries are deleted,
        an "erase" audit row is written. Later reads raise ``KeyDestroyedError``.
    ``create_person_keys(person_ids, cache=None) -> None``: ``create_person_key`` for many new
        persons (one query refusing an existing key, one executemany; the keys cached for the
        encryption that follows).
    ``has_person_key(person_id) -> bool``, ``is_person_key_destroyed(person_id) -> bool``.
    Services flush, never commit.

Sealed application secrets — ``integration_centre.privacy.sealed``
    For the application's own secrets (a user's TOTP secret, recovery-code digests), not a data
    subject's fields: ``seal(purpose, bound_to, plaintext) -> bytes`` (AES-256-GCM under the
    keyring's ``derived_key(purpose)``, associated data binding purpose and owner),
    ``unseal(purpose, bound_to, blob) -> bytes`` (``DecryptionError`` when moved or altered),
    ``digest(purpose, bound_to, data) -> str`` (HMAC-SHA256, hex), ``owner(table, id) -> str``.

Blind indexes — ``integration_centre.privacy.blind_index``
    ``normalise(value: str) -> str``: NFKD, accents removed, casefold, fold table
        (ø→o ł→l đ→d œ→oe æ→ae þ→th ß→ss), letters and digits only
        ("Van den Bossche" == "vandenbossche" == "VAN DEN BOSSCHE").
    ``compact_niss(value: str) -> str``: validates (python-stdnum ``be.nn``, ``be.bis``) and compacts the
        national register number; raises ``InvalidNISSError``.
    ``set_person_indexes(person_id, *, family_name=None, given_name=None, birth_date=None,
        niss=None) -> None``: replaces ALL index entries of the person with the standard indexes
        ``name_dob`` (family+given+dob), ``family_dob`` (family+dob), ``niss`` (those whose
        inputs are given). Stored as integers (HMAC-SHA256 under a per-index HKDF key, truncated
        to ``app.config["PRIVACY_INDEX_BITS"]`` bits, default 16) in ``privacy_blind_index``.
    ``candidates(*, family_name=None, given_name=None, birth_date=None, niss=None) -> set[UUID]``:
        person ids whose index entries match the most specific index the inputs allow (niss >
        name_dob > family_dob). Candidates include false positives by design.
    ``set_new_person_indexes([(person_id, {family_name, given_name, birth_date, niss})…])`` and
        ``candidates_many([{…inputs…}, …]) -> [set[UUID], …]``: the same for many persons in one
        statement (persons just created, without entries) or one query.
    ``keep_true_matches(rows, predicate, *, actor, purpose) -> list``: opens an access context
        (action "search") on the rows' persons, returns the rows for which ``predicate(row)`` is
        true (the predicate reads decrypted fields; compare with ``same_text(a, b)``, which
        compares normalised values).
    ``candidate_rows(model, *, family_name=None, given_name=None, birth_date=None, niss=None)``:
        the candidate rows of ``model`` with their wrapped keys, in one query.
    ``search(model, predicate, *, actor, purpose, **inputs) -> list``: ``candidate_rows`` then
        ``keep_true_matches`` — the fast path for exact-match search.
    ``delete_person_indexes(person_id) -> None``.
    Never index special-category data (health, assessment notes).

Audit — ``integration_centre.privacy.audit``
    ``record(action, object_type, object_id=None, *, purpose=None, actor=None) -> AuditRecord``
        for non-read events (login, logout, key_rotation, export, erase, …). ``actor`` defaults to
        ``flask_login.current_user`` in a request, else ``Actor.system("system")``. Codes only,
        never personal data. Flushes, does not commit (part of the caller's transaction).
    The table ``privacy_audit`` is insert-only, chained with HMAC-SHA256 under the audit key;
    ``verify_chain() -> VerifyResult(ok, checked, first_broken_seq, reason, …)`` also checks the
    database against the keyed checkpoints of ``audit_checkpoints`` (``AUDIT_CHECKPOINT_FILE``,
    outside the database, written after commit every ``AUDIT_CHECKPOINT_RECORDS`` records or
    ``AUDIT_CHECKPOINT_MINUTES`` minutes) and reports a cut tail with its missing range;
    ``audit_checkpoints.mark_restore()`` records a restore (``backup.restore`` calls it).

Erasure — ``integration_centre.privacy.erasure`` (Art. 17, crypto-shredding)
    ``legal_holds(person_id) -> list[str]``: translated reasons from every subject-data
        provider's ``holds`` (``privacy.subject_data``); empty when the person may be erased.
    ``erase_person(person_id, *, actor, ground="request" | "retention") -> date``: refuses with
        ``ErasureRefused(reasons)`` while a hold applies; else, in the caller's transaction: a
        ledger entry (person id + date), the providers' ``erase`` clean-up, every ciphertext
        column of the person (any mapped model with ``EncryptedField``) set to NULL, blind-index
        rows deleted, data key destroyed ("erase" audit row). The ledger file
        (``ERASURE_LEDGER_FILE``, HMAC-sealed lines) is appended when the transaction commits.
    ``erased_on(person_id) -> date | None``, ``erased_dates(ids) -> {id: date}`` (the shell),
        ``remains(person_id)`` (live key / ciphertext rows / index entries: all 0 once erased),
        ``replay_ledger(*, actor)`` (after a restore), ``pending_replay()``.
    Pages that show a person check ``erased_on`` and show "erased on …" instead of the fields.

Retention — ``integration_centre.privacy.retention``
    ``register_category(code, label, setting, dates)`` where ``dates() -> RetentionItem…``
        (person id, category, due date or ``KEPT``, translated reason); a person is due when the
        latest of their dates has passed. ``due(today)``, ``upcoming(today, days)``,
        ``run(*, actor, today, progress)`` (one transaction per person, through ``erase_person``).
    Settings ``RETENTION_CLOSED_CASE_YEARS``, ``RETENTION_CERTIFICATE_YEARS``,
    ``RETENTION_UNFINISHED_MONTHS``, ``RETENTION_AUDIT_YEARS`` (``audit_retention.purge``: old
    audit records deleted, the chain verifies from a sealed anchor).

Backups — ``integration_centre.privacy.backup``
    ``create(path=None) -> Path`` (SQLite online backup / ``pg_dump``; never the keyring),
    ``restore(path, *, actor)`` (ledger and checkpoints checked first, database replaced, the
    restore recorded in the checkpoint file, ledger replayed).

Data-subject rights (GDPR Art. 13-21): the engines here, the desk's pages in ``integration_centre.rights``
    ``subject_data.register(name, export=, holds=, erase=, labels=)``: each package's provider (in
        ``<package>/subject_data.py``); ``labels`` names its field codes for readable exports;
        ``subject_data.register_person_hooks(find=, visible=, label=, rectifiable=, rectify=)`` by
        the package owning the person rows.
    ``restrictions.ensure_writable(person_id)`` (``RestrictedError``) in write paths,
        ``restrictions.not_restricted(person_id_column)`` in agents' list/search queries; encrypted
        writes to a restricted person are refused by the core too, except for ``rights.*`` purposes.
    Refusals shown to users (``PrivacyRefusal``: ``ErasureRefused``, ``RestrictedError``…) are
    ``integration_centre.errors.DomainError``s.
    The requests register, exports, rectification, notice and records of processing are the
    data-protection desk (``integration_centre.rights``), above this package.

App wiring — ``integration_centre.privacy``
    ``init_app(app)`` loads the keyring and FAILS CLOSED (``ConfigurationError``);
    ``keys_loaded(app)``; ``ensure_keyring_file(instance_path, demo=False)``.
    Config: ``MASTER_KEY_FILE`` / ``MASTER_KEY`` (settings), ``PRIVACY_INDEX_BITS`` (Flask key).

CLI: ``integration-centre retention run [--dry-run]``, ``backup create [PATH] | restore PATH``,
``erasure replay-ledger``; ``integration-centre keys status | add-kek | promote KEK_ID | rewrap | retire KEK_ID`` and
``integration-centre audit verify``; a new keyring file:
``python -m integration_centre.privacy new-keyring PATH``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from integration_centre.privacy.errors import (
    AccessError,
    DecryptionError,
    InvalidNISSError,
    KeyDestroyedError,
    PrivacyError,
)

__all__ = [
    "AccessError",
    "DecryptionError",
    "InvalidNISSError",
    "KeyDestroyedError",
    "PrivacyError",
    "ensure_keyring_file",
    "init_app",
    "keys_loaded",
]

KEYRING_FILE_NAME = "keyring.json"


def init_app(app: Flask) -> None:
    """Load the keyring (fail closed: ``ConfigurationError``) and register the privacy hooks.

    Refuses a missing, unreadable or invalid keyring, a demo keyring in production, and a
    keyring that does not match the key-check values stored in the database (checked now when
    the database is reachable and migrated, otherwise before the first use of a key).
    """
    from integration_centre.privacy import access, audit, blind_index, runtime

    app.config.setdefault("PRIVACY_INDEX_BITS", 16)
    current = runtime.load(app)
    bits = blind_index.checked_bits(app.config["PRIVACY_INDEX_BITS"])
    runtime.verify_at_start(app, current, also=lambda connection: blind_index.verify_bits(connection, bits))
    app.extensions[runtime.EXTENSION] = current
    app.teardown_request(access.clear_request_caches)
    app.after_request(audit.commit_read_audit)


def keys_loaded(app: Flask) -> bool:
    """True when the keyring is loaded and usable."""
    return app.extensions.get("keyring") is not None


def ensure_keyring_file(instance_path, demo: bool = False) -> Path | None:
    """Create the keyring file (mode 0600) when absent; returns its path (None with MASTER_KEY).

    The path is ``INTEGRATION_CENTRE_MASTER_KEY_FILE`` or ``<instance>/keyring.json``, as the app
    will read it. An existing file is never touched.
    """
    from integration_centre.config import read_settings
    from integration_centre.privacy.keyring import generate_keyring, write_keyring_file

    settings = read_settings()["settings"]
    if settings["MASTER_KEY"]:
        return None
    path = Path(settings["MASTER_KEY_FILE"] or Path(instance_path) / KEYRING_FILE_NAME)
    if not path.exists():
        write_keyring_file(path, generate_keyring(demo=demo))
    return path


def register(app: Flask) -> None:
    """Wire the foundation into ``app``: the keyring and the audit hooks (the desk's pages are ``rights``)."""
    init_app(app)
