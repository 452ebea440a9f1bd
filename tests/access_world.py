"""The seeded world of the access-control matrix and the form fuzz (issue 15, findings 9 and 11).

Two centres; the first with two offices and two partner organisations. One person of the office
with a case through the reception module, a referral to the organisation, a certificate, a
second person with an evidence document, a data-subject request, a statistics release, and one
logged-in client per actor (web sessions and API tokens). Built once per test module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from integration_centre.accounts import services as account_services
from integration_centre.accounts import totp
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.extensions import db
from tests.conftest import TEST_PASSWORD, empty_all_tables, login, make_app

# The actors, in the matrix's column order. Web actors log in through the login form; token
# actors send ``Authorization: Bearer`` (the API ignores browser sessions and the web pages
# ignore tokens).
WEB_ACTORS = ("anon", "agent", "agent~o", "agent~c", "op", "op~o", "com", "admin")
TOKEN_ACTORS = ("tAg", "tAg-r", "tAg~o", "tOp", "tOp-r", "tOp~o")
# The person followed, in their own space: a live personal link opened with their date of birth.
SPACE_ACTOR = "space"
ACTORS = WEB_ACTORS + TOKEN_ACTORS + (SPACE_ACTOR,)
TOKEN_SCOPES = {
    "tAg": ("agent", ["newcomers:read", "newcomers:write", "cases:read", "cases:write"]),
    "tAg-r": ("agent", ["newcomers:read", "cases:read"]),
    "tAg~o": ("agent~o", ["newcomers:read", "newcomers:write", "cases:read", "cases:write"]),
    "tOp": ("op", ["referrals:read", "referrals:write"]),
    "tOp-r": ("op", ["referrals:read"]),
    "tOp~o": ("op~o", ["referrals:read", "referrals:write"]),
}


@dataclass
class World:
    """The seeded objects (ids only: the module's requests reload what they need)."""

    app: Flask
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    space_token: str = ""
    space_birth_date: date | None = None

    def client(self, actor: str) -> FlaskClient:
        """The actor's client, logged in (again after a logout)."""
        if actor not in self.clients:
            client = self.app.test_client()
            if actor == SPACE_ACTOR:  # the person opens their link with their date of birth
                response = client.post(
                    f"/my/link/{self.space_token}", data={"birth_date": self.space_birth_date.isoformat()}
                )
                assert response.status_code == 302, (actor, response.status_code)
            elif actor in self.users and actor not in TOKEN_ACTORS:
                user = db.session.get(User, self.users[actor].id)
                if user.totp_enabled:  # logging in again within one TOTP window: not a replay here
                    user.totp_last_counter = None
                    db.session.commit()
                response = login(client, user)
                assert response.status_code == 302, (actor, response.status_code)
            self.clients[actor] = client
        return self.clients[actor]

    def headers(self, actor: str) -> dict[str, str]:
        """The Authorization header of a token actor (none for the others)."""
        return {"Authorization": f"Bearer {self.tokens[actor]}"} if actor in self.tokens else {}

    def forget(self, actor: str | None = None) -> None:
        """Drop a client (all when None): the next request logs in again."""
        if actor is None:
            self.clients.clear()
        else:
            self.clients.pop(actor, None)


def build(app: Flask) -> World:
    """Seed the world (call inside the application's context)."""
    from integration_centre.api import tokens
    from integration_centre.pathway import registration
    from integration_centre.pathway import services as pathway
    from integration_centre.privacy.context import Actor
    from integration_centre.reception import services as reception
    from integration_centre.rights import demo as privacy_demo
    from integration_centre.rights import notice, requests
    from tests.pathway.conftest import newcomer_data
    from tests.reception.helpers import do_reception, finish_training

    world = World(app)
    centre = Centre(code="CAI", name="Centre de Namur")
    other_centre = Centre(code="CRIPEL", name="Centre de Liège")
    db.session.add_all([centre, other_centre])
    db.session.flush()
    office = Office(centre_id=centre.id, name="Bureau de Namur", municipality_code="92094")
    other_office = Office(centre_id=centre.id, name="Bureau de Dinant", municipality_code="91034")
    far_office = Office(centre_id=other_centre.id, name="Bureau de Liège", municipality_code="62063")
    organisation = OperatorOrganisation(name="École de Namur", centre_id=centre.id)
    other_organisation = OperatorOrganisation(name="Forem Namur", centre_id=centre.id)
    db.session.add_all([office, other_office, far_office, organisation, other_organisation])
    db.session.flush()

    def user(key: str, role: Role, **where) -> User:
        created = account_services.create_user(
            email=f"{key.replace('~', '-')}@matrix.example",
            display_name=key,
            role=role,
            password=TEST_PASSWORD,
            office_id=where.get("office", office).id if role == Role.AGENT else None,
            operator_id=where.get("organisation", organisation).id if role == Role.OPERATOR else None,
            centre_id=where.get("centre", centre).id if role in (Role.AGENT, Role.ADMIN) else None,
            must_change_password=False,
        )
        if role == Role.ADMIN:
            totp.enable(created, totp.new_secret())
        world.users[key] = created
        return created

    agent = user("agent", Role.AGENT)
    user("agent~o", Role.AGENT, office=other_office)
    user("agent~c", Role.AGENT, office=far_office, centre=other_centre)
    user("op", Role.OPERATOR)
    user("op~o", Role.OPERATOR, organisation=other_organisation)
    user("com", Role.COMMITTEE)
    admin = user("admin", Role.ADMIN)
    target = user("target", Role.AGENT)  # the account the admin pages act on
    holder = user("holder", Role.AGENT)  # holds the spare token (its role never changes)
    db.session.flush()
    for key, (owner, scopes) in TOKEN_SCOPES.items():
        world.tokens[key] = tokens.create_token(world.users[owner], key, scopes, acting=admin).secret
    spare_token = tokens.create_token(holder, "spare", ["newcomers:read"], acting=admin).token
    notice.publish(Actor.system("matrix"), privacy_demo.NOTICE, "v1")
    db.session.commit()

    today = date.today()
    person = registration.register_newcomer(
        agent, newcomer_data(), office, confirm_duplicate=True, today=today - timedelta(days=200)
    )
    case = pathway.open_case(agent, person, on=today - timedelta(days=150))
    pathway.transition_case(agent, case, "start", on=today - timedelta(days=150))
    db.session.commit()
    from integration_centre.space import links

    _link, world.space_token = links.issue(person.id, office_id=office.id, issued_by_id=agent.id)
    world.space_birth_date = newcomer_data().date_of_birth
    db.session.commit()
    on = today - timedelta(days=140)
    do_reception(agent, case, on=on)
    finish_training(agent, case, on=today - timedelta(days=20))
    open_task = reception.add_task(agent, case, kind="health_insurance", title="", due_on=today, today=today)
    db.session.commit()
    certificate = reception.issue_certificate(agent, case, on=today - timedelta(days=10))
    db.session.commit()

    # A second person: an open case referred to the organisation, and an evidence document.
    second = registration.register_newcomer(
        agent,
        newcomer_data(family_name="Haddad", given_names="Omar", date_of_birth=date(1990, 6, 1), email="o@example.org"),
        office,
        confirm_duplicate=True,
        today=today - timedelta(days=100),
    )
    second_case = pathway.open_case(agent, second, on=today - timedelta(days=90))
    pathway.transition_case(agent, second_case, "start", on=today - timedelta(days=90))
    db.session.commit()
    do_reception(agent, second_case, level="A1", on=today - timedelta(days=80))
    from integration_centre.operators import services as operators

    referral = operators.refer(agent, second_case, "french_course", organisation.id, on=today - timedelta(days=70))
    db.session.commit()
    links.issue(second.id, office_id=office.id, issued_by_id=agent.id)  # the office's link pages act on it
    db.session.commit()
    document = pathway.UploadedDocument("proof.pdf", "application/pdf", b"%PDF-1.4 matrix evidence")
    dispensation = pathway.record_dispensation(
        agent, second, "work", today - timedelta(days=5), document=document, note=None
    )
    db.session.commit()
    subject_request = requests.record_request(Actor.system("matrix"), person.id, "access", today, today=today)
    db.session.commit()

    from integration_centre.stats import services as stats
    from tests.stats.releases_seed import seed

    seed(persons=60)
    release = stats.publish("2026-Q2").release
    db.session.commit()

    from integration_centre.operators.models import OperatorService

    service = OperatorService(organisation_id=organisation.id, service_type=referral.service_type, places=12)
    spare_service = OperatorService(organisation_id=organisation.id, service_type=referral.service_type, places=3)
    db.session.add_all([service, spare_service])
    db.session.commit()

    from integration_centre import clock
    from integration_centre.agenda import services as agenda

    at = datetime.combine(today + timedelta(days=7), time(10), tzinfo=clock.zone())
    appointment = agenda.book(
        agent, kind="reception", person_id=second.id, agent_id=agent.id, starts_at=at,
        interpreter_required=True, interpreter_language="ar",
    )  # fmt: skip
    group_session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=at + timedelta(hours=2), capacity=10)
    room = agenda.add_room(agent, "Salle 1")
    db.session.commit()
    # A person announced by the commune, no case, past the duty-to-present date (issue 18).
    announced = registration.register_newcomer(
        agent,
        newcomer_data(family_name="Nouri", given_names="Sara", date_of_birth=date(1992, 4, 2), email="s@example.org"),
        office,
        confirm_duplicate=True,
        today=today - timedelta(days=200),
    )
    db.session.commit()

    from integration_centre.intake import uploads

    listing = "Nom;Prénom;Date de naissance;Sexe;Nationalité\nMatrix;Ana;01/02/1990;F;SY\n".encode()
    upload_open, upload_checked, upload_spare = (uploads.stage(agent, office, "list.csv", listing) for _n in range(3))
    db.session.commit()
    uploads.dry_run(agent, upload_checked)

    world.ids.update(
        upload_open=upload_open.id,
        upload_checked=upload_checked.id,
        upload_spare=upload_spare.id,
        appointment=appointment.id,
        group_session=group_session.id,
        room=room.id,
        person=person.id,
        case=case.id,
        second_person=second.id,
        second_case=second_case.id,
        announced=announced.id,
        referral=referral.id,
        certificate=certificate.id,
        verify_code=certificate.code,
        task=open_task.id,
        document=dispensation.documents[0].id,
        dispensation=dispensation.id,
        request=subject_request.id,
        release=release.id,
        centre=centre.id,
        organisation=organisation.id,
        office=office.id,
        service=service.id,
        spare_service=spare_service.id,
        user=target.id,
        token=spare_token.id,
        export_file=uuid.UUID("00000000-0000-4000-8000-00000000e4f0"),
    )
    return world


def world_app(db_url: str, instance: Path) -> Flask:
    """The application of the module (the session's test database)."""
    return make_app(db_url, instance)


def teardown(world: World) -> None:
    """Empty every table and release the connections."""
    db.session.remove()
    empty_all_tables()
    db.engine.dispose()
