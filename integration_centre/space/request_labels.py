"""Words for the codes of the person's requests (shown in the space and to the office)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Why the person asks to move an appointment (a short list: no free text in clear).
MOVE_REASON_LABELS = {
    "work": _l("I have work or a training at that time."),
    "health": _l("I am ill or I have a medical appointment."),
    "children": _l("I have no one to look after my children."),
    "transport": _l("I cannot travel there at that time."),
    "other": _l("Another reason."),
}

# Why the office says no (the person reads it in their language).
DECLINE_REASON_LABELS = {
    "no_other_time": _l("The office has no other free time."),
    "deadline": _l("The appointment cannot move because of a deadline."),
    "call_office": _l("Please call the office to talk about it."),
    "bring_document": _l("Please come to the office with a document that shows it."),
    "not_clear": _l("The information is not clear. Please send it again."),
}
MOVE_DECLINE_REASONS = ("no_other_time", "deadline", "call_office")
CONTACT_DECLINE_REASONS = ("bring_document", "not_clear", "call_office")

KIND_LABELS = {
    "appointment_confirmation": _l("I will come to the appointment"),
    "appointment_move": _l("Move an appointment"),
    "contact_change": _l("New address or phone"),
    "rights_request": _l("Request about my personal data"),
}

STATUS_LABELS = {
    "pending": _l("Waiting for the office"),
    "done": _l("Done"),
    "declined": _l("Refused"),
    "noted": _l("Sent to the office"),
    "filed": _l("Sent to the data protection officer"),
}

# The data-subject requests a person may file from the space.
RIGHTS_KIND_LABELS = {
    "access": _l("I want a copy of my personal data."),
    "rectification": _l("Some of my personal data is wrong."),
}

# The person's contact details the office may change on request.
CONTACT_FIELD_LABELS = {
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
}

# The kinds of appointment, in plain words for the person.
APPOINTMENT_LABELS = {
    "reception": _l("Welcome meeting"),
    "social_assessment": _l("Meeting about your situation"),
    "evaluation_interview": _l("Meeting to look at your progress"),
    "group_session": _l("Group meeting about rights and duties"),
}
