"""The office's side of the personal link (staff blueprint ``space_links``): issue, re-issue
(the previous link stops working), revoke after a confirmation, the printable sheet with the link,
its QR code and how to use it in the person's language; the case-page panel with the link's state
and the agent home's notice of locked links (``core.panels``).

Agents of the person's office only (another office's agent gets 404). The token appears once, on
the page answering the issue: only its SHA-256 is stored.
"""

from __future__ import annotations

import io
import uuid

import segno
from babel import Locale, UnknownLocaleError
from flask import Blueprint, Flask, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, role_in, roles_required
from integration_centre.core import panels
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.privacy.access import access
from integration_centre.space import links

bp = Blueprint("space_links", __name__, url_prefix="/space-links")

# The languages whose script runs right to left (the sheet's instructions block).
RTL_LANGUAGES = frozenset({"ar", "fa", "ps"})
STATE_LABELS = {
    links.State.NONE: _l("No personal link"),
    links.State.LIVE: _l("Live"),
    links.State.LOCKED: _l("Locked after 5 wrong dates of birth"),
    links.State.REVOKED: _l("Revoked"),
}


class ConfirmForm(FlaskForm):
    """A confirmation button (CSRF only)."""


def _person_or_404(person_id: uuid.UUID) -> Newcomer:
    newcomer = db.session.get(Newcomer, person_id)
    require(person_visible_to(current_user, newcomer))
    return newcomer


def _case_url(person_id: uuid.UUID) -> str:
    """The person's case at the agent's office (its page, at the panel), else the agent's home."""
    case_id = db.session.scalar(
        select(Case.id)
        .where(Case.person_id == person_id, Case.office_id == current_user.office_id)
        .order_by(Case.opened_on.desc())
        .limit(1)
    )
    if case_id is None:
        return url_for("workspace.home")
    return url_for("workspace.case", case_id=case_id, _anchor="space-link")


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (no external asset)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title="QR")
    return buffer.getvalue().decode()


def instructions(language: str | None) -> dict:
    """How to use the link, in the person's language (plain language, one idea per line)."""
    try:
        language = str(Locale.parse(language or "fr"))
    except (ValueError, UnknownLocaleError):
        language = "fr"  # a code Babel does not know: the centre's language
    with force_locale(language):
        return {
            "lang": language,
            "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
            "title": _("Your personal link"),
            "lines": [
                _("This link opens your own space."),
                _("There you see your pathway, your appointments and your documents."),
                _("Scan the picture with your phone, or type the link."),
                _("The page asks for your date of birth."),
                _("Keep this paper for yourself. Do not share the link."),
                _("After 5 wrong dates the link stops. Then ask your office for a new one."),
            ],
        }


@bp.route("/persons/<uuid:person_id>/issue", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def issue(person_id: uuid.UUID):
    """Confirm (when a link exists, it will stop working), then issue and show the sheet once."""
    newcomer = _person_or_404(person_id)
    state = links.state_of(person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        issued: dict = {}

        def act() -> None:
            issued["link"], issued["token"] = links.office_issue(current_user, person_id)

        if perform(act):
            return _sheet(newcomer, issued["link"], issued["token"])
    return render_template(
        "space/office/issue.html", form=form, state=state, labels=STATE_LABELS, back_url=_case_url(person_id)
    )


def _sheet(newcomer: Newcomer, link, token: str):
    """The printable sheet: the link, its QR code, the instructions; never stored, never cached."""
    url = url_for("space.open_link", token=token, _external=True)
    with access(current_user, links.PURPOSE_OFFICE, [newcomer.id]):
        name = " ".join(part for part in (newcomer.given_names, newcomer.family_name) if part)
        language = newcomer.preferred_language
    page = render_template(
        "space/office/sheet.html",
        url=url,
        qr_svg=qr_svg(url),
        name=name,
        link=link,
        text=instructions(language),
        back_url=_case_url(newcomer.id),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/persons/<uuid:person_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def revoke(person_id: uuid.UUID):
    """Confirm, then revoke the person's link: it and the sessions it opened stop at once."""
    _person_or_404(person_id)
    state = links.state_of(person_id)
    form = ConfirmForm()
    back_url = _case_url(person_id)
    revocable = state.state in (links.State.LIVE, links.State.LOCKED)
    if (
        revocable
        and form.validate_on_submit()
        and perform(lambda: links.office_revoke(current_user, person_id), success=_("The personal link was revoked."))
    ):
        return redirect(back_url)
    return render_template("space/office/revoke.html", form=form, state=state, labels=STATE_LABELS, back_url=back_url)


# --- Panels -----------------------------------------------------------------------------------


def case_panel(case=None, **_page) -> dict | None:
    """The case page's panel: the link's state and the buttons (agents of the case's office)."""
    if case is None or not role_in(current_user, [Role.AGENT]) or not can_see_case(current_user, case):
        return None
    return {
        "space_link": links.state_of(case.person_id),
        "space_link_labels": STATE_LABELS,
        "space_link_states": links.State,
        "space_link_form": ConfirmForm(formdata=None),
    }


def locked_panel(user=None, **_page) -> dict | None:
    """The agent home's notice: the office's personal links locked by wrong dates of birth."""
    user = user or current_user
    if not role_in(user, [Role.AGENT]):
        return None
    locked = links.locked_for_office(user.office_id)
    if not locked:
        return None
    persons = [link.person_id for link in locked]
    cases = dict(
        db.session.execute(
            select(Case.person_id, Case.id).where(Case.person_id.in_(persons), Case.office_id == user.office_id)
        ).all()
    )
    items = []
    with access(user, links.PURPOSE_OFFICE, persons):
        for link in locked:
            newcomer = db.session.get(Newcomer, link.person_id)
            name = " ".join(p for p in (newcomer.given_names, newcomer.family_name) if p) if newcomer else ""
            items.append({"name": name, "locked_at": link.locked_at, "case_id": cases.get(link.person_id)})
    return {"locked_links": items}


def register(app: Flask) -> None:
    """The blueprint and its panels."""
    app.register_blueprint(bp)
    panels.register("case", "space_link", "space/office/_link_panel.html", context=case_panel, order=70)
    panels.register(
        "agent_dashboard", "space_links_locked", "space/office/_dashboard_panel.html", context=locked_panel, order=5
    )
