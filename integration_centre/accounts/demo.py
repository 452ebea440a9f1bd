"""Demo organisation structure and the four demo accounts."""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.accounts import services, totp
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.extensions import db

# The eight Walloon regional integration centres (public names) and a reception office each.
CENTRES = [
    ("CRIPEL", "Centre régional d'intégration de Liège (CRIPEL)", "Bureau d'accueil de Liège", "62063"),
    ("CRVI", "Centre régional de Verviers pour l'intégration (CRVI)", "Bureau d'accueil de Verviers", "63079"),
    ("CAI", "Centre d'action interculturelle de la province de Namur (CAI)", "Bureau d'accueil de Namur", "92094"),
    ("CRIBW", "Centre régional d'intégration du Brabant wallon (CRIBW)", "Bureau d'accueil de Nivelles", "25072"),
    ("CRIC", "Centre régional d'intégration de Charleroi (CRIC)", "Bureau d'accueil de Charleroi", "52011"),
    (
        "CERAIC",
        "Centre régional d'action interculturelle du Centre (CeRAIC)",
        "Bureau d'accueil de La Louvière",
        "58001",
    ),
    ("CIMB", "Centre interculturel de Mons et du Borinage (CIMB)", "Bureau d'accueil de Mons", "53053"),
    (
        "CRILUX",
        "Centre régional d'intégration de la province de Luxembourg (CRILUX)",
        "Bureau d'accueil d'Arlon",
        "81001",
    ),
]
DEMO_OPERATOR = "École de promotion sociale de Namur (démo)"
DEMO_ACCOUNTS = [
    ("agent@demo.example", "Aline Dubois (démo)", Role.AGENT),
    ("operator@demo.example", "Marc Lejeune (démo)", Role.OPERATOR),
    ("committee@demo.example", "Sofie Peeters (démo)", Role.COMMITTEE),
    ("admin@demo.example", "Admin CRI (démo)", Role.ADMIN),
]


def demo_users() -> list[User]:
    """The four demo accounts that exist, in the documented order."""
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    return [users[e] for e in emails if e in users]


def demo_office() -> Office:
    """The demo agent's office (Namur)."""
    return db.session.scalar(select(Office).where(Office.name == "Bureau d'accueil de Namur"))


def load(report) -> None:
    """Create the centres, offices, the demo operator and the demo accounts when absent."""
    for code, name, office_name, nis in CENTRES:
        centre = db.session.scalar(select(Centre).where(Centre.code == code))
        if centre is None:
            centre = Centre(code=code, name=name)
            db.session.add(centre)
            db.session.flush()
            report.count("centres")
        if db.session.scalar(select(Office).where(Office.name == office_name)) is None:
            db.session.add(Office(centre_id=centre.id, name=office_name, municipality_code=nis))
            report.count("offices")
    db.session.flush()
    operator = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == DEMO_OPERATOR))
    if operator is None:
        namur = db.session.scalar(select(Centre).where(Centre.code == "CAI"))
        operator = OperatorOrganisation(name=DEMO_OPERATOR, centre_id=namur.id)
        db.session.add(operator)
        db.session.flush()
        report.count("operator organisations")
    office = demo_office()
    for email, display_name, role in DEMO_ACCOUNTS:
        if services.find_user_by_email(email) is not None:
            continue
        user = services.create_user(
            email=email,
            display_name=display_name,
            role=role,
            password=report.password,
            office_id=office.id,
            operator_id=operator.id,
            centre_id=office.centre_id if role in (Role.AGENT, Role.ADMIN) else None,
            must_change_password=False,
        )
        if role == Role.ADMIN:
            totp.enable(user, totp.new_secret())
        report.count("users")
