"""Rebuilding every person's blind-index entries at another size (``integration-centre pathway
reindex --bits N``): the entries are keyed hashes of the decrypted names, birth date and national
number, so a new size means decrypting each file. One transaction: an interrupted rebuild leaves
the entries as they were."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import blind_index
from integration_centre.privacy.access import access

BATCH = 500
# Storage maintenance, as the reasons' conversion: a ``rights.`` purpose, allowed on restricted files.
PURPOSE = "rights.rebuild_search_index"


def rebuild(actor, size: int, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Replace every person's entries by entries of ``size`` bits, ``BATCH`` files at a time (each
    batch's reads audited); flushes, the caller commits. Returns (persons, entries written)."""
    size = blind_index.checked_bits(size)
    ids = list(db.session.scalars(select(Newcomer.id).order_by(Newcomer.id)))
    entries = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with access(actor, PURPOSE, chunk, action="update"):
            persons = db.session.scalars(select(Newcomer).where(Newcomer.id.in_(chunk))).all()
            entries += blind_index.replace_indexes(
                (
                    (
                        person.id,
                        {
                            "family_name": person.family_name,
                            "given_name": person.given_names,
                            "birth_date": person.date_of_birth,
                            "niss": person.niss,
                        },
                    )
                    for person in persons
                ),
                size,
            )
        db.session.flush()
        for person in persons:
            db.session.expunge(person)  # a region's files do not stay in memory
        if progress is not None:
            progress(len(chunk))
    return len(ids), entries
