"""Issue 15, finding 11: every POST form of the application, fuzzed field by field.

The forms are discovered from the pages themselves: every web page of the access matrix is
fetched by an actor allowed to see it, and each ``<form method="post">`` found (its action, its
fields, their rendered values and options) is submitted again and again with one field replaced
by a bad value: empty, wrong type, huge number, negative number, unknown choice, control
characters, 10 KB of text. Never a 500 (the test application raises instead of rendering one);
a refusal is a translated message (no English WTForms default) or a clean 4xx, and writes no row.
Every non-API POST endpoint must have a discovered form or a reason in ``NOT_DISCOVERED``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func as sa_func
from sqlalchemy import literal, select, union_all

from integration_centre.accounts.models import Office
from integration_centre.extensions import db
from tests import access_world
from tests.access_world import WEB_ACTORS
from tests.test_access_matrix import MATRIX, rules, url_for_rule

BAD_VALUES = {
    "empty": "",
    "wrong type": "abc",
    "huge": "9" * 21,
    "negative": "-1",
    "unknown choice": "no-such-choice",
    "control characters": "a\x00b\x07c\x1b[31m",
    "10 KB": "x" * 10_240,
}
# POST endpoints whose form no page shows, and why (forms that need a login half done are
# fuzzed by tests/test_forms_validation.py).
NOT_DISCOVERED = {
    "accounts.login_second_factor": "needs a login half done (tests/test_forms_validation.py)",
    "accounts.enrol_totp_pending": "needs a login half done (tests/test_forms_validation.py)",
    "accounts.disable_totp": "only with two-step login on; covered by tests/test_forms_validation.py",
    "accounts.account_setup": "needs a valid one-time setup link; its errors: tests/accounts/test_setup_link.py",
    "reception.declare_effort": "Flanders only (the world's case is Walloon); its bad input: "
    "tests/reception/test_flemish_certificate.py",
    # Button-only forms: no field but the CSRF token, nothing to fuzz.
    "accounts_admin.login_alert_seen": "a button-only form (shown for a raised login alert)",
    "network.deactivate_office": "a button-only confirmation (shown for an office without open work)",
    "network.deactivate_organisation": "a button-only confirmation (shown for an organisation without open work)",
    "network.reactivate_office": "a button-only form (shown for a deactivated office)",
    "network.reactivate_organisation": "a button-only form (shown for a deactivated organisation)",
    "pathway_admin.duplicate_review_done": "a button-only form (shown for an open duplicate review)",
    "agenda.open_case": "a button-only form (shown for an attended reception appointment without a case)",
    # The person's requests: pages of a space session, which no staff actor reaches; their bad
    # input is tested in tests/space/test_requests.py.
    "space.confirm_appointment": "a button-only form of the person's space",
    "space.move_appointment": "a page of the person's space (tests/space/test_requests.py)",
    "space.contact_change": "a page of the person's space (tests/space/test_requests.py)",
    "space.rights_request": "a page of the person's space (tests/space/test_requests.py)",
    "space_office.apply": "shown for a contact change (the world's request is a move): its bad input "
    "(a stale file version) in tests/space/test_office_requests.py",
}
# Tables a refused submission may still write: reads of personal data are audited, failed
# passwords are counted (they feed the throttle), sessions are touched.
MAY_CHANGE = {"privacy_audit", "privacy_audit_head", "login_attempt", "user_session"}
ENGLISH_DEFAULTS = ("Not a valid", "Invalid Choice", "This field is required", "Field must be", "Invalid value")


def add_states(world) -> dict[str, str]:
    """Objects in the states that show the remaining forms; returns page key → URL to visit.

    A disabled account, referrals accepted and started, a case ready for the certificate
    without one, a case with a step to refer, queued notifications, an unseen operator update,
    a person without legal hold, a started request, a restricted file and a produced export.
    """
    from integration_centre.accounts import services as account_services
    from integration_centre.accounts.models import Role, User
    from integration_centre.operators import services as operators
    from integration_centre.operators.models import OperatorProfile
    from integration_centre.pathway import registration
    from integration_centre.pathway import services as pathway
    from integration_centre.privacy import restrictions
    from integration_centre.privacy.context import Actor
    from integration_centre.reception import services as reception
    from integration_centre.rights import export, requests
    from integration_centre.rights.models import SubjectRequest
    from tests.conftest import TEST_PASSWORD
    from tests.pathway.conftest import newcomer_data
    from tests.reception.helpers import do_reception, finish_training

    ids, today = world.ids, date.today()
    agent, op, admin = (db.session.get(User, world.users[k].id) for k in ("agent", "op", "admin"))
    office = db.session.get(Office, ids["office"])
    disabled = account_services.create_user(
        email="disabled@matrix.example", display_name="disabled", role=Role.AGENT, password=TEST_PASSWORD,
        office_id=office.id, centre_id=office.centre_id, must_change_password=False,
    )  # fmt: skip
    db.session.flush()
    account_services.set_enabled(disabled, False, acting=admin)
    db.session.commit()

    def case_of(n: int, family: str):
        person = registration.register_newcomer(
            agent, newcomer_data(family_name=family, given_names="Test", date_of_birth=date(1980, 1, n),
                                 email=f"{family.lower()}@example.org"),
            office, confirm_duplicate=True, today=today - timedelta(days=100),
        )  # fmt: skip
        case = pathway.open_case(agent, person, on=today - timedelta(days=90))
        pathway.transition_case(agent, case, "start", on=today - timedelta(days=90))
        db.session.commit()
        do_reception(agent, case, on=today - timedelta(days=80))
        return person, case

    _, accepted_case = case_of(2, "Accepte")
    accepted = operators.refer(
        agent, accepted_case, "french_course", ids["organisation"], on=today - timedelta(days=60)
    )
    db.session.commit()
    operators.accept(op, accepted, on=today - timedelta(days=50))
    db.session.commit()
    _, started_case = case_of(3, "Commence")
    started = operators.refer(agent, started_case, "french_course", ids["organisation"], on=today - timedelta(days=60))
    db.session.commit()
    operators.accept(op, started, on=today - timedelta(days=50))
    operators.start(op, started, on=today - timedelta(days=40))
    db.session.commit()
    _, ready_case = case_of(4, "Pret")
    finish_training(agent, ready_case, on=today - timedelta(days=20))
    reception.queue_notification(agent, ready_case, "municipality")
    db.session.commit()
    _, refer_case = case_of(5, "Oriente")
    db.session.add(
        OperatorProfile(
            organisation_id=ids["organisation"],
            capacity=20,
            service_types=operators.step_service_types(refer_case, "french_course"),
        )
    )
    db.session.commit()
    ids["accepted_referral"], ids["accepted_version"] = accepted.id, accepted.version
    from integration_centre.pathway import transfers

    _, moving_case = case_of(6, "Transfere")
    moving = transfers.request_transfer(agent, moving_case, db.session.get(Office, world.users["agent~o"].office_id))
    db.session.commit()
    bare = registration.register_newcomer(
        agent, newcomer_data(family_name="Libre", given_names="Test", date_of_birth=date(1981, 2, 3),
                             email="libre@example.org"),
        office, confirm_duplicate=True, today=today - timedelta(days=10),
    )  # fmt: skip
    db.session.commit()
    system = Actor.system("fuzz")
    started_request = requests.record_request(system, ids["second_person"], "rectification", today, today=today)
    db.session.flush()
    requests.start(system, started_request)
    restricted_request = requests.record_request(system, ready_case.person_id, "restriction", today, today=today)
    db.session.flush()
    restrictions.restrict(ready_case.person_id, actor=system, request_id=restricted_request.id)
    db.session.commit()
    from integration_centre.agenda.models import Appointment

    started_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # booked earlier, now started
    started_appointment = Appointment(
        office_id=office.id, kind="reception", agent_id=agent.id, person_id=bare.id, starts_at=started_at,
        ends_at=started_at + timedelta(minutes=30), status="booked", booked_by_id=agent.id,
    )  # fmt: skip
    db.session.add(started_appointment)
    db.session.commit()
    item = db.session.get(SubjectRequest, ids["request"])
    files = export.produce(admin, item, person_name="Al-Hassan")
    db.session.commit()
    return {
        "agent": ["/", f"/cases/{ready_case.id}/certificate/issue", "/reception/outbox/municipality/sent",
                  f"/cases/{refer_case.id}/steps/french_course/refer", f"/cases/{moving_case.id}",
                  f"/caseload/{agent.id}", f"/cases/{refer_case.id}/status/suspend",
                  f"/agenda/appointments/{started_appointment.id}"],
        "op": [f"/operator/referrals/{accepted.id}", f"/operator/referrals/{started.id}",
               f"/operator/referrals/{started.id}/abandon", f"/operator/referrals/{ids['referral']}/decline"],
        "agent~o": [f"/transfers/{moving.id}/refuse", f"/transfers/{moving.id}/accept"],
        "admin": [f"/admin/users/{disabled.id}/enable", f"/admin/erasure/{bare.id}",
                  f"/admin/privacy/requests/{started_request.id}", f"/admin/privacy/requests/{restricted_request.id}",
                  f"/admin/privacy/exports/{files[0].id}", "/account/security"],
    }  # fmt: skip


@dataclass
class Form:
    """A POST form as a page renders it."""

    actor: str
    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → rendered values
    options: dict[str, list[str]] = field(default_factory=dict)  # select name → option values
    checkables: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.current, self.select, self.textarea = page, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = Form("", self.page, a.get("action") or self.page)
            self.forms.append(self.current)
        if self.current is None:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token" and a.get("type") not in ("file",):
            kind = a.get("type", "text")
            values = self.current.fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                self.current.checkables.add(name)
                self.current.options.setdefault(name, []).append(a.get("value", "y"))
                if "checked" in a:
                    values.append(a.get("value", "y"))
            elif kind not in ("submit", "button"):
                values.append(a.get("value", ""))
        elif tag == "button" and name and self.current is not None:
            self.current.fields.setdefault(name, [a.get("value", "")])
        elif tag == "select" and name:
            self.select = name
            self.current.fields.setdefault(name, [])
            self.current.options.setdefault(name, [])
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.current.options[self.select].append(value)
            if "selected" in a:
                self.current.fields[self.select] = [value]
        elif tag == "textarea" and name:
            self.textarea = name
            self.current.fields[name] = [""]

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current.fields[self.textarea] = [self.current.fields[self.textarea][0] + data]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _endpoint_of(app, path: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(path).path, method="POST")
    except Exception:  # noqa: BLE001 - not a POST route of this app
        return None
    return endpoint


def _collect(world, actor: str, url: str, found: dict[str, Form]) -> None:
    response = world.client(actor).get(url)
    if response.status_code != 200 or "html" not in response.content_type:
        response.close()
        return
    parser = _FormParser(url)
    parser.feed(response.get_data(as_text=True))
    response.close()
    for form in parser.forms:
        form.actor = actor
        target = _endpoint_of(world.app, html.unescape(form.action))
        if target and target not in ("accounts.logout", "core.set_language") and target not in found:
            found[target] = form


def discover(world, extra_pages: dict[str, list[str]] | None = None) -> dict[str, Form]:
    """POST endpoint → the first form found for it on the matrix's pages, then on ``extra_pages``."""
    found: dict[str, Form] = {}
    for endpoint, rule in rules(world.app):
        if "GET" not in rule.methods or endpoint.startswith(("api.", "static")) or endpoint not in MATRIX:
            continue
        cells = MATRIX[endpoint]["GET"].split()
        actor = next((a for a, c in zip(WEB_ACTORS, cells, strict=False) if c == "200"), None)
        if actor is None:
            continue
        _collect(world, actor, url_for_rule(world, endpoint, rule), found)
    for actor, urls in (extra_pages or {}).items():
        for url in urls:
            _collect(world, actor, url, found)
    return found


_COUNT_QUERY = []


def row_counts() -> dict[str, int]:
    """Rows per table, in one statement (built once: building it cost more than running it)."""
    if not _COUNT_QUERY:
        tables = [t for t in db.metadata.sorted_tables if t.name not in MAY_CHANGE]
        _COUNT_QUERY.append(union_all(*(select(literal(t.name), sa_func.count()).select_from(t) for t in tables)))
    db.session.expire_all()
    return dict(db.session.execute(_COUNT_QUERY[0]).all())


def bad_values(form: Form, name: str) -> dict[str, str]:
    """The bad values worth a request for the field: one per class of bad value.

    For a choice whose options are all words (no number among them), "abc", a huge number and
    a negative number are the same class as an unknown choice (a string not offered): one
    request for the class. A choice of numbers (ids) gets every value.
    """
    options = [o for o in form.options.get(name, []) if o]
    if options and not any(o.lstrip("-").isdigit() for o in options):
        return {k: v for k, v in BAD_VALUES.items() if k not in ("wrong type", "huge", "negative")}
    return BAD_VALUES


def baseline(form: Form) -> dict[str, list[str]]:
    """The values the page rendered; a select without a choice takes its first real option."""
    data = {}
    for name, values in form.fields.items():
        if not values and name in form.options and name not in form.checkables:
            real = [o for o in form.options[name] if o]
            values = real[:1]
        data[name] = list(values)
    return data


@pytest.fixture(scope="module")
def world(db_url, _schema, tmp_path_factory):
    app = access_world.world_app(db_url, tmp_path_factory.mktemp("fuzz"))
    with app.app_context():
        built = access_world.build(app)
        built.ids["extra_pages"] = add_states(built)
        yield built
        access_world.teardown(built)


@pytest.fixture(scope="module")
def forms(world):
    found = discover(world, world.ids["extra_pages"])
    # "Started" has no page of its own (recording attendance starts the referral): its form is
    # the view's VersionForm, the same fields as the accept button's form.
    accept = found["operators.accept"]
    found["operators.start"] = Form(
        accept.actor,
        accept.page,
        f"/operator/referrals/{world.ids['accepted_referral']}/start",
        {**accept.fields, "version": [str(world.ids["accepted_version"])]},
    )
    return found


def test_every_post_form_is_discovered(world, forms):
    post_endpoints = {e for e, rule in rules(world.app) if "POST" in rule.methods and not e.startswith("api.")} - {
        "accounts.logout",
        "core.set_language",
        "accounts.login",
    }
    # The person's space has no actor in this world (it opens with a personal link and a date of
    # birth): its forms' bad input is tested in tests/space/.
    post_endpoints = {e for e in post_endpoints if not e.startswith("space.")}
    missing = sorted(post_endpoints - set(forms) - set(NOT_DISCOVERED))
    assert not missing, f"POST endpoints whose form no page shows (add a reason to NOT_DISCOVERED): {missing}"


def _submit(world, form: Form, data: dict) -> tuple[int, str, str | None]:
    client = world.client(form.actor)
    try:
        response = client.post(html.unescape(form.action), data=data)
    except Exception as exc:  # noqa: BLE001 - the test application raises what would be a 500
        return 500, f"{type(exc).__name__}: {str(exc)[:300]}", None
    body = response.get_data(as_text=True)
    response.close()
    return response.status_code, body, response.headers.get("Location")


def _refused(status: int, body: str, world, form: Form, location: str | None) -> bool:
    if status >= 400:
        return True
    if status == 200:
        return 'class="field-error"' in body or 'class="error-summary"' in body or "notice-error" in body
    if status == 302 and location:
        page = world.client(form.actor).get(location)
        shown = page.get_data(as_text=True)
        page.close()
        return "notice-error" in shown
    return False


def test_every_form_field_refuses_bad_input_cleanly(world, forms):
    problems = []
    before = None
    for endpoint, form in sorted(forms.items()):
        base = baseline(form)
        for name in sorted(form.fields):
            for label, bad in bad_values(form, name).items():
                data = {**base, name: [bad]}
                before = before or row_counts()  # the previous request's "after" when nothing ran since
                status, body, location = _submit(world, form, data)
                where = f"{endpoint} [{form.action}] {name}={label}"
                if status >= 500:
                    problems.append(f"{where}: {status} {body[:300]}")
                    db.session.rollback()
                    before = None
                    continue
                if status not in (200, 302, 400, 404, 409, 410, 413, 422):
                    problems.append(f"{where}: status {status}")
                english = [d for d in ENGLISH_DEFAULTS if d in html.unescape(re.sub(r"<[^>]+>", " ", body))]
                if english:
                    problems.append(f"{where}: untranslated message {english}")
                after = row_counts()
                if after != before:
                    if _refused(status, body, world, form, location):
                        changed = {t: (before[t], after[t]) for t in after if after[t] != before.get(t)}
                        problems.append(f"{where}: refused but wrote {changed}")
                    after = None  # _refused may have followed a redirect since: count again
                before = after
    assert not problems, "\n".join([f"{len(problems)} problem(s):", *problems])
