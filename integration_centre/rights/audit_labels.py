"""Readable labels of the audit log's codes (actions, purposes, objects, actors), in the three
languages through the catalogs. A code without its own label falls back to its family's
("case.*" → "Case file"), never to the raw code."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.accounts.forms import ROLE_LABELS
from integration_centre.rights.labels import AUDIT_ACTION_LABELS

ACTION_LABELS = {
    **AUDIT_ACTION_LABELS,
    "merge": _l("Files merged"),
    "extend": _l("Deadline extended"),
    "close": _l("Closed"),
    "download": _l("Downloaded"),
    "purge": _l("Old records purged"),
    "backup": _l("Backup made"),
    "restore": _l("Backup restored"),
    "duplicate_check": _l("Duplicate check"),
    "api_token_create": _l("API token created"),
    "api_token_revoke": _l("API token revoked"),
    "session_revoke": _l("Sessions ended"),
    "login_alert": _l("Login alert raised"),
    "login_alert_seen": _l("Login alert acknowledged"),
    "setup_link_created": _l("Set-up link created"),
    "setup_password_set": _l("Password chosen at set-up"),
    "setup_completed": _l("Account set-up completed"),
    "centre_create": _l("Centre created"),
    "centre_update": _l("Centre changed"),
    "centre_two_step": _l("Two-step login rule of a centre changed"),
    "office_create": _l("Office created"),
    "office_update": _l("Office changed"),
    "office_deactivate": _l("Office deactivated"),
    "office_reactivate": _l("Office reactivated"),
    "organisation_create": _l("Operator created"),
    "organisation_update": _l("Operator changed"),
    "organisation_deactivate": _l("Operator deactivated"),
    "organisation_reactivate": _l("Operator reactivated"),
    "service_create": _l("Operator's service added"),
    "service_update": _l("Operator's service changed"),
    "service_delete": _l("Operator's service removed"),
    # the person's own space (issue 20): personal links and the person's account
    "issue": _l("Issued"),
    "revoke": _l("Revoked"),
    "lock": _l("Locked"),
    "refuse": _l("Refused"),
    "delete": _l("Deleted"),
    "totp_on": _l("Second factor turned on"),
    "totp_off": _l("Second factor turned off"),
}

PURPOSE_LABELS = {
    "space.open": _l("Personal link opened with the date of birth"),
    "space.link": _l("Personal link issued or revoked by the office"),
    "space.account": _l("The person's account for their space"),
    "authentication": _l("Login and logout"),
    "access_change": _l("Change of a user's access"),
    "setup": _l("Account set-up"),
    "totp-secret": _l("Two-step login"),
    "recovery-code": _l("Two-step login recovery code"),
    "network.admin": _l("Administration of the network"),
    "api_administration": _l("Administration of the API tokens"),
    "api.search": _l("Search through the API"),
    "audit.export": _l("Export of the audit log"),
    "audit.review": _l("Review of the audit log"),
    "retention.audit": _l("Retention of the audit log"),
    "backup.create": _l("Backup"),
    "backup.restore": _l("Restoring a backup"),
    "kek.add": _l("Key management: new key"),
    "kek.promote": _l("Key management: key put in use"),
    "kek.retire": _l("Key management: key retired"),
    "kek.rewrap": _l("Key management: keys re-encrypted"),
    "dashboard.list": _l("Agent's home page (list of files)"),
    "person.search": _l("Search for a person"),
    "person.merge": _l("Merge of duplicate files"),
    "duplicate_check": _l("Duplicate check at registration"),
    "intake.import": _l("Import of a commune list"),
    "agenda.interpreter": _l("Interpreter language for an appointment"),
    "agenda.letter": _l("Convocation letter for an appointment"),
    "agenda.reminder": _l("Appointment reminder (e-mail, text message)"),
    "outbox.send": _l("Sending a message to the person"),
    "agenda.statistics": _l("Anonymous statistics of an appointment"),
    "announced.list": _l("List of persons announced, not yet presented"),
    "announced.person": _l("Announced person's page"),
    "announced.reminder": _l("Reminder of the duty to present"),
    "registration": _l("Registration of a newcomer"),
    "newcomer.view": _l("Person's file"),
    "newcomer.edit": _l("Change to the person's file"),
    "newcomer.update": _l("Change to the person's file"),
    "case.view": _l("Case file"),
    "case.open": _l("Opening of a case"),
    "case.step": _l("Pathway step"),
    "case.status": _l("Case status (suspension, closure)"),
    "case.timeline": _l("Case history"),
    "case.transfer": _l("Case transfer between offices"),
    "case.reassess": _l("Re-assessment of the obligation"),
    "eligibility.view": _l("Obligation status"),
    "eligibility.preview": _l("Obligation status (preview)"),
    "deadline.compute": _l("Pathway deadline"),
    "deadline.extend": _l("Extension of the deadline"),
    "dispensation.view": _l("Dispensations"),
    "dispensation.record": _l("Recording a dispensation"),
    "dispensation.revoke": _l("Revoking a dispensation"),
    "evaluation.view": _l("Evaluation interviews"),
    "evaluation.record": _l("Recording an evaluation interview"),
    "evidence.upload": _l("Adding a document"),
    "evidence.list": _l("Documents of the file"),
    "evidence.download": _l("Opening a document"),
    "noncompliance.record": _l("Non-compliance procedure"),
    "pathway.event": _l("Pathway event"),
    "referral.suggest": _l("Suggested referrals"),
    "referral.deadline": _l("Referral deadline"),
    "referral.operator_view": _l("Referral seen by the operator"),
    "reception.assessment": _l("Reception module: social assessment"),
    "reception.session": _l("Reception module: information sessions"),
    "reception.task": _l("Reception module: tasks"),
    "reception.language": _l("Reception module: language"),
    "reception.test": _l("Reception module: language test"),
    "reception.agreement": _l("Reception module: agreement"),
    "reception.certificate": _l("Reception module: certificate"),
    "reception.notification": _l("Reception module: notifications"),
    "demo.reception": _l("Demonstration data"),
    "erasure.confirm": _l("Erasure of a person's data"),
    "erasure.replay": _l("Erasure after a backup restore"),
    "rights.access": _l("Right of access (export)"),
    "rights.search": _l("Data-subject request: finding the person"),
    "rights.register": _l("Register of data-subject requests"),
    "rights.restriction": _l("Restriction of processing"),
    "rights.rectification": _l("Rectification"),
    "rights.notice": _l("Privacy notice"),
    # The person's requests from their own space (issue 20, space-requests).
    "space.requests": _l("The person's requests in their own space"),
    "space.appointment_confirm": _l("The person confirmed an appointment in their space"),
    "space.appointment_move": _l("The person asked to move an appointment in their space"),
    "space.contact_change": _l("The person reported a new address or phone in their space"),
    "space.rights_request": _l("The person filed a data-protection request in their space"),
    "space.request_review": _l("Review of a request from the person's space"),
}

PURPOSE_FAMILIES = {
    "case": _l("Case file"),
    "reception": _l("Reception module"),
    "referral": _l("Referrals"),
    "dispensation": _l("Dispensations"),
    "evaluation": _l("Evaluation interviews"),
    "evidence": _l("Documents of the file"),
    "deadline": _l("Pathway deadline"),
    "eligibility": _l("Obligation status"),
    "newcomer": _l("Person's file"),
    "person": _l("Person's file"),
    "noncompliance": _l("Non-compliance procedure"),
    "pathway": _l("Pathway"),
    "rights": _l("Rights of the persons (GDPR)"),
    "erasure": _l("Erasure of a person's data"),
    "audit": _l("Audit log"),
    "api": _l("API"),
    "kek": _l("Key management"),
    "backup": _l("Backup"),
    "network": _l("Administration of the network"),
    "dashboard": _l("Agent's home page (list of files)"),
    "operator": _l("Operator portal"),
    "operators": _l("Operator portal"),
    "space": _l("The person's own space"),
}

OBJECT_LABELS = {
    "person": _l("Person"),
    "user": _l("User account"),
    "subject_request": _l("Data-subject request"),
    "export_file": _l("Export file"),
    "audit_log": _l("Audit log"),
    "privacy_notice": _l("Privacy notice"),
    "api_token": _l("API token"),
    "kek": _l("Encryption key"),
    "person_keys": _l("Persons' keys"),
    "database": _l("Database"),
    "newcomer_registration": _l("Registration"),
    "centre": _l("Centre"),
    "office": _l("Office"),
    "operator_organisation": _l("Operator"),
    "space_request": _l("Request from the person's space"),
}

SYSTEM_ACTORS = {
    "cli": _l("System (command line)"),
    "demo": _l("System (demonstration data)"),
    "init": _l("System (installation)"),
    "login-throttle": _l("System (login protection)"),
    "session_check": _l("System (session check)"),
    "token_check": _l("System (API token check)"),
}


def action_label(code: str | None) -> str:
    """The action in words."""
    if not code:
        return ""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else _("Other action")


def purpose_label(code: str | None) -> str:
    """The purpose in words: its own label, else its family's, else "Other purpose"."""
    if not code:
        return ""
    label = PURPOSE_LABELS.get(code)
    if label is None:
        label = PURPOSE_FAMILIES.get(code.split(".", 1)[0].split(":", 1)[0])
    return str(label) if label is not None else _("Other purpose")


def object_label(code: str | None) -> str:
    """The kind of object in words."""
    if not code:
        return ""
    label = OBJECT_LABELS.get(code)
    return str(label) if label is not None else _("Other object")


def role_label(role: str | None) -> str:
    """The actor's role in words (a user's role, or which part of the system acted)."""
    if not role:
        return ""
    if role.startswith("system"):
        label = SYSTEM_ACTORS.get(role.partition(":")[2])
        return str(label) if label is not None else _("System")
    for key, label in ROLE_LABELS.items():
        if key.value == role:
            return str(label)
    return _("Other role")


def action_choices() -> list[tuple[str, object]]:
    """The actions offered by the filter, alphabetically in the user's language."""
    return sorted(ACTION_LABELS.items(), key=lambda pair: str(pair[1]).casefold())
