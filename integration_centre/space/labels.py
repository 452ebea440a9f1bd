"""Words the person reads in their space: plain-language labels of the codes (steps, states,
appointments, who read the file and why). Short sentences, one idea each; every string is
translated in the space's twelve languages (``i18n-pending/space-pages.json``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The steps in plain words; a step without one here reads as the definition's own label.
STEP_NAMES = {
    "social_assessment": _l("Talk about your situation"),
    "social_language_assessment": _l("Talk about your situation and your languages"),
    "welcome": _l("Welcome at the office"),
    "rights_and_duties": _l("Your rights and duties"),
    "language_test": _l("French test"),
    "admin_help": _l("Help with papers"),
    "agreement": _l("Sign the reception agreement"),
    "contract": _l("Sign the integration contract"),
    "french_course": _l("French course"),
    "dutch_course": _l("Dutch course"),
    "citizenship": _l("Citizenship course"),
    "civic_orientation": _l("Citizenship course"),
    "orientation": _l("Help to find work or training"),
    "employment_registration": _l("Register at the employment office"),
    "participation": _l("Participation pathway"),
    "certificate": _l("Get your certificate"),
}

# Where a step stands, for the person (codes of ``pathway.states.StepState``).
STEP_STATES = {
    "pending": _l("To do"),
    "planned": _l("Planned"),
    "referred": _l("Planned"),
    "in_progress": _l("Started"),
    "completed": _l("Done"),
    "exempted": _l("You do not need to do it"),
    "failed": _l("Not finished"),
    "cancelled": _l("Cancelled"),
}

APPOINTMENT_KINDS = {
    "reception": _l("Meeting at the reception office"),
    "social_assessment": _l("Talk about your situation"),
    "evaluation_interview": _l("Meeting to look at your progress"),
    "group_session": _l("Group session about your rights and duties"),
}

# Who read the file: the actor's role in words.
ROLES = {
    "newcomer": _l("You"),
    "agent": _l("Your reception office"),
    "operator": _l("A partner organisation"),
    "admin": _l("The centre's administration"),
    "committee": _l("The coordination committee"),
    "system": _l("An automatic task of the centre"),
}
OTHER_ROLE = _l("Someone at the centre")
OTHER_OFFICE = _l("Another reception office")

# Why the file was read, by the purpose code's family ("case.view" → "case").
PURPOSE_FAMILIES = {
    "space": _l("You looked at your space."),
    "registration": _l("To register you."),
    "newcomer": _l("To read or update your file."),
    "case": _l("To follow your integration pathway."),
    "pathway": _l("To follow your integration pathway."),
    "eligibility": _l("To check if the pathway is an obligation for you."),
    "deadline": _l("To calculate your deadlines."),
    "dispensation": _l("To check if the pathway is an obligation for you."),
    "evaluation": _l("To follow your integration pathway."),
    "noncompliance": _l("To follow your integration pathway."),
    "reception": _l("For your reception module."),
    "agenda": _l("For your appointments."),
    "outbox": _l("To send you a message."),
    "referral": _l("To organise a course with a partner."),
    "operator": _l("To organise a course with a partner."),
    "operators": _l("To organise a course with a partner."),
    "evidence": _l("To handle your documents."),
    "rights": _l("To answer your request about your data."),
    "erasure": _l("To answer your request about your data."),
    "dashboard": _l("To find your file in a list."),
    "person": _l("To find your file in a list."),
    "announced": _l("To find your file in a list."),
    "intake": _l("To find your file in a list."),
    "duplicate_check": _l("To find your file in a list."),
    "audit": _l("To check who used the files."),
}
OTHER_PURPOSE = _l("For the work of the centre.")
