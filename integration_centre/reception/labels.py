"""The reception codes shown to users and their translated labels (also the lists of valid codes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DOMAIN_LABELS = {
    "housing": _l("Housing"),
    "health": _l("Health"),
    "children": _l("Children"),
    "employment": _l("Employment"),
    "training": _l("Training"),
    "diplomas": _l("Diplomas and equivalence"),
    "family": _l("Family"),
    "legal": _l("Legal matters"),
    "leisure": _l("Leisure"),
}
NEED_LABELS = {
    "none": _l("No need"),
    "to_follow": _l("Need to follow up"),
    "urgent": _l("Urgent need"),
}
SESSION_FORMATS = {"individual": _l("Individual"), "group": _l("Group")}
SESSION_THEMES = {
    "fundamental_rights": _l("Fundamental rights and freedoms"),
    "equality": _l("Equality between women and men, non-discrimination"),
    "residence": _l("Residence rights and obligations"),
    "work_social_security": _l("Work and social security"),
    "housing": _l("Housing: tenants' rights and duties"),
    "health_system": _l("Health care system"),
    "education": _l("Education and compulsory schooling"),
    "institutions": _l("Belgian institutions"),
    "pathway": _l("The integration pathway and its obligations"),
}
TASK_KINDS = {
    "municipality": _l("Registration at the municipality"),
    "health_insurance": _l("Health insurance fund (mutuelle)"),
    "bank_account": _l("Bank account"),
    "cpas": _l("CPAS social aid"),
    "school": _l("School enrolment of the children"),
    "diploma_equivalence": _l("Diploma equivalence"),
    "employment_office": _l("Registration at the employment office"),
    "driving_licence": _l("Driving licence exchange"),
    "housing": _l("Housing search"),
    "other": _l("Other procedure"),
}
REVOCATION_REASONS = {
    "issued_in_error": _l("Issued in error"),
    "fraud": _l("Fraud or false information"),
    "replaced": _l("Replaced by a corrected certificate"),
    "other": _l("Other reason"),
}
RECIPIENTS = {"municipality": _l("Municipality"), "cpas": _l("CPAS")}
