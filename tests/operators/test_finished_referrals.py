"""Issue 15, finding 5: an operator stops reading the person's data once a referral is finished.

Declined, withdrawn and abandoned referrals at once; completed ones after a grace period
(``OPERATOR_DATA_GRACE_DAYS``, 30 days by default). After that the operator sees the reference,
the dates and its own records only: no name, no contact, no decryption, no access audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.operators.models import Referral
from integration_centre.privacy.models import AuditRecord
from tests.conftest import login

PERSONAL = ("Amira", "Al-Hassan", "470 12 34 56", "amira@example.org")


def _finish(state: str, referral, agent, operator_user) -> None:
    if state == "declined":
        services.decline(operator_user, referral.id, "no_places")
    elif state == "withdrawn":
        services.withdraw(agent, referral.id, "person_request")
    elif state == "abandoned":
        services.accept(operator_user, referral.id)
        services.abandon(operator_user, referral.id, "never_came")
    else:
        services.accept(operator_user, referral.id)
        services.record_attendance(operator_user, referral.id, sessions=40, hours=400)
        services.complete(operator_user, referral.id, result="A2")
    db.session.commit()


def _age_completion(referral, days: int) -> None:
    db.session.execute(
        update(Referral).where(Referral.id == referral.id).values(updated_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()
    db.session.expire_all()


def _view_audits() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.purpose == "referral.operator_view")
    )


@pytest.mark.parametrize("state", ["declined", "withdrawn", "abandoned"])
def test_finished_referral_shows_no_person_on_the_portal(client, referral, agent, operator_user, state):
    login(client, operator_user)
    page = client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True)
    assert all(marker.lower() in page.lower() for marker in PERSONAL)  # the name is written "AL-HASSAN, Amira"
    _finish(state, referral, agent, operator_user)
    before = _view_audits()

    response = client.get(f"/operator/referrals/{referral.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for marker in PERSONAL:
        assert marker.lower() not in page.lower(), (state, marker)
    assert referral.reference in page
    assert "no longer shown" in page
    assert _view_audits() == before  # nothing was decrypted

    view = services.operator_view(db.session.get(Referral, referral.id), operator_user)
    assert view["person"] is None
    assert view["reference"] == referral.reference and view["sent_on"] == referral.sent_on
    assert {event["actor_role"] for event in view["history"]} <= {"operator"}


def test_completed_referral_keeps_the_person_during_the_grace_period_only(client, referral, agent, operator_user):
    _finish("completed", referral, agent, operator_user)
    login(client, operator_user)
    page = client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True)
    assert all(marker.lower() in page.lower() for marker in PERSONAL)  # the name is written "AL-HASSAN, Amira"

    _age_completion(referral, 29)
    assert "al-hassan" in client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True).lower()

    _age_completion(referral, 31)
    page = client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True)
    for marker in PERSONAL:
        assert marker.lower() not in page.lower(), marker
    assert referral.reference in page
    view = services.operator_view(db.session.get(Referral, referral.id), operator_user)
    assert view["person"] is None
    assert view["result"] == "A2" and str(view["hours"]) in ("400", "400.00")
    assert all(event["actor_role"] == "operator" for event in view["history"])
    assert view["history"][-1]["action"] == "complete"


def test_the_grace_period_is_a_setting(app, client, referral, agent, operator_user):
    app.config["OPERATOR_DATA_GRACE_DAYS"] = 5
    _finish("completed", referral, agent, operator_user)
    _age_completion(referral, 6)
    login(client, operator_user)
    assert "al-hassan" not in client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True).lower()
    app.config["OPERATOR_DATA_GRACE_DAYS"] = 10
    assert "al-hassan" in client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True).lower()


def test_the_grace_setting_is_read_from_the_environment_and_checked():
    from integration_centre.config import ConfigurationError, build_flask_config, read_settings

    resolved = read_settings(environ={"INTEGRATION_CENTRE_OPERATOR_DATA_GRACE_DAYS": "45"})
    assert build_flask_config(resolved["settings"], resolved["flask"])["OPERATOR_DATA_GRACE_DAYS"] == 45
    assert read_settings(environ={})["settings"]["OPERATOR_DATA_GRACE_DAYS"] == 30
    bad = read_settings(environ={"INTEGRATION_CENTRE_OPERATOR_DATA_GRACE_DAYS": "-1"})
    with pytest.raises(ConfigurationError):
        build_flask_config(bad["settings"], bad["flask"])


def test_open_referrals_still_show_the_person(client, referral, operator_user):
    services.accept(operator_user, referral.id)
    db.session.commit()
    login(client, operator_user)
    page = client.get(f"/operator/referrals/{referral.id}").get_data(as_text=True)
    assert all(marker.lower() in page.lower() for marker in PERSONAL)  # the name is written "AL-HASSAN, Amira"
