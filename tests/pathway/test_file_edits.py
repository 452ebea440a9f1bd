"""Editing a newcomer's file (issue 16): validation shared with registration, field names (never
values) on the timeline, blind indexes rebuilt, eligibility changes confirmed then re-assessed,
stale versions refused. ``reassess_case`` is exercised only through its signature."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.pathway import file_edits
from integration_centre.pathway.assessment import reassess_case
from integration_centre.pathway.errors import PathwayConflict, PathwayError, RegistrationInvalid
from integration_centre.pathway.models import Case, Newcomer, TimelineEntry
from integration_centre.privacy import blind_index, restrictions
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord

# The fixture's person: born 1995-03-14, Syrian refugee, permit ordered 2025-02-03, registered
# 2025-02-10; the case opened 2025-03-01 runs on the Walloon 2025 rules (stay under 3 years,
# aged 18–64). On 2026-06-01 the person is obliged.
TODAY = date(2026, 6, 1)


def entries(case_id, action):
    return list(
        db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.case_id == case_id, TimelineEntry.action == action)
        )
    )


def test_contact_change_is_saved_and_only_field_names_reach_the_timeline(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    version = newcomer.version
    outcome = file_edits.edit_newcomer(
        agent,
        newcomer,
        {"phone": "+32 471 99 88 77", "email": "  amira.new@example.org ", "address": "Rue Neuve 3, 5000 Namur"},
        expected_version=version,
        confirm=False,
        today=TODAY,
    )
    db.session.commit()
    assert outcome.saved and not outcome.needs_confirmation
    assert outcome.changed == ("address", "phone", "email")  # the file's field order
    assert newcomer.version == version + 1
    with access(agent, "test", [newcomer.id]):
        assert newcomer.phone == "+32 471 99 88 77"
        assert newcomer.email == "amira.new@example.org"  # normalised like a registration
    [entry] = entries(case.id, "newcomer.edit")
    assert entry.reason == "address,phone,email"
    assert entry.note_ct is None and entry.reason_detail_ct is None
    stored = " ".join(str(v) for v in db.session.execute(text("SELECT * FROM pathway_timeline_entry")).all())
    assert "99 88 77" not in stored and "amira.new" not in stored and "Neuve" not in stored
    audit = db.session.scalars(select(AuditRecord.purpose).where(AuditRecord.object_id == str(newcomer.id))).all()
    assert "newcomer.edit" in audit


def test_nothing_changed_writes_nothing(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    version = newcomer.version
    outcome = file_edits.edit_newcomer(
        agent, newcomer, {"phone": "+32 470 12 34 56"}, expected_version=version, confirm=True, today=TODAY
    )
    db.session.commit()
    assert outcome.changed == () and not outcome.saved
    assert newcomer.version == version and entries(case.id, "newcomer.edit") == []


def test_registration_rules_apply_to_edits(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    version = newcomer.version
    with pytest.raises(RegistrationInvalid) as error:
        file_edits.edit_newcomer(
            agent,
            newcomer,
            {"niss": "85073003329", "nationality": "BE", "email": "nope", "family_name": " "},
            expected_version=version,
            confirm=True,
            today=TODAY,
        )
    assert "check digits" in error.value.errors["niss"]
    assert "Belgian" in error.value.errors["nationality"]
    assert "e-mail" in error.value.errors["email"]
    assert "family name" in error.value.errors["family_name"]
    db.session.rollback()
    assert db.session.get(Newcomer, case.person_id).version == version
    with pytest.raises(PathwayError):
        file_edits.edit_newcomer(agent, newcomer, {"id": "x"}, expected_version=version, confirm=True)


def test_identity_correction_rebuilds_the_blind_indexes(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    assert newcomer.id in blind_index.candidates(family_name="Al-Hassan", birth_date=date(1995, 3, 14))
    outcome = file_edits.edit_newcomer(
        agent,
        newcomer,
        {"family_name": "  Al   Hassani ", "niss": "95.03.14-002.42"},
        expected_version=newcomer.version,
        confirm=False,
        today=TODAY,
    )
    db.session.commit()
    assert outcome.saved and outcome.changed == ("family_name", "niss")
    with access(agent, "test", [newcomer.id]):
        assert newcomer.family_name == "Al Hassani" and newcomer.niss == "95031400242"
    assert newcomer.id in blind_index.candidates(family_name="al hassani", birth_date=date(1995, 3, 14))
    assert newcomer.id not in blind_index.candidates(family_name="Al-Hassan", birth_date=date(1995, 3, 14))
    assert newcomer.id in blind_index.candidates(niss="95031400242")
    [entry] = entries(case.id, "newcomer.edit")
    assert entry.reason == "family_name,niss"


def test_eligibility_change_waits_for_confirmation_then_reassesses(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    version = newcomer.version
    # Permit ordered 2022-05-01: the stay started then; +3 years = 2025-05-01 <= 2026-06-01, so
    # the person is outside the scope (stay of more than 3 years) on the case's 2025 rules.
    changes = {"permit_order_date": date(2022, 5, 1), "phone": "+32 471 00 00 01"}
    pending = file_edits.edit_newcomer(agent, newcomer, changes, expected_version=version, confirm=False, today=TODAY)
    assert pending.needs_confirmation and not pending.saved
    assert pending.eligibility_changed == ("permit_order_date",)
    assert pending.current.status == "obliged" and pending.current.reason_code is None
    assert pending.proposed.status == "excluded" and pending.proposed.reason_code == "long_stay"
    assert "stay of more than 3 years" in pending.proposed.explanation("en")
    db.session.commit()
    db.session.expire_all()
    newcomer = db.session.get(Newcomer, case.person_id)
    assert newcomer.version == version  # nothing saved
    with access(agent, "test", [newcomer.id]):
        assert newcomer.permit_order_date == date(2025, 2, 3)
    assert entries(case.id, "newcomer.edit") == []

    done = file_edits.edit_newcomer(agent, newcomer, changes, expected_version=version, confirm=True, today=TODAY)
    db.session.commit()
    assert done.saved and done.changed == ("phone", "permit_order_date")
    with access(agent, "test", [newcomer.id]):
        assert newcomer.permit_order_date == date(2022, 5, 1)
    case = db.session.get(Case, case.id)
    assert (case.assessed_status, case.assessed_reason, case.assessed_on) == ("voluntary", "long_stay", TODAY)
    [edit] = entries(case.id, "newcomer.edit")
    [reassess] = entries(case.id, "case.reassess")
    assert edit.reason == "phone,permit_order_date"
    assert reassess.reason == "file_edit" and reassess.to_state == "voluntary"


def test_stale_version_is_refused_and_nothing_saved(agent, started_case):
    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    stale = newcomer.version
    file_edits.edit_newcomer(agent, newcomer, {"phone": "+32 471 00 00 02"}, expected_version=stale,
                             confirm=True, today=TODAY)  # fmt: skip
    db.session.commit()
    with pytest.raises(PathwayConflict) as error:
        file_edits.edit_newcomer(agent, newcomer, {"phone": "+32 471 00 00 03"}, expected_version=stale,
                                 confirm=True, today=TODAY)  # fmt: skip
    assert "Someone else changed this file" in str(error.value.message)
    db.session.rollback()
    with access(agent, "test", [newcomer.id]):
        assert db.session.get(Newcomer, case.person_id).phone == "+32 471 00 00 02"


def test_concurrent_session_save_is_detected_at_flush(app, agent, started_case):
    case = started_case()
    person_id = case.person_id
    db.session.expire_all()
    mine = db.session.get(Newcomer, person_id)
    version = mine.version
    with app.app_context():  # another agent's session saves first
        other = db.session.get(User, agent.id)
        theirs = db.session.get(Newcomer, person_id)
        file_edits.edit_newcomer(other, theirs, {"phone": "+32 471 00 00 04"}, expected_version=version,
                                 confirm=True, today=TODAY)  # fmt: skip
        db.session.commit()
        db.session.remove()
    with pytest.raises(PathwayConflict):
        file_edits.edit_newcomer(agent, mine, {"email": "x@example.org"}, expected_version=version,
                                 confirm=True, today=TODAY)  # fmt: skip
        db.session.flush()
    db.session.rollback()
    fresh = db.session.get(Newcomer, person_id)
    with access(agent, "test", [person_id]):
        assert fresh.phone == "+32 471 00 00 04" and fresh.email == "amira@example.org"


def test_refused_on_restricted_file_and_out_of_reach(agent, other_agent, make_user, started_case):
    from werkzeug.exceptions import NotFound

    case = started_case()
    newcomer = db.session.get(Newcomer, case.person_id)
    with pytest.raises(NotFound):
        file_edits.edit_newcomer(other_agent, newcomer, {"phone": "+32 471 1"}, expected_version=1, confirm=True)
    restrictions.restrict(newcomer.id, actor=make_user(Role.ADMIN))
    db.session.commit()
    with pytest.raises(PathwayError) as error:
        file_edits.edit_newcomer(
            agent, newcomer, {"phone": "+32 471 00 00 05"}, expected_version=newcomer.version, confirm=True
        )
    assert error.value.code == "restricted"


def test_reassess_case_keeps_the_status_for_the_day_given(agent, started_case):
    case = started_case()
    reassess_case(agent, case, "file_edit", on=date(2026, 6, 1))
    db.session.commit()
    assert (case.assessed_status, case.assessed_reason, case.assessed_on) == ("obliged", None, date(2026, 6, 1))
    # Permit 2025-02-03 and registration 2025-02-10: the stay started 2025-02-03, 3 years end
    # 2028-02-03: on that day the person is outside the scope.
    reassess_case(agent, case, "file_edit", on=date(2028, 2, 3), expected_version=case.version)
    db.session.commit()
    assert (case.assessed_status, case.assessed_reason) == (
        "voluntary",
        "long_stay",
    )  # an excluded participant is voluntary
    with pytest.raises(PathwayConflict):
        reassess_case(agent, case, "file_edit", expected_version=case.version - 1)
    db.session.rollback()
    assert [e.reason for e in entries(case.id, "case.reassess")] == ["file_edit", "file_edit"]
