"""The reception panels of the case page and the page contexts they share with the views.

Panels show only to agents of the case's office.
"""

from __future__ import annotations

from flask_login import current_user

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import role_in
from integration_centre.core import panels
from integration_centre.extensions import db
from integration_centre.i18n import LANGUAGE_NAMES, current_language
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.states import DONE_STEP_STATES
from integration_centre.privacy.access import access
from integration_centre.reception import documents, labels, services
from integration_centre.reception.common import ADMIN_HELP_STEPS, ASSESSMENT_STEPS, LANGUAGE_STEPS, RIGHTS_STEPS
from integration_centre.reception.forms import ConfirmForm, NotificationForm
from integration_centre.reception.models import ASSESSMENT_DOMAINS


def step_labels(case) -> dict:
    """The labels of the case's steps, in the user's language."""
    definition = pathway.definition_of(case)
    language = current_language()
    return {s.code: s.label(language) for s in definition.steps}


# The step of the case each part of the reception module stands for (see ``reception.common``).
MODULE_STEPS = {
    "assessment": ASSESSMENT_STEPS,
    "sessions": RIGHTS_STEPS,
    "tests": LANGUAGE_STEPS,
    "tasks": ADMIN_HELP_STEPS,
}


def module_steps_done(case) -> dict:
    """For each part of the reception module, its step when the step list shows it done
    (completed or exempted), else None. A step can be marked done on the case page without the
    module's record: the block then says so, and never "not recorded yet" beside a done step."""
    steps = {step.step_code: step for step in case.steps}
    done = {}
    for part, codes in MODULE_STEPS.items():
        step = next((steps[code] for code in codes if code in steps), None)
        done[part] = step if step is not None and step.state in DONE_STEP_STATES else None
    return done


def module_context(case) -> dict:
    """The reception records of the case (decrypted, audited) and their labels."""
    return {
        "assessment": services.assessment_for(current_user, case),
        "sessions": services.sessions_of(current_user, case),
        "tests": services.tests_of(current_user, case),
        "tasks": services.tasks_of(current_user, case),
        "domain_labels": labels.DOMAIN_LABELS,
        "need_labels": labels.NEED_LABELS,
        "domains": ASSESSMENT_DOMAINS,
        "format_labels": labels.SESSION_FORMATS,
        "theme_labels": labels.SESSION_THEMES,
        "task_labels": labels.TASK_KINDS,
        "today": clock.today(),
        "done_form": ConfirmForm(),
        "module_done": module_steps_done(case),
        "module_state_labels": pathway.STATE_LABELS,
    }


def person_language(case) -> str | None:
    """The person's preferred language when a document layout exists for it."""
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(current_user, "reception.language", [case.person_id]):
        preferred = newcomer.preferred_language
    return preferred if preferred in documents.DOCUMENT_LANGUAGES else None


def document_languages(case) -> list[str]:
    """The languages the agreement is offered in: French, and the person's own if it differs."""
    languages = ["fr"]
    preferred = person_language(case)
    if preferred and preferred not in languages:
        languages.append(preferred)
    return languages


def agreement_context(case) -> dict:
    """The agreement step and the languages of its document."""
    code = pathway.agreement_step(pathway.definition_of(case))
    return {
        "agreement_step": case.step(code) if code else None,
        "agreement_languages": document_languages(case),
        "document_language_names": LANGUAGE_NAMES,
    }


def certificate_context(case) -> dict:
    """What the certificate still needs, the case's certificates and their labels."""
    missing = services.certificate_missing_steps(case)
    definition = pathway.definition_of(case)
    declared = pathway.effort_declared(case)
    return {
        "certificate_missing": missing,
        # Flanders: the results still missing (none once a declaration of effort is recorded)
        "certificate_unmet": [] if declared else pathway.unmet_results(case),
        "effort_allowed": definition.certificate.declaration_of_effort and not declared,
        "effort_declared": declared,
        "results_based": definition.certificate.basis == "results",
        "certificates": services.certificates_of(current_user, case),
        "active_certificate": services.active_certificate(case),
        "certificate_languages": list(documents.DOCUMENT_LANGUAGES),
        "format_code": services.format_code,
        "revocation_labels": labels.REVOCATION_REASONS,
    }


def notifications_context(case) -> dict:
    """The case's notifications and the form to queue one."""
    return {
        "notifications": services.notifications_of(current_user, case),
        "notification_form": NotificationForm(),
        "recipient_labels": labels.RECIPIENTS,
    }


def panel_allowed(case) -> bool:
    """Agents of the case's office only."""
    return role_in(current_user, [Role.AGENT]) and can_see_case(current_user, case)


def reception_panel(case=None, **_page) -> dict | None:
    """The reception module at a glance: assessment levels (never details), session, test, tasks."""
    if case is None or not panel_allowed(case):
        return None
    return {"labels": step_labels(case), **module_context(case)}


def agreement_panel(case=None, **_page) -> dict | None:
    """The agreement: download, sign, signature date."""
    if case is None or not panel_allowed(case):
        return None
    context = agreement_context(case)
    if context["agreement_step"] is None:
        return None
    return context


def certificate_panel(case=None, **_page) -> dict | None:
    """The certificate: what is missing, issue, download, verify, revoke."""
    if case is None or not panel_allowed(case):
        return None
    return certificate_context(case)


def notifications_panel(case=None, **_page) -> dict | None:
    """Notifications to the municipality and the CPAS about this case."""
    if case is None or not panel_allowed(case):
        return None
    return notifications_context(case)


def register() -> None:
    """Add the reception panels to the case page."""
    panels.register("case", "reception", "reception/_panel_reception.html", context=reception_panel, order=20)
    panels.register("case", "agreement", "reception/_panel_agreement.html", context=agreement_panel, order=30)
    panels.register("case", "certificate", "reception/_panel_certificate.html", context=certificate_panel, order=35)
    panels.register(
        "case", "notifications", "reception/_panel_notifications.html", context=notifications_panel, order=60
    )
