"""Issue 15, finding 10d: the operator inbox's tab counts are the organisation's only.

Another organisation has referrals in every state; the badges of the inbox tabs (web) and the
totals of the API list per state count only the user's organisation's referrals. A mutant that
drops the organisation filter from ``services.tab_counts`` fails here.
"""

from __future__ import annotations

import re

from integration_centre.api import tokens
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.operators.referrals import ReferralState
from tests.conftest import login
from tests.operators.conftest import ON

BADGE_RE = re.compile(r'href="/operator/referrals\?tab=(\w+)"[^>]*>[^<]*<span class="badge">(\d+)</span>')


def _referral_in(state: str, *, agent, operator_user, org_id, case_ready):
    item = services.refer(agent, case_ready(), "french_course", org_id, on=ON)
    db.session.commit()
    if state == "declined":
        services.decline(operator_user, item.id, "no_places")
    elif state == "withdrawn":
        services.withdraw(agent, item.id, "error")
    elif state != "sent":
        services.accept(operator_user, item.id)
        if state in ("in_progress", "completed"):
            services.record_attendance(operator_user, item.id, sessions=40, hours=400)
        if state == "completed":
            services.complete(operator_user, item.id, result="A2")
        if state == "abandoned":
            services.abandon(operator_user, item.id, "never_came")
    db.session.commit()
    assert item.state == state
    return item


def test_tab_counts_ignore_other_organisations(
    client, agent, org, operator_user, other_operator_user, case_ready, profiles
):
    for state in ReferralState:
        _referral_in(
            state.value,
            agent=agent,
            operator_user=other_operator_user,
            org_id=org["other_operator"].id,
            case_ready=case_ready,
        )
    for state in ("sent", "accepted"):
        _referral_in(state, agent=agent, operator_user=operator_user, org_id=org["operator"].id, case_ready=case_ready)
    expected = {"new": 1, "accepted": 1, "in_progress": 0, "done": 0}

    assert services.tab_counts(operator_user) == expected
    assert services.tab_counts(other_operator_user) == {"new": 1, "accepted": 1, "in_progress": 1, "done": 4}

    login(client, operator_user)
    for tab in expected:
        page = client.get(f"/operator/referrals?tab={tab}").get_data(as_text=True)
        assert {code: int(count) for code, count in BADGE_RE.findall(page)} == expected, tab
        assert page.count('href="/operator/referrals/') == expected[tab], tab

    created = tokens.create_token(operator_user, "inbox counts", ["referrals:read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {created.secret}"}
    for state in ReferralState:
        body = client.get(f"/api/v1/referrals?state={state.value}", headers=headers).get_json()
        assert body["total"] == {"sent": 1, "accepted": 1}.get(state.value, 0), state
    assert client.get("/api/v1/referrals", headers=headers).get_json()["total"] == 2
