"""Restriction of processing (GDPR Art. 18): issue 8, acceptance criterion 5 (and 6 for its actions)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.privacy import audit, restrictions
from integration_centre.privacy.errors import PrivacyError, RestrictedError
from integration_centre.privacy.models import AuditRecord
from integration_centre.workspace.services import DashboardQuery, dashboard, search_persons
from tests.conftest import csrf_token_from
from tests.privacy.rights.conftest import newcomer_data


def _found(agent) -> list:
    return [r.person_id for r in search_persons(agent, family_name="al-hassan", birth_date=date(1995, 3, 14))]


def _dashboard_persons(agent) -> set:
    result = dashboard(agent, DashboardQuery(view="recent", status="all"))
    return {row.case.person_id for row in result.rows}


def test_restriction_blocks_edits_and_hides_from_dashboard_and_search_until_lifted(admin, agent, started_case):
    case = started_case()
    other = started_case(family_name="Okonkwo", given_names="Chidi", date_of_birth=date(1988, 7, 2), sex="M")
    person_id = case.person_id
    assert _dashboard_persons(agent) == {person_id, other.person_id}
    assert _found(agent) == [person_id]

    restrictions.restrict(person_id, actor=admin)
    db.session.commit()

    # Hidden from the agent's dashboard and search; the other person still listed.
    assert _dashboard_persons(agent) == {other.person_id}
    assert _found(agent) == []
    listed = set(db.session.scalars(select(Newcomer.id).where(restrictions.not_restricted(Newcomer.id))))
    assert person_id not in listed and other.person_id in listed

    # Read-only: the pathway write paths refuse, nothing is changed.
    newcomer = db.session.get(Newcomer, person_id)
    with pytest.raises(PathwayError) as refused:
        registration.update_newcomer(agent, newcomer, newcomer_data(phone="+32 470 00 00 00"))
    assert refused.value.code == "restricted" and "restricted" in refused.value.message
    with pytest.raises(PathwayError):
        services.transition_case(agent, db.session.get(Case, case.id), "suspend", reason="illness")
    db.session.rollback()
    with pytest.raises(RestrictedError):
        restrictions.ensure_writable(person_id)
    restrictions.ensure_writable(other.person_id)  # the other file is writable
    assert db.session.get(Case, case.id).status.value == "in_progress"

    with pytest.raises(PrivacyError):
        restrictions.restrict(person_id, actor=admin)  # already restricted

    restrictions.lift(person_id, actor=admin)
    db.session.commit()
    assert _dashboard_persons(agent) == {person_id, other.person_id}
    assert _found(agent) == [person_id]
    registration.update_newcomer(agent, db.session.get(Newcomer, person_id), newcomer_data(phone="+32 470 00 00 00"))
    db.session.commit()
    with pytest.raises(PrivacyError):
        restrictions.lift(person_id, actor=admin)  # nothing to lift

    query = select(AuditRecord.action).where(AuditRecord.object_id == str(person_id)).order_by(AuditRecord.seq)
    actions = list(db.session.scalars(query))
    assert "restrict" in actions and "lift_restriction" in actions
    assert actions.index("restrict") < actions.index("lift_restriction")
    assert audit.verify_chain().ok


def test_admin_restricts_and_lifts_from_the_request_page(login_as, agent, started_case, record):
    case = started_case()
    item = record(case.person_id, "restriction")
    client, _admin = login_as(Role.ADMIN)
    page = client.get(f"/admin/privacy/requests/{item.id}")
    html = page.get_data(as_text=True)
    assert "AL-HASSAN, Amira" in html and "Not restricted" in html
    token = csrf_token_from(html)
    assert client.post(f"/admin/privacy/requests/{item.id}/restrict", data={"csrf_token": token}).status_code == 302
    assert restrictions.is_restricted(case.person_id)
    assert "Restricted since" in client.get(f"/admin/privacy/requests/{item.id}").get_data(as_text=True)
    assert _dashboard_persons(agent) == set()
    assert client.post(f"/admin/privacy/requests/{item.id}/lift", data={"csrf_token": token}).status_code == 302
    assert not restrictions.is_restricted(case.person_id)
    assert _dashboard_persons(agent) == {case.person_id}
