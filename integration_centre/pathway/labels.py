"""User-facing labels of the pathway's codes: case statuses, step states, actions, reasons, file fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from integration_centre.pathway.states import CaseStatus, StepState

CLOSURE_REASONS = {
    "no_show": _l("Never came or stopped coming"),
    "moved_away": _l("Moved out of the centre's territory"),
    "left_country": _l("Left Belgium"),
    "deadline_exceeded": _l("Deadline exceeded"),
    "refused": _l("Refused the pathway"),
    "deceased": _l("Deceased"),
    "other": _l("Other reason"),
}
SUSPENSION_REASONS = {
    "illness": _l("Illness"),
    "pregnancy": _l("Pregnancy or birth"),
    "family": _l("Family reasons"),
    "work": _l("Work schedule"),
    "no_places": _l("No places at operators"),
    "other": _l("Other reason"),
}
EXEMPTION_REASONS = {
    "condition_not_met": _l("Not needed for this person (condition of the definition not met)"),
    "prior_learning": _l("Already acquired (diploma, test, prior course)"),
    "dispensation": _l("Covered by a dispensation"),
    "other": _l("Other reason"),
}

STATUS_LABELS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.IN_PROGRESS: _l("in progress"),
    CaseStatus.COMPLETED: _l("completed"),
    CaseStatus.CLOSED: _l("closed without certificate"),
    CaseStatus.SUSPENDED: _l("suspended"),
    CaseStatus.TRANSFERRED: _l("transferred"),
}
STATE_LABELS = {
    StepState.PENDING: _l("pending"),
    StepState.PLANNED: _l("planned"),
    StepState.REFERRED: _l("referred"),
    StepState.IN_PROGRESS: _l("in progress"),
    StepState.COMPLETED: _l("completed"),
    StepState.EXEMPTED: _l("exempted"),
    StepState.FAILED: _l("failed"),
    StepState.CANCELLED: _l("cancelled"),
}
ACTION_LABELS = {
    "plan": _l("plan"),
    "refer": _l("refer to an operator"),
    "start": _l("start"),
    "decline": _l("decline"),
    "complete": _l("complete"),
    "fail": _l("record as failed"),
    "retry": _l("try again"),
    "exempt": _l("exempt"),
    "cancel": _l("cancel"),
    "close": _l("close"),
    "suspend": _l("suspend"),
    "resume": _l("resume"),
    "transfer": _l("transfer"),
}

SEX_LABELS = {"F": _l("Woman"), "M": _l("Man"), "X": _l("Other / not specified")}
RESIDENCE_LABELS = {
    "refugee": _l("Refugee"),
    "subsidiary_protection": _l("Subsidiary protection"),
    "regularisation_9bis": _l("Regularisation (9bis)"),
    "regularisation_9ter": _l("Regularisation (9ter, medical)"),
    "family_reunification": _l("Family reunification"),
    "family_of_eu_citizen": _l("Family member of an EU, EEA or Swiss citizen"),
    "temporary_protection": _l("Temporary protection"),
    "work": _l("Work"),
    "study": _l("Study"),
    "other": _l("Other"),
}
EDUCATION_LABELS = {
    "none": _l("No schooling"),
    "primary": _l("Primary"),
    "lower_secondary": _l("Lower secondary"),
    "upper_secondary": _l("Upper secondary"),
    "higher": _l("Higher education"),
    "unknown": _l("Unknown"),
}

# How the person came to the centre ("service d'entrée") and why they follow the pathway: chosen
# when the case is opened, corrected on the case page, counted in the statistics.
ENTRY_CHANNELS = {
    "commune": _l("Municipality (population or foreigners office)"),
    "cpas": _l("CPAS (public social welfare centre)"),
    "self": _l("Came on their own initiative"),
    "operator": _l("Referred by a partner operator"),
    "reception_centre": _l("Reception centre for asylum seekers (Fedasil, Red Cross)"),
    "other": _l("Other service"),
}
PURPOSES = {
    "obligation": _l("Legal obligation"),
    "nationality": _l("Proof for a nationality declaration"),
    "permit": _l("Renewal of the residence permit"),
    "employment": _l("Employment or training"),
    "personal": _l("Personal interest (integration, French, citizenship)"),
    "other": _l("Other purpose"),
}

# What a step's evidence codes, a definition's obligation statuses and nationality groups read as
# (the definition pages and the case page).
EVIDENCE_LABELS = {
    "signed_agreement": _l("Signed reception agreement"),
    "attendance_record": _l("Attendance record"),
}
OBLIGATION_LABELS = {
    "obliged": _l("Obliged"),
    "dispensed": _l("Dispensed"),
    "excluded": _l("Outside the scope"),
    "voluntary": _l("Voluntary"),
}
NATIONALITY_GROUP_LABELS = {"EU_EEA_CH": _l("EU, EEA or Swiss citizen")}
# CEFR levels as people write them (the code ``pre_A1`` reads "Pre-A1"); the others are their codes.
CEFR_LABELS = {"pre_A1": _l("Pre-A1"), **{level: level for level in ("A1", "A2", "B1", "B2", "C1", "C2")}}
