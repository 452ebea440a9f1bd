"""The case page's "entry service and purpose" panel and its form (rules in ``pathway.case_profile``)."""

from __future__ import annotations

import uuid

from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core import panels
from integration_centre.core.requests import perform
from integration_centre.pathway.case_profile import set_case_profile
from integration_centre.pathway.forms import CaseProfileForm
from integration_centre.pathway.labels import ENTRY_CHANNELS, PURPOSES
from integration_centre.pathway.models import Case
from integration_centre.pathway.reading import get_case
from integration_centre.pathway.views import bp


def _version(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@bp.post("/cases/<uuid:case_id>/profile")
@roles_required(Role.AGENT)
def case_profile(case_id: uuid.UUID):
    """Record or correct the case's entry service and purpose."""
    case = get_case(current_user, case_id)
    form = CaseProfileForm()
    if not form.validate_on_submit():
        abort(400)
    perform(
        lambda: set_case_profile(
            current_user,
            case,
            entry_channel=form.entry_channel.data or None,
            purpose=form.purpose.data or None,
            expected_version=_version(form.version.data),
        ),
        success=_("The entry service and the purpose were saved."),
    )
    return redirect(url_for("workspace.case", case_id=case_id) + "#case-profile")


def profile_panel(case: Case, **_page) -> dict | None:
    """The panel's variables: the current values and the form to change them."""
    if current_user.role != Role.AGENT:
        return None
    form = CaseProfileForm(formdata=None, entry_channel=case.entry_channel or "", purpose=case.purpose or "")
    form.version.data = str(case.version)
    return {"profile_form": form, "entry_channels": ENTRY_CHANNELS, "purposes": PURPOSES}


def register() -> None:
    """Add the panel to the case page."""
    panels.register("case", "profile", "pathway/_case_profile_panel.html", context=profile_panel, order=15)
