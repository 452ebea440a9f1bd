"""Issue 15, finding 9: the access-control matrix, one declared table for the whole URL map.

Every rule of ``app.url_map`` × each of its methods × every actor, run against seeded objects
of the office and the organisation (``tests/access_world.py``). A route without a row fails
``test_every_route_has_a_row`` with the row to add.

Outcome codes: ``200``… the status; ``LOG`` a redirect to the login page; ``302`` any other
redirect. Columns (``tests/access_world.ACTORS``):

- ``anon``: not logged in; ``agent``: agent of the office that holds the seeded files;
  ``agent~o``: agent of another office of the same centre; ``agent~c``: agent of another centre;
- ``op``: operator of the organisation the referral is addressed to; ``op~o``: operator of
  another organisation; ``com``: committee; ``admin``: administrator (with two-step login);
- API tokens: ``tAg`` the agent's (every agent scope), ``tAg-r`` the agent's read-only,
  ``tAg~o`` the other office's agent's, ``tOp`` the operator's (every operator scope),
  ``tOp-r`` the operator's read-only, ``tOp~o`` the other organisation's operator's.

Rows of web pages give the eight web actors only: a token is ignored outside ``/api/`` (the
request is anonymous), so their six token columns are ``LOG`` — checked all the same.

The last column, ``space`` (issue 20), is the person followed inside their own space (a live
personal link opened with their date of birth): it reaches the space's pages of its own person
and nothing else, so every row's space cell is ``404`` unless the row names it after a ``|``
(``"… 404 | 200"``). A ``space.*`` row must name it.
URL values come from ``PARAMS`` (by argument name) or ``OVERRIDES`` (by endpoint).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from tests import access_world
from tests.access_world import ACTORS, TOKEN_ACTORS, WEB_ACTORS

# One row per endpoint: method → the outcome per actor, in the column order of ACTORS:
#                                                   anon agent agent~o agent~c op op~o com admin
#                                                     (API rows: then tAg tAg-r tAg~o tOp tOp-r tOp~o)
# Notes: ``pathway_admin.definition``, ``accounts_admin.confirmation`` and ``rights.download`` answer
# 404 to the admin too because the world has no such definition version / confirmation / export file.
MATRIX: dict[str, dict[str, str]] = {
    # The person's space checks its own session: staff and anonymous visitors get its neutral 404;
    # the person in their space (last column) reaches its pages. An unknown link is 404 for all.
    "space.goodbye": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200 | 200"},
    "space.home": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.logout": {"POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 302"},
    # What the person sees: a space session only, else the neutral 404. The world's appointment is
    # another person's: the person in their space gets 404 for it (their own person's pages only).
    "space.access_log": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.appointments": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.contacts": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.document_download": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.documents": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.privacy": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.steps": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    # The space's language picker works before the date of birth too: it only keeps a language.
    "space.set_language": {"POST": "302 302 302 302 302 302 302 302 302 302 302 302 302 302 | 302"},
    "space_admin.translations": {"GET": "LOG 404 404 404 404 404 404 200"},
    "space.open_link": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 404",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 404",
    },
    # The person's optional account: set from inside the space; the login page is public.
    "space.account": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200",
    },
    "space.account_code": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 302",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 302",
    },
    "space.account_remove": {"POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 302"},
    "space.login": {
        "GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200 | 200",
        "POST": "200 200 200 200 200 200 200 200 200 200 200 200 200 200 | 200",
    },
    # The office's side of the personal link: agents of the person's office (the second person's
    # link, so that the space column's own link stays live).
    "space_links.issue": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "space_links.revoke": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 302 404 404 404 404 404 404",
    },
    # The person's requests (space-requests): the same neutral 404 without a space session.
    "space.requests": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200"},
    "space.confirm_appointment": {"POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 404"},
    "space.move_appointment": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 404",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 404",
    },
    "space.contact_change": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 400",
    },
    "space.rights_request": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 200",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404 | 400",
    },
    # The office's side of the persons' requests: every agent has the office's list; one request
    # only in its office (an empty POST is refused with the form's errors, 400).
    "space_office.pending": {"GET": "LOG 200 200 200 404 404 404 404"},
    "space_office.review": {"GET": "LOG 200 404 404 404 404 404 404"},
    "space_office.move": {"POST": "LOG 400 404 404 404 404 404 404"},
    "space_office.apply": {"POST": "LOG 400 404 404 404 404 404 404"},
    "space_office.decline": {"POST": "LOG 400 404 404 404 404 404 404"},
    # Public pages of the one-time setup link: an unknown, used or expired link is the same 404.
    "accounts.account_setup": {
        "GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
        "POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    },
    "accounts.account_setup_link": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
    "accounts.account_security": {"GET": "LOG 200 200 200 200 200 200 200"},
    "accounts.change_password": {
        "GET": "LOG 200 200 200 200 200 200 200",
        "POST": "LOG 200 200 200 200 200 200 200",
    },
    "accounts.disable_totp": {
        "GET": "LOG 302 302 302 302 302 302 302",
        "POST": "LOG 302 302 302 302 302 302 302",
    },
    "accounts.enrol_totp": {
        "GET": "LOG 200 200 200 200 200 200 302",
        "POST": "LOG 200 200 200 200 200 200 302",
    },
    "accounts.enrol_totp_pending": {
        "GET": "LOG LOG LOG LOG LOG LOG LOG LOG",
        "POST": "LOG LOG LOG LOG LOG LOG LOG LOG",
    },
    "accounts.login": {
        "GET": "200 302 302 302 302 302 302 302 200 200 200 200 200 200",
        "POST": "200 302 302 302 302 302 302 302 200 200 200 200 200 200",
    },
    "accounts.login_second_factor": {
        "GET": "LOG LOG LOG LOG LOG LOG LOG LOG",
        "POST": "LOG LOG LOG LOG LOG LOG LOG LOG",
    },
    "accounts.logout": {"POST": "LOG LOG LOG LOG LOG LOG LOG LOG"},
    "accounts.reauthenticate": {
        "GET": "LOG 200 200 200 200 200 200 200",
        "POST": "LOG 200 200 200 200 200 200 200",
    },
    "accounts.regenerate_recovery_codes": {
        "GET": "LOG 302 302 302 302 302 302 200",
        "POST": "LOG 302 302 302 302 302 302 200",
    },
    "accounts_admin.centre_mfa": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "accounts_admin.login_alert_seen": {"POST": "LOG 404 404 404 404 404 404 404"},
    "accounts_admin.confirmation": {"GET": "LOG 404 404 404 404 404 404 404"},
    "accounts_admin.create_user": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "accounts_admin.disable_user": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 302",
    },
    "accounts_admin.edit_role": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "accounts_admin.enable_user": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 302",
    },
    "accounts_admin.home": {"GET": "LOG 404 404 404 404 404 404 200"},
    "accounts_admin.end_user_sessions": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 302",
    },
    "accounts_admin.reset_password": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "accounts_admin.user_detail": {"GET": "LOG 404 404 404 404 404 404 200"},
    "accounts_admin.users": {"GET": "LOG 404 404 404 404 404 404 200"},
    # The office agenda: every agent sees their own office's; one appointment or session only in its office.
    # The calendar feed is public (its secret address is the key): an unknown address is 404 for everyone.
    "agenda.appointment": {"GET": "LOG 200 404 404 404 404 404 404"},
    "agenda.attendance": {"POST": "LOG 200 404 404 404 404 404 404"},
    "agenda.book": {"GET": "LOG 200 200 200 404 404 404 404", "POST": "LOG 200 200 200 404 404 404 404"},
    "agenda.book_seat": {"POST": "LOG 200 404 404 404 404 404 404"},
    "agenda.cancel": {"POST": "LOG 200 404 404 404 404 404 404"},
    "agenda.cancel_session": {"POST": "LOG 200 404 404 404 404 404 404"},
    "agenda.convocation_pdf": {"GET": "LOG 200 404 404 404 404 404 404"},
    "agenda.interpreter_answer": {"POST": "LOG 200 404 404 404 404 404 404"},
    "agenda.feed": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
    "agenda.feed_page": {"GET": "LOG 200 200 200 404 404 404 404", "POST": "LOG 200 200 200 404 404 404 404"},
    "agenda.new_session": {"GET": "LOG 200 200 200 404 404 404 404", "POST": "LOG 200 200 200 404 404 404 404"},
    "agenda.move": {"POST": "LOG 200 404 404 404 404 404 404"},
    # Issue 18: the case opens from a reception appointment the person came to (the world's is
    # still booked: the agent is told why, 400).
    "agenda.open_case": {"POST": "LOG 400 404 404 404 404 404 404"},
    "agenda.office": {"GET": "LOG 200 200 200 404 404 404 404"},
    "agenda.add_room": {"POST": "LOG 200 200 200 404 404 404 404"},
    "agenda.remove_room": {"POST": "LOG 302 404 404 404 404 404 404"},
    "agenda.session": {"GET": "LOG 200 404 404 404 404 404 404"},
    "agenda.settings": {"GET": "LOG 200 200 200 404 404 404 404", "POST": "LOG 200 200 200 404 404 404 404"},
    # Imports: every agent has the office's list and upload form; one upload only in its office.
    "intake.abandon": {"POST": "LOG 302 404 404 404 404 404 404"},
    "intake.apply_preset": {"POST": "LOG 302 404 404 404 404 404 404"},
    "intake.columns": {"GET": "LOG 200 404 404 404 404 404 404", "POST": "LOG 302 404 404 404 404 404 404"},
    "intake.confirm": {"POST": "LOG 302 404 404 404 404 404 404"},
    "intake.index": {"GET": "LOG 200 200 200 404 404 404 404", "POST": "LOG 200 200 200 404 404 404 404"},
    "intake.status": {"GET": "LOG 200 404 404 404 404 404 404"},
    "intake.upload": {"GET": "LOG 200 404 404 404 404 404 404"},
    "api.abandon_referral": {"POST": "401 401 401 401 401 401 401 401 403 403 403 400 403 400"},
    "api.accept_referral": {"POST": "401 401 401 401 401 401 401 401 403 403 403 200 403 404"},
    "api.complete_referral": {"POST": "401 401 401 401 401 401 401 401 403 403 403 409 403 404"},
    "api.create_newcomer": {"POST": "401 401 401 401 401 401 401 401 400 403 400 403 403 403"},
    "api.decline_referral": {"POST": "401 401 401 401 401 401 401 401 403 403 403 400 403 400"},
    "api.get_case": {"GET": "401 401 401 401 401 401 401 401 200 200 404 403 403 403"},
    "api.get_referral": {"GET": "401 401 401 401 401 401 401 401 403 403 403 200 200 404"},
    "api.list_referrals": {"GET": "401 401 401 401 401 401 401 401 403 403 403 200 200 200"},
    "api.open_case": {"POST": "401 401 401 401 401 401 401 401 409 403 404 403 403 403"},
    "api.openapi_document": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    "api.openapi_page": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    "api.post_attendance": {"POST": "401 401 401 401 401 401 401 401 403 403 403 400 403 400"},
    "api.search_newcomers": {"POST": "401 401 401 401 401 401 401 401 400 400 400 403 403 403"},
    "api.token_info": {"GET": "401 401 401 401 401 401 401 401 200 200 200 200 200 200"},
    "api_admin.create_token": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "api_admin.revoke_token": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 302",
    },
    "api_admin.tokens_page": {"GET": "LOG 404 404 404 404 404 404 200"},
    "workspace.home": {"GET": "LOG 200 200 200 404 404 404 404"},
    "stats_home.committee_home": {"GET": "LOG 404 404 404 404 404 200 404"},
    "observability.healthz": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    "observability.readyz": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    # no METRICS_TOKEN in the test app: loopback clients (the test client is one) may read it
    "observability.metrics": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    "accounts.index": {"GET": "LOG 302 302 302 302 302 302 302"},
    "core.set_language": {"POST": "302 302 302 302 302 302 302 302 302 302 302 302 302 302"},
    "network.centre": {"GET": "LOG 404 404 404 404 404 404 200"},
    "network.centres": {"GET": "LOG 404 404 404 404 404 404 200"},
    "network.deactivate_office": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 409"},
    "network.deactivate_organisation": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 409",
    },
    "network.delete_service": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 302"},
    "network.edit_centre": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.edit_office": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.edit_organisation": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.edit_service": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.new_centre": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.new_office": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.new_organisation": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.new_service": {"GET": "LOG 404 404 404 404 404 404 200", "POST": "LOG 404 404 404 404 404 404 200"},
    "network.office": {"GET": "LOG 404 404 404 404 404 404 200"},
    "network.organisation": {"GET": "LOG 404 404 404 404 404 404 200"},
    "network.reactivate_office": {"POST": "LOG 404 404 404 404 404 404 302"},
    "network.reactivate_organisation": {"POST": "LOG 404 404 404 404 404 404 302"},
    "operators.abandon": {
        "GET": "LOG 404 404 404 200 404 404 404",
        "POST": "LOG 404 404 404 200 404 404 404",
    },
    "operators.accept": {"POST": "LOG 404 404 404 302 404 404 404"},
    "operators.agent_referral": {"GET": "LOG 200 404 404 404 404 404 404"},
    "operators.attendance": {"POST": "LOG 404 404 404 200 404 404 404"},
    "operators.complete": {"POST": "LOG 404 404 404 302 404 404 404"},
    "operators.decline": {
        "GET": "LOG 404 404 404 302 404 404 404",
        "POST": "LOG 404 404 404 302 404 404 404",
    },
    "operators.directory": {"GET": "LOG 200 200 200 200 200 404 200"},
    "operators.home": {"GET": "LOG 404 404 404 200 200 404 404"},
    "operators.inbox": {"GET": "LOG 404 404 404 200 200 404 404"},
    "operators.refer": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "operators.referral": {"GET": "LOG 404 404 404 200 404 404 404"},
    "operators.search": {"POST": "LOG 404 404 404 200 200 404 404"},
    "operators.start": {"POST": "LOG 404 404 404 302 404 404 404"},
    "operators.updates": {"GET": "LOG 200 200 200 404 404 404 404"},
    "operators.updates_seen": {"POST": "LOG 302 302 302 404 404 404 404"},
    "operators.withdraw": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "operators_admin.edit_profile": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "operators_admin.organisations": {"GET": "LOG 404 404 404 404 404 404 200"},
    "workspace.case": {"GET": "LOG 200 404 404 404 404 404 404"},
    "pathway.newcomer": {"GET": "LOG 200 404 404 404 404 404 404"},
    "pathway.open_case": {"POST": "LOG 302 404 404 404 404 404 404"},
    "pathway.case_profile": {"POST": "LOG 302 404 404 404 404 404 404"},
    "pathway.register": {
        "GET": "LOG 200 200 200 404 404 404 404",
        "POST": "LOG 200 200 200 404 404 404 404",
    },
    # No such review in the world: 404 for everyone (the admin included), before any role check.
    "pathway_admin.duplicate_review_done": {"POST": "404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
    "pathway_admin.duplicate_reviews_page": {"GET": "LOG 404 404 404 404 404 404 200"},
    "pathway_admin.definition": {"GET": "LOG 404 404 404 404 404 404 404"},
    "pathway_admin.definitions": {"GET": "LOG 404 404 404 404 404 404 200"},
    "privacy.audit_log": {"GET": "LOG 404 404 404 404 404 404 200"},
    "privacy.export_csv": {"GET": "LOG 404 404 404 404 404 404 200"},
    "privacy_retention.confirm": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "privacy_retention.erased": {"GET": "LOG 404 404 404 404 404 404 302"},
    "privacy_retention.find_person": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "privacy_retention.upcoming": {"GET": "LOG 404 404 404 404 404 404 200"},
    "reception.add_task": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.agreement_pdf": {"GET": "LOG 200 404 404 404 404 404 404"},
    "reception.assessment": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.certificate_pdf": {"GET": "LOG 200 404 404 404 404 404 404"},
    # The declaration of effort exists in Flanders only: the world's case is Walloon (404 to all).
    "reception.declare_effort": {
        "GET": "LOG 404 404 404 404 404 404 404",
        "POST": "LOG 404 404 404 404 404 404 404",
    },
    "reception.issue_certificate": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.mark_sent": {
        "GET": "LOG 200 200 200 404 404 404 404",
        "POST": "LOG 302 302 302 404 404 404 404",
    },
    "reception.module": {"GET": "LOG 200 404 404 404 404 404 404"},
    "reception.outbox": {"GET": "LOG 200 200 200 404 404 404 404"},
    "reception.outbox_csv": {"GET": "LOG 200 200 200 404 404 404 404"},
    "reception.outbox_pdf": {"GET": "LOG 200 200 200 404 404 404 404"},
    "reception.positioning_test": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.queue_notification": {"POST": "LOG 302 404 404 404 404 404 404"},
    "reception.revoke_certificate": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.session": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.sign_agreement": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "reception.task_done": {"POST": "LOG 302 404 404 404 404 404 404"},
    "reception.verify_certificate": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
    "rights.close_request": {"POST": "LOG 404 404 404 404 404 404 400"},
    "rights.download": {
        "GET": "LOG 404 404 404 404 404 404 404",
        "POST": "LOG 404 404 404 404 404 404 404",
    },
    "rights.extend_request": {"POST": "LOG 404 404 404 404 404 404 400"},
    "rights.lift_restriction": {"POST": "LOG 404 404 404 404 404 404 302"},
    "rights.new_request": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "rights.notice_admin": {
        "GET": "LOG 404 404 404 404 404 404 200",
        "POST": "LOG 404 404 404 404 404 404 200",
    },
    "rights.notice_given": {"POST": "LOG 302 404 404 404 404 404 404"},
    "rights.notice_page": {"GET": "LOG 200 200 200 404 404 404 200"},
    "rights.produce_export": {"POST": "LOG 404 404 404 404 404 404 400"},
    "rights.records_page": {"GET": "LOG 404 404 404 404 404 404 200"},
    "rights.rectify": {"POST": "LOG 404 404 404 404 404 404 400"},
    "rights.register": {"GET": "LOG 404 404 404 404 404 404 200"},
    "rights.request_detail": {"GET": "LOG 404 404 404 404 404 404 200"},
    "rights.restrict": {"POST": "LOG 404 404 404 404 404 404 302"},
    "rights.start_request": {"POST": "LOG 404 404 404 404 404 404 302"},
    "static": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200 | 200"},
    "stats.dashboard": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.download_csv": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.download_pdf": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.download_spreadsheet": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.funnel": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.methodology": {"GET": "LOG 404 404 404 404 404 200 404"},
    "stats.trends": {"GET": "LOG 404 404 404 404 404 200 404"},
    "workspace.calculator": {
        "GET": "LOG 200 200 200 404 404 404 404",
        "POST": "LOG 200 200 200 404 404 404 404",
    },
    "workspace.case_action": {"POST": "LOG 400 404 404 404 404 404 404"},
    "workspace.confirm_case_action": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.dispensation_new": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.dispensation_revoke": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.document": {"GET": "LOG 200 404 404 404 404 404 404"},
    "workspace.edit_file": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.evaluation": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.extension": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.needs_analysis": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.noncompliance": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    # Issue 18: persons announced by a commune, not presented (the office's only).
    "workspace.announced_list": {"GET": "LOG 200 200 200 404 404 404 404"},
    "workspace.announced_person": {"GET": "LOG 200 404 404 404 404 404 404"},
    "workspace.announced_reminder": {"POST": "LOG 302 404 404 404 404 404 404"},
    "workspace.announced_noncompliance": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.search": {
        "GET": "LOG 200 200 200 404 404 404 404",
        "POST": "LOG 200 200 200 404 404 404 404",
    },
    "workspace.step": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    # Casework (#16): transfers, caseload, merge.
    "pathway.merge_candidates": {"GET": "LOG 200 404 404 404 404 404 404"},
    "pathway.merge_compare": {
        "GET": "LOG 200 404 404 404 404 404 200",
        "POST": "LOG 200 404 404 404 404 404 200",
    },
    "pathway_admin.duplicate_review_merge": {"GET": "404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
    "workspace.agent_caseload": {
        "GET": "LOG 200 200 200 404 404 404 404",
        "POST": "LOG 200 200 200 404 404 404 404",
    },
    "workspace.caseload_page": {"GET": "LOG 200 200 200 404 404 404 404"},
    "workspace.cancel_transfer": {"POST": "LOG 404 404 404 404 404 404 404"},
    "workspace.incoming_transfers": {"GET": "LOG 200 200 200 404 404 404 404"},
    "workspace.accept_transfer": {
        "GET": "LOG 404 404 404 404 404 404 404",
        "POST": "LOG 404 404 404 404 404 404 404",
    },
    "workspace.refuse_transfer": {
        "GET": "LOG 404 404 404 404 404 404 404",
        "POST": "LOG 404 404 404 404 404 404 404",
    },
    "workspace.responsible": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
    "workspace.transfer": {
        "GET": "LOG 200 404 404 404 404 404 404",
        "POST": "LOG 200 404 404 404 404 404 404",
    },
}


def params(world) -> dict[str, object]:
    """URL argument name → value from the seeded world."""
    ids = world.ids
    return {
        "case_id": ids["case"],
        "newcomer_id": ids["person"],
        "person_id": ids["person"],
        "referral_id": ids["referral"],
        "appointment_id": ids["appointment"],
        "upload_id": ids["upload_checked"],
        "session_id": ids["group_session"],
        "room_id": ids["room"],
        "certificate_id": ids["certificate"],
        "task_id": ids["task"],
        "document_id": ids["document"],
        "dispensation_id": ids["dispensation"],
        "request_id": ids["request"],
        "file_id": ids["export_file"],
        "release_id": ids["release"],
        "centre_id": ids["centre"],
        "organisation_id": ids["organisation"],
        "office_id": ids["office"],
        "service_id": ids["service"],
        "review_id": 999_999,  # no such duplicate review: the admin gets 404 too
        "alert_id": 999_999,  # no such alert: the admin gets 404 too
        "user_id": ids["user"],
        "token_id": ids["token"],
        "token": "no-such-setup-link",  # an unknown setup link: the same neutral 404 for everyone
        "code": ids["verify_code"],
        "step_code": "french_course",
        "recipient": "municipality",
        "action": "disable",
        "filename": "css/app.css",
    }


# Endpoints whose URL needs other values than PARAMS.
OVERRIDES = {
    "workspace.document": lambda w: {"case_id": w.ids["second_case"]},
    "workspace.dispensation_revoke": lambda w: {"case_id": w.ids["second_case"]},
    "network.delete_service": lambda w: {"service_id": w.ids["spare_service"]},  # the admin's POST deletes it
    "operators.refer": lambda w: {"case_id": w.ids["second_case"]},
    "workspace.step": lambda w: {"code": "french_course"},
    "workspace.announced_person": lambda w: {"person_id": w.ids["announced"]},
    "workspace.announced_reminder": lambda w: {"person_id": w.ids["announced"]},
    "workspace.announced_noncompliance": lambda w: {"person_id": w.ids["announced"]},
    "workspace.confirm_case_action": lambda w: {"action": "suspend"},
    "workspace.agent_caseload": lambda w: {"agent_key": "none"},
    "pathway.merge_compare": lambda w: {"other_id": w.ids["second_person"]},
    "pathway_admin.definition": lambda w: {"code": "wallonia", "version": "2024"},
    "intake.columns": lambda w: {"upload_id": w.ids["upload_open"]},
    "intake.apply_preset": lambda w: {"upload_id": w.ids["upload_open"]},
    "intake.confirm": lambda w: {"upload_id": w.ids["upload_open"]},
    "intake.abandon": lambda w: {"upload_id": w.ids["upload_spare"]},
    "space_office.review": lambda w: {"space_request_id": _space_request(w, "appointment_move")},
    "space_office.move": lambda w: {"space_request_id": _space_request(w, "appointment_move")},
    "space_office.decline": lambda w: {"space_request_id": _space_request(w, "appointment_move")},
    "space_office.apply": lambda w: {"space_request_id": _space_request(w, "contact_change")},
    "space.document_download": lambda w: {"kind": "agreement", "document_id": w.ids["case"]},
    "space_links.issue": lambda w: {"person_id": w.ids["second_person"]},
    "space_links.revoke": lambda w: {"person_id": w.ids["second_person"]},
}


def _space_request(world, kind: str):
    """A pending request of the second person at the office (made once, on first use)."""
    key = f"space_request_{kind}"
    if key not in world.ids:
        import uuid

        from integration_centre.extensions import db
        from integration_centre.space.request_models import SpaceRequest

        move = kind == "appointment_move"
        item = SpaceRequest(
            id=uuid.uuid4(),
            person_id=world.ids["second_person"],
            office_id=world.ids["office"],
            kind=kind,
            status="pending",
            appointment_id=world.ids["appointment"] if move else None,
            reason="work" if move else None,
        )
        db.session.add(item)
        db.session.commit()
        world.ids[key] = item.id
    return world.ids[key]


# Requests that end the actor's session: its client logs in again afterwards.
ENDS_SESSION = {"accounts.logout", "space.logout"}


@pytest.fixture(scope="module")
def world(db_url, _schema, tmp_path_factory):
    app = access_world.world_app(db_url, tmp_path_factory.mktemp("matrix"))
    with app.app_context():
        built = access_world.build(app)
        yield built
        access_world.teardown(built)


def rules(app):
    """(endpoint, rule) of every route, sorted by endpoint."""
    return sorted(((r.endpoint, r) for r in app.url_map.iter_rules()), key=lambda pair: (pair[0], pair[1].rule))


def url_for_rule(world, endpoint: str, rule) -> str:
    values = params(world)
    values.update(OVERRIDES.get(endpoint, lambda w: {})(world))
    needed = {name: values[name] for name in rule.arguments}
    return world.app.url_map.bind("localhost").build(endpoint, needed)


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers.get("Location", ""))
        return "LOG" if location.path == "/login" else "302"
    return str(response.status_code)


def run(world, endpoint: str, method: str, url: str, actor: str) -> str:
    client = world.client(actor)
    response = client.open(url, method=method, headers=world.headers(actor))
    response.close()
    if endpoint in ENDS_SESSION:
        world.forget(actor)
    return outcome(response)


def _expected(endpoint: str, method: str) -> list[str]:
    staff, _bar, space = MATRIX[endpoint][method].partition("|")
    cells = staff.split()
    if len(cells) == len(WEB_ACTORS) and not endpoint.startswith("api."):
        cells += ["LOG"] * len(TOKEN_ACTORS)  # a token is ignored outside the API
    space_cells = space.split()
    assert space_cells or not endpoint.startswith("space."), (
        f'{endpoint} {method}: a space row names its space column ("… | 200")'
    )
    cells += space_cells or ["404"]  # the person in their space reaches nothing else
    assert len(cells) == len(ACTORS), f"{endpoint} {method}: {len(cells)} cells, {len(ACTORS)} actors"
    return cells


def _template_row(endpoint: str, methods: set[str]) -> str:
    cells = " ".join(["???"] * len(WEB_ACTORS))
    return f'"{endpoint}": {{' + ", ".join(f'"{m}": "{cells}"' for m in sorted(methods)) + "},"


def test_every_route_has_a_row(world):
    """The table's keys are exactly the URL map's endpoints and methods."""
    declared = {(e, m) for e, methods in MATRIX.items() for m in methods}
    routed = {(e, m) for e, rule in rules(world.app) for m in rule.methods - {"HEAD", "OPTIONS"}}
    missing: dict[str, set[str]] = {}
    for endpoint, method in sorted(routed - declared):
        missing.setdefault(endpoint, set()).add(method)
    stale = sorted(declared - routed)
    message = []
    if missing:
        message.append(
            "endpoints without a row in tests/test_access_matrix.py MATRIX (add, with the outcome per actor):"
        )
        message += [f"    {_template_row(e, m)}" for e, m in missing.items()]
    if stale:
        message.append(f"rows for routes that no longer exist: {stale}")
    assert not message, "\n".join(message)


def test_access_matrix(world):
    """Every endpoint × method × actor answers as the table says (and never a 500)."""
    wrong = []
    for endpoint, rule in rules(world.app):
        if endpoint not in MATRIX:
            continue  # reported by test_every_route_has_a_row
        url = url_for_rule(world, endpoint, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method not in MATRIX[endpoint]:
                continue
            expected = _expected(endpoint, method)
            got = [run(world, endpoint, method, url, actor) for actor in ACTORS]
            for actor, want, have in zip(ACTORS, expected, got, strict=True):
                if want != have:
                    wrong.append(f"{endpoint} {method} {url} as {actor}: expected {want}, got {have}")
    assert not wrong, "\n".join(["access matrix differs:", *wrong])


if os.environ.get("ACCESS_MATRIX_PRINT"):

    def test_print_observed(world):
        """ACCESS_MATRIX_PRINT=1 pytest -s …: print what every actor gets (to review a new row)."""
        for endpoint, rule in rules(world.app):
            url = url_for_rule(world, endpoint, rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                row = [run(world, endpoint, method, url, actor) for actor in ACTORS]
                print(f"{endpoint:40s} {method:5s} " + " ".join(f"{c:>4s}" for c in row))
