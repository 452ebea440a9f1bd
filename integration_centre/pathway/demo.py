"""Synthetic demo newcomers and cases for the demo agent's office (Namur). Never real people.

About 40 persons with the nationalities, sex ratio and ages of the Walloon caseload (domain.md),
registered and moved through the engine itself (so every timeline entry and event is real), with
cases at every stage. Names usual for their nationality, a street of their commune and, for most,
a synthetic national or bis number with valid check digits come from ``demo_people``.
Idempotent: nothing is added when the demo office already has newcomers.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.demo import DEMO_OPERATOR, demo_office
from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.extensions import db
from integration_centre.pathway import demo_people, reference, registration, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.registration import NewcomerData
from integration_centre.pathway.services import StepChange

SEED = 2025
COUNT = 40
NISS_SHARE = 0.85  # most demo persons have a national register number…
BIS_SHARE = 0.3  # …of which some a bis number (not in the national register)
WOMEN_SHARE = 0.58  # 55–63 % in the Walloon caseload
# (nationality, weight, residence categories, languages)
NATIONALITIES = [
    ("SY", 9, ["refugee", "subsidiary_protection", "family_reunification"], ["ar"]),
    ("AF", 7, ["refugee", "subsidiary_protection"], ["prs", "ps"]),
    ("MA", 6, ["family_reunification", "work"], ["ar", "fr"]),
    ("CD", 5, ["family_reunification", "regularisation_9bis", "study"], ["fr", "ln"]),
    ("GN", 4, ["refugee", "regularisation_9bis"], ["fr", "sus"]),
    ("ER", 4, ["refugee"], ["ti"]),
    ("CM", 3, ["study", "family_reunification"], ["fr", "en"]),
    ("IQ", 3, ["refugee", "subsidiary_protection"], ["ar", "ckb"]),
    ("PS", 3, ["refugee"], ["ar"]),
    ("SO", 2, ["refugee"], ["so"]),
    ("BR", 2, ["work", "family_reunification"], ["pt"]),
    ("UA", 3, ["temporary_protection"], ["uk", "ru"]),
    ("TR", 2, ["family_reunification", "work"], ["tr"]),
]
NEEDS_NOTES = {  # the reasons of the demo's needs analyses (encrypted on the timeline)
    True: "Positionnement sous le niveau A2 : la formation en français est nécessaire. Pas d'orientation "
    "socioprofessionnelle pour l'instant (la personne cherche d'abord un logement).",
    False: "Positionnement au niveau A2 ou au-delà : pas de formation en français. Pas d'orientation "
    "socioprofessionnelle demandée.",
}
EDUCATION = ["none", "primary", "lower_secondary", "upper_secondary", "higher"]
STAGES = [
    "registered",
    "open",
    "reception",
    "agreement",
    "french",
    "referred",
    "citizenship",
    "completed",
    "completed",
    "closed",
    "suspended",
    "work_dispensation",
]


def load(report) -> None:
    """Register the demo newcomers and move their cases through the engine."""
    office = demo_office()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    if office is None or agent is None or agent.role != Role.AGENT:
        return
    if db.session.scalar(select(Newcomer.id).where(Newcomer.registered_by_office_id == office.id).limit(1)):
        return
    operator = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == DEMO_OPERATOR))
    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data, not security
    people = random.Random(SEED + 1)  # noqa: S311 - names, addresses and numbers, drawn apart
    today = clock.today()
    # The commune used to be drawn from ``rng`` among the whole territory: that draw is kept (and the
    # house number still comes from ``rng``) so that the dates, stages and referrals of every case,
    # which the other packages' demos build on, stay as they were.
    territory = sorted(reference.centre_territories().get("CAI", ()))
    weights = [w for _, w, _, _ in NATIONALITIES]
    in_agreement: list[Newcomer] = []  # collected apart: no draw of ``rng`` changes
    women = set(rng.sample(range(COUNT), round(COUNT * WOMEN_SHARE)))
    for index in range(COUNT):
        nationality, _, categories, languages = rng.choices(NATIONALITIES, weights=weights)[0]
        woman = index in women
        age = rng.choice([rng.randint(20, 45)] * 4 + [rng.randint(18, 64)])
        permit = today - timedelta(days=rng.randint(40, 900))
        rng.choice(territory)
        municipality = reference.municipality(demo_people.commune(people))
        sex = "F" if woman else "M"
        family_name, given_name = demo_people.name(people, nationality, sex)
        born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        data = NewcomerData(
            family_name=family_name,
            given_names=given_name,
            date_of_birth=born,
            niss=_national_number(people, born, index, sex),
            sex=sex,
            nationality=nationality,
            residence_category=rng.choice(categories),
            permit_order_date=permit,
            registration_date=permit + timedelta(days=rng.randint(3, 25)),
            municipality_code=municipality.nis_code,
            address=demo_people.address(people, municipality, number=rng.randint(1, 180)),
            phone=f"+32 4{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            email=f"demo{index + 1}@example.org",
            languages=list(languages),
            preferred_language=languages[0],
            interpreter_language=languages[0] if languages[0] not in ("fr", "en") and rng.random() < 0.6 else None,
            education_level=rng.choice(EDUCATION),
        )
        newcomer = registration.register_newcomer(agent, data, office, confirm_duplicate=True, today=today)
        report.count("newcomers")
        stage = STAGES[index % len(STAGES)]
        if stage == "registered":
            continue
        opened = min(data.registration_date + timedelta(days=rng.randint(7, 40)), today)
        _walk(agent, newcomer, stage, opened, today, operator, rng)
        report.count("cases")
        if stage == "agreement":
            in_agreement.append(newcomer)
    db.session.flush()
    _medical_dispensations(agent, in_agreement[:2], today, report)
    _edit_a_file(agent, office)
    from integration_centre.rights import demo as rights_demo  # the rights demo needs persons

    first = select(Newcomer.id).where(Newcomer.registered_by_office_id == office.id).order_by(Newcomer.created_at)
    rights_demo.load_requests(report, list(db.session.scalars(first.limit(3))))


def demo_pdf(lines: list[str]) -> bytes:
    """A small real PDF (one A4 page of text) for the demo's evidence documents."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _medical_dispensations(agent: User, newcomers: list[Newcomer], today: date, report) -> None:
    """Two cases with a medical dispensation and its certificate; the second one revoked since."""
    for number, newcomer in enumerate(newcomers):
        case = db.session.scalar(select(Case).where(Case.person_id == newcomer.id))
        certificate = services.UploadedDocument(
            "certificat-medical.pdf",
            "application/pdf",
            demo_pdf(["Certificat medical (demonstration)", "Incapacite de suivre le parcours.", "Dr A. Demo"]),
        )
        dispensation = services.record_dispensation(
            agent, newcomer, "medical", max(case.opened_on, today - timedelta(days=20 + number)), case=case,
            document=certificate, note="Certificat du médecin traitant (démo).",
        )  # fmt: skip
        report.count("dispensations")
        if number == 1:
            services.revoke_dispensation(
                agent, dispensation, case=case, note="Le certificat ne couvrait qu'un mois (démo)."
            )


def _edit_a_file(agent, office) -> None:
    """A corrected phone number on the file of the first person whose case is in progress: the
    case's timeline shows the edit (the field's name, never its value)."""
    from integration_centre.pathway import file_edits
    from integration_centre.pathway.models import Case
    from integration_centre.pathway.states import CaseStatus

    case = db.session.scalar(
        select(Case)
        .where(Case.office_id == office.id, Case.status == CaseStatus.IN_PROGRESS)
        .order_by(Case.opened_on)
        .limit(1)
    )
    if case is None:
        return
    newcomer = db.session.get(Newcomer, case.person_id)
    file_edits.edit_newcomer(
        agent,
        newcomer,
        {"phone": "+32 470 55 01 02"},
        expected_version=newcomer.version,
        confirm=False,
        reason="Nouveau numéro communiqué par la personne.",
    )


def _national_number(people: random.Random, born: date, index: int, sex: str) -> str | None:
    """A valid national or bis number for most demo persons (none for the others)."""
    if people.random() >= NISS_SHARE:
        return None
    bis = people.random() < BIS_SHARE
    sex_known = not bis or people.random() < 0.8
    return demo_people.national_number(born, demo_people.serial_for(index, sex), bis=bis, sex_known=sex_known)


# Entry services and purposes of the demo cases, weighted like the synthetic statistics and picked
# from the opening date (no draw from the demo's random streams, so the other demo data stay put).
DEMO_CHANNELS = ("commune",) * 9 + ("cpas",) * 3 + ("self",) * 4 + ("operator", "operator", "reception_centre")
DEMO_PURPOSES = ("obligation",) * 6 + ("nationality",) * 3 + ("permit", "permit", "employment", "personal")


def demo_profile(opened: date) -> dict:
    """The entry service and the purpose of a demo case opened on ``opened``."""
    day = opened.toordinal()
    return {
        "entry_channel": DEMO_CHANNELS[day % len(DEMO_CHANNELS)],
        "purpose": DEMO_PURPOSES[day % len(DEMO_PURPOSES)],
    }


def _walk(agent, newcomer, stage, opened, today, operator, rng) -> None:
    """Move a new case to ``stage`` with dates after ``opened`` and not after ``today``."""
    case = services.open_case(agent, newcomer, on=opened, **demo_profile(opened))
    if stage == "open":
        return
    day = opened

    def later(days: int) -> date:
        nonlocal day
        day = min(day + timedelta(days=days), today)
        return day

    def step(code, action, change=None):
        services.transition_step(agent, case, code, action, change, on=later(rng.randint(1, 10)))

    services.transition_case(agent, case, "start", on=later(1))
    level = rng.choice(["pre_A1", "A1", "A1", "A2", "B1"])
    reception = ["social_assessment", "rights_and_duties", "language_test", "admin_help"]
    for code in reception[: 2 if stage == "reception" else 4]:
        step(code, "start")
        step(code, "complete", StepChange(result=level if code == "language_test" else None))
    if stage == "reception":
        return
    step("agreement", "start")
    step("agreement", "complete", StepChange(evidence=("signed_agreement",)))
    if stage == "suspended":
        services.transition_case(agent, case, "suspend", reason="illness", on=later(5))
        return
    if stage == "closed":
        services.transition_case(agent, case, "close", reason="moved_away", on=later(20))
        return
    if stage == "work_dispensation":
        document = services.UploadedDocument("contrat.pdf", "application/pdf", b"%PDF-1.4 demo employment contract")
        services.record_dispensation(agent, newcomer, "work", later(30), case=case, document=document)
        return
    needs_french = services.step_required(
        case, services.definition_of(case).step("french_course"), services.definition_of(case)
    )
    if stage == "agreement":
        return  # these cases still wait for their needs analysis
    services.set_needs(agent, case, ["french"] if needs_french else [], note=NEEDS_NOTES[bool(needs_french)])
    if needs_french:
        step("french_course", "refer", StepChange(operator_id=operator.id if operator else None))
        if stage == "referred":
            return
        step("french_course", "start")
        hours = 400 if stage in ("completed", "citizenship") else rng.randint(20, 300)
        services.record_attendance(agent, case, "french_course", hours, evidence=("attendance_record",))
        if stage == "french":
            return
        step("french_course", "complete", StepChange(result="A2"))
    else:
        step("french_course", "exempt", StepChange(reason="condition_not_met"))
        if stage in ("referred", "french"):
            return
    step("orientation", "exempt", StepChange(reason="condition_not_met"))
    step("citizenship", "start")
    if stage == "citizenship":
        services.record_attendance(agent, case, "citizenship", rng.randint(10, 50))
        return
    fmt = "fic" if level in ("A2", "B1") else "aoc"
    step("citizenship", "complete", StepChange(hours=60, result=fmt, evidence=("attendance_record",)))
    step("certificate", "start")
    step("certificate", "complete")
    try:
        services.transition_case(agent, case, "complete", on=later(2))
    except PathwayError:
        return
