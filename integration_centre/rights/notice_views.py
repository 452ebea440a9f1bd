"""Thin views of the privacy notice (edited by the centre, printable, recorded as given) and of
the records of processing (Art. 30); routes of the ``rights`` blueprint."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core import panels
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.i18n import current_language
from integration_centre.privacy import restrictions, subject_data
from integration_centre.rights import notice, records
from integration_centre.rights.errors import as_refusals
from integration_centre.rights.forms import NoticeForm, NoticeGivenForm, choices
from integration_centre.rights.request_views import bp

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "nl": "Nederlands", "de": "Deutsch"}


def wire() -> None:
    """The notice and records links, and the "notice given" panel of the person page."""
    add_nav_item(
        "rights.notice_admin",
        _l("Privacy notice"),
        [Role.ADMIN],
        order=56,
        group="personal_data",
        description=_l("The notice given to newcomers, and its versions."),
    )
    add_nav_item(
        "rights.records_page",
        _l("Records of processing"),
        [Role.ADMIN],
        order=57,
        group="personal_data",
        description=_l("The register of processing activities (GDPR Art. 30)."),
    )
    panels.register("newcomer", "privacy_notice", "rights/_notice_panel.html", context=_notice_panel, order=10)


@bp.route("/admin/privacy/notice/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def notice_admin():
    """The versions of the notice, and a form publishing a new version (pre-filled with the latest)."""
    form = NoticeForm()
    latest = notice.current()
    if request.method == "GET" and latest is not None:
        for language, part in latest.texts.items():
            if hasattr(form, f"{language}_title"):
                getattr(form, f"{language}_title").data = part["title"]
                getattr(form, f"{language}_body").data = part["body"]
    if form.validate_on_submit():
        texts = {
            lang: {"title": getattr(form, f"{lang}_title").data, "body": getattr(form, f"{lang}_body").data}
            for lang in notice.NOTICE_LANGUAGES
        }
        published = []
        if perform(lambda: published.append(notice.publish(current_user, texts, form.change_note.data)), form=form):
            flash(_("Version %(version)s of the notice is published.", version=published[0].version), "success")
            return redirect(url_for("rights.notice_admin"))
    return render_template("rights/notice_admin.html", form=form, versions=notice.versions(), languages=LANGUAGE_NAMES)


@bp.get("/privacy/notice")
@roles_required(Role.ADMIN, Role.AGENT)
def notice_page():
    """The notice in one language (printable); ``?lang=`` and ``?version=`` choose."""
    version = request.args.get("version", type=int)
    item = notice.get(version) if version else notice.current()
    if item is None:
        return render_template("rights/notice.html", item=None, languages=LANGUAGE_NAMES), 404
    language, text = notice.text_of(item, request.args.get("lang") or current_language())
    return render_template("rights/notice.html", item=item, language=language, text=text, languages=LANGUAGE_NAMES)


def _notice_panel(newcomer=None, **_page):
    """The "notice given" panel of the person page (agents who may see the file)."""
    if newcomer is None or current_user.role != Role.AGENT:
        return None
    person_id = newcomer["id"] if isinstance(newcomer, dict) else newcomer.id
    latest = notice.current()
    form = NoticeGivenForm(prefix="notice")
    if latest is not None:
        form.language.choices = choices((lang, LANGUAGE_NAMES.get(lang, lang)) for lang in latest.texts)
        form.version.data = str(latest.version)
        form.given_on.data = form.given_on.data or clock.today()
    return {
        "notice_form": form,
        "notice_latest": latest,
        "notice_given": notice.given_to(current_user, person_id),
        "notice_person_id": person_id,
        "notice_restricted": restrictions.is_restricted(person_id),
        "notice_languages": LANGUAGE_NAMES,
    }


@bp.post("/privacy/notice-given/<uuid:person_id>")
@roles_required(Role.AGENT)
def notice_given(person_id: uuid.UUID):
    """Record that the notice was given to the person (language, date, version)."""
    visible = subject_data.person_hooks.visible
    require(visible is not None and visible(current_user, person_id))
    form = NoticeGivenForm(prefix="notice")
    latest = notice.current()
    form.language.choices = choices((lang, lang) for lang in (latest.texts if latest else {}))
    back = url_for("pathway.newcomer", newcomer_id=person_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(back)
    record = as_refusals(lambda: notice.record_given(
        current_user, person_id, language=form.language.data, given_on=form.given_on.data, version=form.version.data,
    ))  # fmt: skip
    if not perform(record, success=_("The privacy notice was recorded as given."), form=form):
        # the refusal, in the order the service checks: version or language, then date
        for message in [*form.form_errors, *form.version.errors, *form.language.errors, *form.given_on.errors]:
            flash(message, "error")
    return redirect(back)


# --- Records of processing (Art. 30) ---------------------------------------------------------


@bp.get("/admin/privacy/records")
@roles_required(Role.ADMIN)
def records_page():
    """The records of processing activities, from configuration."""
    return render_template("rights/records.html", record=records.record(current_language()))
