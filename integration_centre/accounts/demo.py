"""Demo organisation structure and the four demo accounts."""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.accounts import network, services, totp
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.extensions import db

# The eight Walloon regional integration centres (public names in ``network.REFERENCE_NAMES``),
# a reception office each with its NIS code and a plausible address (street names of the town).
CENTRES = [
    ("CRIPEL", "Bureau d'accueil de Liège", "62063", "Rue Féronstrée 12, 4000 Liège"),
    ("CRVI", "Bureau d'accueil de Verviers", "63079", "Rue du Collège 8, 4800 Verviers"),
    ("CAI", "Bureau d'accueil de Namur", "92094", "Rue de Fer 42, 5000 Namur"),
    ("CRIBW", "Bureau d'accueil de Nivelles", "25072", "Rue de Namur 15, 1400 Nivelles"),
    ("CRIC", "Bureau d'accueil de Charleroi", "52011", "Boulevard Tirou 50, 6000 Charleroi"),
    ("CERAIC", "Bureau d'accueil de La Louvière", "58001", "Rue Albert Ier 20, 7100 La Louvière"),
    ("CIMB", "Bureau d'accueil de Mons", "53053", "Rue de Nimy 30, 7000 Mons"),
    ("CRILUX", "Bureau d'accueil d'Arlon", "81001", "Grand-Rue 25, 6700 Arlon"),
]
# Monday to Thursday all day, Friday morning (what a later agenda reads).
OPENING_HOURS = {
    **{day: [["09:00", "16:30"]] for day in ("mon", "tue", "wed", "thu")},
    "fri": [["09:00", "12:30"]],
}
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
    report.count("centres", network.load_reference_centres())
    for code, office_name, nis, address in CENTRES:
        centre = db.session.scalar(select(Centre).where(Centre.code == code))
        if db.session.scalar(select(Office).where(Office.name == office_name)) is None:
            centre.address = centre.address or address  # the centre's seat: its first office
            db.session.add(
                Office(
                    centre_id=centre.id,
                    name=office_name,
                    municipality_code=nis,
                    address=address,
                    opening_hours=OPENING_HOURS,
                    territory=list(centre.territory or []),
                    is_active=True,
                )
            )
            report.count("offices")
    db.session.flush()
    operator = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == DEMO_OPERATOR))
    if operator is None:
        namur = db.session.scalar(select(Centre).where(Centre.code == "CAI"))
        operator = OperatorOrganisation(
            name=DEMO_OPERATOR, centre_id=namur.id, address="Rue Saint-Nicolas 8, 5000 Namur", is_active=True
        )
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
