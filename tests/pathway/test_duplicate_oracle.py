"""Issue 15, finding 1: the duplicate check is no silent oracle.

The attack: an agent of another office (web form or agent token) starts registering a person
known at the first office, reads the answer, and abandons. Before the fix the check decrypted the
matches inside an audited access and the registration's rollback took the audit rows with it.
Now the access stands committed whatever happens next, the agent learns only that a possible
duplicate exists in another office (no name, no office name), the centre's coordinator (admin)
gets a review task, and the checks are rate-limited per user.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.models import AuditRecord
from tests.api.conftest import bearer, make_token, problem_of
from tests.conftest import login
from tests.pathway.conftest import newcomer_data

__all__ = ["make_token"]  # the API's token fixture

# The file of the first office, spelled so that it differs from what the attacker types.
STORED = {"family_name": "Al-Hassàn", "given_names": "Amíra", "date_of_birth": date(1995, 3, 14)}
TYPED = {
    "family_name": "AL HASSAN",
    "given_names": "amira",
    "date_of_birth": "1995-03-14",
    "sex": "F",
    "nationality": "SY",
    "residence_category": "refugee",
    "permit_order_date": "2025-02-03",
    "registration_date": "2025-02-10",
}
SECRETS = ("Al-Hassàn", "Al-Hass&agrave;n", "Al-Hass&#224;n", "Amíra", "Am&iacute;ra", "Am&#237;ra", "Bureau de Namur")


@pytest.fixture
def known(agent, org):
    """The person registered at the first office (committed)."""
    newcomer = registration.register_newcomer(
        agent, newcomer_data(**STORED), org["office"], confirm_duplicate=True, today=date(2026, 1, 1)
    )
    db.session.commit()
    return newcomer


def committed_audit(actor_id: int, person_id) -> list[tuple]:
    """Audit rows naming ``person_id`` by ``actor_id``, read on a separate connection (committed only)."""
    with db.engine.connect() as connection:
        return connection.execute(
            select(AuditRecord.action, AuditRecord.purpose).where(
                AuditRecord.actor_id == str(actor_id), AuditRecord.object_id == str(person_id)
            )
        ).all()


def newcomers() -> int:
    return len(db.session.scalars(select(Newcomer.id)).all())


def test_abandoned_web_registration_leaves_a_committed_audit_and_reveals_nothing(app, known, other_agent, org):
    client = app.test_client()
    assert login(client, other_agent).status_code == 302
    response = client.post("/newcomers/new", data=TYPED)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Abandoned here: nothing more is sent.
    assert newcomers() == 1
    assert ("search", "duplicate_check") in committed_audit(other_agent.id, known.id)
    # The agent learns that a possible duplicate exists in another office, and nothing else.
    assert "another office" in page
    for secret in SECRETS:
        assert secret not in page, secret
    assert str(known.id) not in page


def test_abandoned_api_registration_leaves_a_committed_audit_and_reveals_nothing(
    client, known, make_token, make_user, org
):
    attacker = make_user(Role.AGENT, office_id=org["other_office"].id)
    secret, _token = make_token(Role.AGENT, user=attacker)
    response = client.post("/api/v1/newcomers", json=TYPED, headers=bearer(secret))
    assert response.status_code == 409
    document = problem_of(response)
    assert document["code"] == "duplicate_suspected"
    text = response.get_data(as_text=True)
    for secret_text in (*SECRETS, "Namur", str(known.id)):
        assert secret_text not in text, secret_text
    assert "another office" in document["detail"]
    assert newcomers() == 1
    assert ("search", "duplicate_check") in committed_audit(attacker.id, known.id)


def test_the_coordinator_gets_a_review_task_without_personal_data(app, known, other_agent, login_as, org):
    client = app.test_client()
    login(client, other_agent)
    client.post("/newcomers/new", data=TYPED)
    admin_client, _admin = login_as(Role.ADMIN)
    page = admin_client.get("/admin/pathways/duplicate-reviews").get_data(as_text=True)
    assert str(known.id) in page  # the file reference to review
    assert "Bureau de Dinant" in page and other_agent.display_name in page  # who checked, from where
    for secret in SECRETS[:-1]:
        assert secret not in page, secret
    # The agent of the other office cannot read the review list.
    assert client.get("/admin/pathways/duplicate-reviews").status_code in (403, 404)


def test_own_office_duplicates_are_still_shown_and_file_no_review(app, known, agent, login_as):
    client = app.test_client()
    login(client, agent)
    page = client.post("/newcomers/new", data=TYPED).get_data(as_text=True)
    assert "Open the existing file" in page or "dossier existant" in page
    admin_client, _admin = login_as(Role.ADMIN)
    assert str(known.id) not in admin_client.get("/admin/pathways/duplicate-reviews").get_data(as_text=True)


def test_duplicate_checks_are_rate_limited_per_user(app, known, other_agent, client, make_token, make_user, org):
    app.config["DUPLICATE_CHECKS_PER_HOUR"] = 3
    web = app.test_client()
    login(web, other_agent)
    for _ in range(3):
        assert "another office" in web.post("/newcomers/new", data=TYPED).get_data(as_text=True)
    refused = web.post("/newcomers/new", data=TYPED)
    assert refused.status_code == 200
    assert "Too many duplicate checks" in refused.get_data(as_text=True)
    # Another user has their own allowance; over it, the API answers 429 problem+json.
    attacker = make_user(Role.AGENT, office_id=org["other_office"].id)
    secret, _token = make_token(Role.AGENT, user=attacker)
    for _ in range(3):
        assert client.post("/api/v1/newcomers", json=TYPED, headers=bearer(secret)).status_code == 409
    response = client.post("/api/v1/newcomers", json=TYPED, headers=bearer(secret))
    assert response.status_code == 429
    assert problem_of(response)["code"] == "rate_limited"
    assert newcomers() == 1
