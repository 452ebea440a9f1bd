"""Code → label maps of the operators' screens, services and API (translated at render time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from integration_centre.pathway import reference
from integration_centre.pathway.civic_formats import CIVIC_FORMAT_LABELS

SERVICE_LABELS = {
    "french_course": _l("French course"),
    "dutch_course": _l("Dutch course"),
    "citizenship": _l("Citizenship training"),
    "orientation": _l("Socio-professional orientation"),
}
FORMAT_LABELS = {
    "day": _l("Daytime"),
    "evening": _l("Evening"),
    "weekend": _l("Weekend"),
    "intensive": _l("Intensive"),
    "remote": _l("Remote"),
    **CIVIC_FORMAT_LABELS,  # aoc / fic: by French level (pathway.civic_formats)
}
# Referral tabs, states and history actions.
TAB_LABELS = {
    "new": _l("New"),
    "accepted": _l("Accepted"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
STATE_LABELS = {
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "in_progress": _l("in progress"),
    "completed": _l("completed"),
    "abandoned": _l("abandoned"),
    "withdrawn": _l("withdrawn"),
}
ACTION_LABELS = {
    "send": _l("Referral sent"),
    "accept": _l("Referral accepted"),
    "decline": _l("Referral declined"),
    "start": _l("Course started"),
    "attendance": _l("Attendance recorded"),
    "complete": _l("Completion confirmed"),
    "abandon": _l("Abandonment reported"),
    "withdraw": _l("Referral withdrawn"),
}
DECLINE_REASONS = {
    "no_places": _l("No places available"),
    "not_suitable": _l("Our offer does not suit this person"),
    "schedule": _l("No session at a suitable time"),
    "out_of_area": _l("Outside the area we serve"),
    "other": _l("Other reason"),
}
ABANDON_REASONS = {
    "stopped_attending": _l("Stopped attending"),
    "never_came": _l("Never came"),
    "moved_away": _l("Moved away"),
    "work": _l("Started working"),
    "health": _l("Health reasons"),
    "other": _l("Other reason"),
}
WITHDRAW_REASONS = {
    "referred_elsewhere": _l("Referred to another operator"),
    "person_request": _l("At the person's request"),
    "case_changed": _l("The case changed (suspension, closure, dispensation)"),
    "error": _l("Referred by mistake"),
    "other": _l("Other reason"),
}
# The "done" tab split by outcome (the operator's words: "refused" is a referral it declined).
OUTCOME_LABELS = {
    "completed": _l("Completed"),
    "declined": _l("Refused"),
    "withdrawn": _l("Withdrawn by the reception office"),
    "abandoned": _l("Abandoned"),
}
# A French level (CEFR) as the school reads it: the positioning level and a course result.
LEVEL_LABELS = {
    "pre_A1": _l("pre-A1 (first steps in French)"),
    "A1": _l("A1 (beginner)"),
    "A2": _l("A2 (elementary)"),
    "B1": _l("B1 (intermediate)"),
    "B2": _l("B2 (upper intermediate)"),
    "C1": _l("C1 (advanced)"),
    "C2": _l("C2 (proficient)"),
}
PASS_FAIL_LABELS = {"pass": _l("Passed"), "fail": _l("Failed")}
REASONS = {"decline": DECLINE_REASONS, "abandon": ABANDON_REASONS, "withdraw": WITHDRAW_REASONS}
# The network administration history and opening days.
NETWORK_ACTION_LABELS = {
    "centre_create": _l("Centre created"),
    "centre_update": _l("Centre changed"),
    "centre_two_step": _l("Two-step login policy changed"),
    "office_create": _l("Office created"),
    "office_update": _l("Office changed"),
    "office_deactivate": _l("Office deactivated"),
    "office_reactivate": _l("Office reactivated"),
    "organisation_create": _l("Organisation created"),
    "organisation_update": _l("Organisation changed"),
    "organisation_deactivate": _l("Organisation deactivated"),
    "organisation_reactivate": _l("Organisation reactivated"),
    "service_create": _l("Service added"),
    "service_update": _l("Service changed"),
    "service_delete": _l("Service removed"),
}
DAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}


def result_label(code: str | None) -> str:
    """The words of a referral result (a level, a civic format, passed/failed); "—" when none."""
    if not code:
        return "—"
    label = LEVEL_LABELS.get(code) or CIVIC_FORMAT_LABELS.get(code) or PASS_FAIL_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


def template_labels() -> dict:
    """The label maps the referral pages and panels read (``labels.state[code]``…)."""
    return {
        "state": STATE_LABELS,
        "action": ACTION_LABELS,
        "tab": TAB_LABELS,
        "service": SERVICE_LABELS,
        "format": FORMAT_LABELS,
        "reasons": {**DECLINE_REASONS, **ABANDON_REASONS, **WITHDRAW_REASONS},
        "outcome": OUTCOME_LABELS,
        "level": LEVEL_LABELS,
        "result": result_label,
        "language": reference.language_name,
        "municipality": reference.municipality,
    }
