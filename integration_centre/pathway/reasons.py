"""Reason codes that are health data (or as sensitive): never stored in clear next to a person.

A closure, suspension, step or extension reason such as ``illness``, ``pregnancy``, ``deceased``
or ``health`` is stored as the coarse code ``personal_circumstances`` in the clear column (enough
for lists, filters and statistics) and precisely in an encrypted field under the person's key
(readable by the office's agents inside an audited access). Every other reason code stays in
clear as it is. Domain events carry the coarse code only: the statistics never receive the
precise reason.
"""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy.access import access

COARSE = "personal_circumstances"
SENSITIVE = frozenset({"illness", "pregnancy", "deceased", "health"})


def coarse(code: str | None) -> str | None:
    """The code to keep in clear (and to give to the statistics)."""
    return COARSE if code in SENSITIVE else code


def split(code: str | None) -> tuple[str | None, str | None]:
    """(clear code, precise code to encrypt — None when the clear code is already precise)."""
    if code in SENSITIVE:
        return COARSE, code
    return code, None


def precise(clear: str | None, detail: str | None) -> str | None:
    """The precise reason from the clear code and the decrypted detail (read inside an access)."""
    return detail or clear


# --- Converting rows written before the encryption (``integration-centre pathway protect-reasons``)

# (model, clear column attribute, encrypted detail attribute); packages register their own.
_COLUMNS: list[tuple[type, str, str]] = []
BATCH = 500


def register_column(model: type, clear: str, detail: str) -> None:
    """Declare a reason column of ``model`` whose sensitive codes are kept in ``detail`` (encrypted)."""
    if (model, clear, detail) not in _COLUMNS:
        _COLUMNS.append((model, clear, detail))


def _convert(actor, rows, purpose: str, move) -> int:
    done = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        with access(actor, purpose, {row.person_id for row in chunk}, action="update"):
            for row in chunk:
                move(row)
                done += 1
    return done


def protect_existing(actor) -> int:
    """Move every sensitive reason still in clear into its encrypted field (idempotent); flushes.

    The purpose is a ``rights.`` one: re-encrypting is storage, allowed on a restricted file too.
    """
    total = 0
    for model, clear, detail in _COLUMNS:
        rows = list(db.session.scalars(select(model).where(getattr(model, clear).in_(sorted(SENSITIVE)))))

        def move(row, clear=clear, detail=detail):
            setattr(row, detail, getattr(row, clear))
            setattr(row, clear, COARSE)

        total += _convert(actor, rows, "rights.protect_reasons", move)
    db.session.flush()
    return total


def reveal_existing(actor) -> int:
    """Put every encrypted precise reason back in its clear column (before a downgrade); flushes."""
    total = 0
    for model, clear, detail in _COLUMNS:
        column = getattr(model, getattr(model, detail).column_attr)
        rows = list(db.session.scalars(select(model).where(column.is_not(None))))

        def move(row, clear=clear, detail=detail):
            setattr(row, clear, getattr(row, detail))
            setattr(row, detail, None)

        total += _convert(actor, rows, "rights.reveal_reasons", move)
    db.session.flush()
    return total
