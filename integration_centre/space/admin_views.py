"""The admin's translation-status page: how far each of the space's twelve languages is translated,
which strings are missing, and the staff interface's French and Dutch coverage."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.i18n import LANGUAGE_NAMES, text_direction
from integration_centre.space import translation_status

bp = Blueprint("space_admin", __name__, url_prefix="/admin/translations")


@bp.get("")
@roles_required(Role.ADMIN)
def translations():
    """Per language of the space: translated strings, the missing ones; the staff interface's fr/nl."""
    status = translation_status.translation_status(
        Path(current_app.root_path) / "translations", current_app.config["SPACE_LOCALES"], LANGUAGE_NAMES
    )
    return render_template("space_admin/translations.html", status=status, text_direction=text_direction)


def register(app) -> None:
    """The blueprint and its link on the admin's home page (group "Languages")."""
    from flask_babel import lazy_gettext as _l

    from integration_centre.core.navigation import add_group, add_item

    app.register_blueprint(bp)
    add_group(
        "languages",
        _l("Languages"),
        [Role.ADMIN],
        order=60,
        description=_l("How far the person's space and the staff interface are translated."),
    )
    add_item(
        "space_admin.translations",
        _l("Translation status"),
        [Role.ADMIN],
        order=10,
        group="languages",
        description=_l("For each language of the person's space: the strings translated and those still missing."),
    )
