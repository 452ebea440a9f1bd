"""Criterion 2 and 6: erasure by crypto-shredding, legal holds, the shell, statistics unchanged."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway.models import Case, Dispensation, EvidenceDocument, Newcomer, TimelineEntry
from integration_centre.privacy import audit, blind_index, erasure, keys
from integration_centre.privacy.erasure_models import ErasureLedgerEntry
from integration_centre.privacy.errors import KeyDestroyedError, PrivacyError
from integration_centre.privacy.models import AuditRecord, BlindIndexEntry, PersonKey
from integration_centre.stats import services as stats_services
from integration_centre.stats.models import Fact
from tests.pathway.conftest import newcomer_data
from tests.privacy.erasure.conftest import ADMIN_ACTOR, read_fields


def _facts() -> list:
    return sorted(tuple(str(v) for v in row) for row in db.session.execute(select(Fact.__table__)).all())


def _release() -> str:
    return stats_services.build_content(stats_services.parse_period("2025"), stats_services.parse_scope("region"))


def _search(agent, family_name: str, given_names: str = "Amira") -> list:
    return registration.find_duplicates(agent, newcomer_data(family_name=family_name, given_names=given_names))


def test_erasure_leaves_nothing_readable_and_every_other_person_intact(app, agent, person):
    app.config["RETENTION_CLOSED_CASE_YEARS"] = 1
    erased = person("Van den Bossche", "Leila", stage="closed_doc", ended=date(2025, 3, 1))
    others = [
        person("Al-Hassan"),
        person("Diallo", "Mamadou", stage="open"),
        person("Kovalenko", "Olena", stage="closed"),
    ]
    before = {p.id: read_fields(p.id) for p in others}
    facts, release = _facts(), _release()
    assert facts, "the cases produced statistics facts"
    published = stats_services.publish("2025")
    db.session.commit()
    assert _search(agent, "Van den Bossche", "Leila")
    assert db.session.scalar(select(func.count()).where(EvidenceDocument.person_id == erased.id)) == 1
    old_ct = db.session.scalar(select(Newcomer.family_name_ct).where(Newcomer.id == erased.id))
    key_version = keys.KEY_VERSION

    on = erasure.erase_person(erased.id, actor=ADMIN_ACTOR)
    db.session.commit()

    # No field of the person decrypts: every ciphertext column is empty, the key is destroyed
    # (even the ciphertext kept from before cannot be opened any more), no index entry is left.
    assert erasure.remains(erased.id) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0}
    assert set(read_fields(erased.id).values()) == {None}
    assert keys.is_person_key_destroyed(erased.id)
    assert old_ct is not None
    with pytest.raises(KeyDestroyedError):
        keys.data_key(erased.id, key_version)
    assert db.session.scalar(select(func.count()).where(BlindIndexEntry.person_id == erased.id)) == 0
    assert db.session.scalar(select(func.count()).where(EvidenceDocument.person_id == erased.id)) == 0
    dispensation = db.session.scalars(select(Dispensation).where(Dispensation.person_id == erased.id)).one()
    assert (dispensation.reason_ct, dispensation.legal_basis_ct, dispensation.note_ct) == (None, None, None)
    timeline = db.session.scalars(select(TimelineEntry).where(TimelineEntry.person_id == erased.id)).all()
    assert timeline and all(t.note_ct is None for t in timeline)
    # Search by name finds nothing.
    assert _search(agent, "Van den Bossche", "Leila") == []
    # The shell: the row, the case bookkeeping and the ledger entry "erased on".
    assert db.session.get(Newcomer, erased.id) is not None
    assert db.session.scalar(select(func.count()).where(Case.person_id == erased.id)) == 1
    assert erasure.erased_on(erased.id) == on
    ledger = db.session.get(ErasureLedgerEntry, erased.id)
    assert (ledger.erased_on, ledger.ground) == (on, "request")
    assert erasure.read_ledger_file() == {erased.id: on}
    # Everyone else intact; statistics unchanged.
    assert {p.id: read_fields(p.id) for p in others} == before
    assert _search(agent, "Al-Hassan") and _search(agent, "Kovalenko", "Olena")
    assert _facts() == facts
    assert _release() == release
    again = stats_services.publish("2025")  # the published release is still the live one
    assert not again.created and again.release.content_hash == published.release.content_hash
    # Audited (person id only), and the chain verifies.
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "erase")).one()
    assert (record.object_id, record.purpose) == (audit.person_object_id(erased.id), "erasure.request")
    assert audit.verify_chain().ok


def test_search_by_niss_finds_nothing_after_erasure(app, agent, person):
    niss = "95031400242"
    erased = person("Haddad", "Omar", niss=niss)
    other = person("Haddad", "Samir", niss="95031400440")
    assert blind_index.candidates(niss=niss) == {erased.id}
    erasure.erase_person(erased.id, actor=ADMIN_ACTOR)
    db.session.commit()
    assert blind_index.candidates(niss=niss) == set()
    assert registration.find_duplicates(agent, newcomer_data(family_name="X", given_names="Y", niss=niss)) == []
    assert blind_index.candidates(niss="95031400440") == {other.id}


@pytest.mark.parametrize("stage", ["open", "closed"])
def test_refused_with_a_reason_while_a_legal_hold_applies(app, person, stage):
    held = person("Mukendi", "Grace", stage=stage, ended=date(2026, 10, 1))
    before = read_fields(held.id)
    audits = db.session.scalar(select(func.count()).select_from(AuditRecord))
    with pytest.raises(erasure.ErasureRefused) as refused:
        erasure.erase_person(held.id, actor=ADMIN_ACTOR)
    db.session.rollback()
    expected = "still open" if stage == "open" else "retention duty"
    assert any(expected in reason for reason in refused.value.reasons), refused.value.reasons
    assert erasure.legal_holds(held.id) == refused.value.reasons
    assert read_fields(held.id) == before
    assert keys.has_person_key(held.id)
    assert db.session.scalar(select(func.count()).select_from(ErasureLedgerEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditRecord)) == audits  # nothing written
    assert not erasure.read_ledger_file()


def test_refusal_is_in_the_users_language(app, person):
    held = person("Mukendi", "Grace", stage="open")
    with force_locale("fr"):
        french = erasure.legal_holds(held.id)
    with force_locale("nl"):
        dutch = erasure.legal_holds(held.id)
    assert french == ["La personne a encore 1 parcours ouvert(s) : clôturez-les avant d'effacer le dossier."]
    assert dutch and "traject" in dutch[0]


def test_erasing_twice_is_refused_and_a_rollback_writes_no_ledger_line(app, person):
    erased = person("Nguyen", "Linh")
    erasure.erase_person(erased.id, actor=ADMIN_ACTOR)
    db.session.rollback()
    assert keys.has_person_key(erased.id)
    assert not erasure.read_ledger_file()
    erasure.erase_person(erased.id, actor=ADMIN_ACTOR)
    db.session.commit()
    with pytest.raises(PrivacyError):
        erasure.erase_person(erased.id, actor=ADMIN_ACTOR)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PersonKey).where(PersonKey.wrapped.is_(None))) == 1


def test_erasing_an_unknown_person_is_refused(app):
    import uuid

    with pytest.raises(PrivacyError, match="No data is held"):
        erasure.erase_person(uuid.uuid4(), actor=ADMIN_ACTOR)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ErasureLedgerEntry)) == 0
