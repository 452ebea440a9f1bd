"""Demo data of the data-subject rights: the privacy notice in three languages, and a few requests
(one overdue) once the pathway demo has registered its newcomers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.extensions import db
from integration_centre.privacy.context import Actor
from integration_centre.rights import notice, requests
from integration_centre.rights.models import NoticeVersion, SubjectRequest

DEMO_ACTOR = Actor.system("demo")

NOTICE = {
    "fr": {
        "title": "Protection de vos données personnelles",
        "body": (
            "Le Centre régional d'intégration traite vos données pour organiser votre parcours d'intégration "
            "(décret wallon du 27 mars 2014) : inscription, accueil, bilan social, orientation vers les opérateurs "
            "(cours de français, citoyenneté, insertion socioprofessionnelle) et attestations.\n\n"
            "Base légale : obligation légale et mission d'intérêt public (RGPD, art. 6.1 c et e). Les données du "
            "bilan social ne sont vues que par les agents de votre bureau.\n\n"
            "Destinataires : les opérateurs vers lesquels vous êtes orienté, votre commune et, avec votre accord, "
            "le CPAS. Aucun transfert hors de l'Union européenne.\n\n"
            "Durée : vos données sont gardées 10 ans après la fin de votre dossier (30 ans après l'attestation).\n\n"
            "Vos droits : accès, rectification, effacement, limitation, opposition et portabilité. Adressez-vous à "
            "l'accueil ou au délégué à la protection des données ; réponse dans un mois. Vous pouvez aussi "
            "porter plainte auprès de l'Autorité de protection des données."
        ),
    },
    "en": {
        "title": "Protecting your personal data",
        "body": (
            "The regional integration centre processes your data to organise your integration pathway (Walloon "
            "decree of 27 March 2014): registration, reception, social assessment, referral to operators (French "
            "courses, citizenship, socio-professional integration) and certificates.\n\n"
            "Legal basis: legal obligation and task in the public interest (GDPR Art. 6(1)(c) and (e)). The social "
            "assessment is seen only by the agents of your office.\n\n"
            "Recipients: the operators you are referred to, your municipality and, with your agreement, the CPAS. "
            "No transfer outside the European Union.\n\n"
            "Retention: your data is kept 10 years after your file ends (30 years after the certificate).\n\n"
            "Your rights: access, rectification, erasure, restriction, objection and portability. Ask at the "
            "reception desk or the data protection officer; answer within one month. You may also complain to "
            "the Data Protection Authority."
        ),
    },
    "nl": {
        "title": "Bescherming van uw persoonsgegevens",
        "body": (
            "Het regionaal integratiecentrum verwerkt uw gegevens om uw integratietraject te organiseren (Waals "
            "decreet van 27 maart 2014): inschrijving, onthaal, sociale balans, doorverwijzing naar operatoren "
            "(Franse les, burgerschap, socio-professionele inschakeling) en attesten.\n\n"
            "Rechtsgrond: wettelijke verplichting en taak van algemeen belang (AVG, art. 6.1 c en e). De sociale "
            "balans wordt enkel gezien door de agenten van uw kantoor.\n\n"
            "Ontvangers: de operatoren naar wie u wordt doorverwezen, uw gemeente en, met uw akkoord, het OCMW. "
            "Geen doorgifte buiten de Europese Unie.\n\n"
            "Bewaring: uw gegevens worden 10 jaar na het einde van uw dossier bewaard (30 jaar na het attest).\n\n"
            "Uw rechten: inzage, rectificatie, wissing, beperking, bezwaar en overdraagbaarheid. Richt u tot het "
            "onthaal of de functionaris voor gegevensbescherming; antwoord binnen een maand. U kunt ook klacht "
            "indienen bij de Gegevensbeschermingsautoriteit."
        ),
    },
}


def load(report) -> None:
    """Publish the demo privacy notice (version 1, French, English, Dutch) once."""
    if db.session.scalar(select(NoticeVersion.version).limit(1)) is not None:
        return
    notice.publish(DEMO_ACTOR, NOTICE, "Première version")
    report.count("privacy notice versions")


def load_requests(report, person_ids: list) -> None:
    """A few data-subject requests about the first demo persons (one overdue), once."""
    if len(person_ids) < 3 or db.session.scalar(select(SubjectRequest.id).limit(1)) is not None:
        return
    today = clock.today()
    overdue = requests.record_request(
        DEMO_ACTOR, person_ids[0], "access", today - timedelta(days=40), details="Lettre reçue à l'accueil.",
        today=today,
    )  # fmt: skip
    requests.start(DEMO_ACTOR, overdue)
    requests.record_request(
        DEMO_ACTOR, person_ids[1], "rectification", today - timedelta(days=6),
        details="Le nom de famille est mal orthographié (courriel de la personne).", today=today,
    )  # fmt: skip
    answered = requests.record_request(DEMO_ACTOR, person_ids[2], "access", today - timedelta(days=70), today=today)
    requests.close(DEMO_ACTOR, answered, "answered", "Copie remise en main propre.", today=today - timedelta(days=50))
    report.count("data-subject requests", 3)
