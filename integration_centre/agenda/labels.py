"""Human labels of the agenda's codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "reception": _l("Reception"),
    "social_assessment": _l("Social assessment"),
    "evaluation_interview": _l("Evaluation interview"),
    "group_session": _l("Group session on rights and duties"),
}
STATUS_LABELS = {
    "booked": _l("booked"),
    "moved": _l("moved"),
    "cancelled": _l("cancelled"),
    "attended": _l("attended"),
    "no_show": _l("did not come"),
}
CANCEL_REASON_LABELS = {
    "person_request": _l("At the person's request"),
    "office": _l("By the office"),
    "duplicate": _l("Booked twice"),
    "other": _l("Other reason"),
}
INTERPRETER_STATUS_LABELS = {
    "requested": _l("requested, waiting for the service"),
    "confirmed": _l("confirmed by the service"),
    "refused": _l("refused by the service"),
    "cancelled": _l("request cancelled"),
}
LETTER_LANGUAGE_LABELS = {
    "fr": _l("French"),
    "nl": _l("Dutch"),
    "en": _l("English"),
    "ar": _l("Arabic"),
}
