"""The admin pages of API tokens: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from integration_centre.accounts.forms import SelectChoice
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import fresh_login_required, require, roles_required
from integration_centre.api import tokens
from integration_centre.api.forms import RevokeForm, TokenCreateForm
from integration_centre.api.models import ApiToken
from integration_centre.clock import utcnow
from integration_centre.core.requests import perform
from integration_centre.extensions import db

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")


@bp.get("")
@roles_required(Role.ADMIN)
def tokens_page():
    """Every token: account, scopes, expiry, last use, revocation."""
    return render_template("api/admin_tokens.html", tokens=tokens.tokens_listing(), now=utcnow())


def _token_accounts() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.OPERATOR, Role.AGENT]), User.is_enabled.is_(True))
            .order_by(User.role, User.display_name)
        )
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def create_token():
    """Create a token; its value is shown on the next page once, never again."""
    form = TokenCreateForm()
    accounts = _token_accounts()
    form.user_id.choices = [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(user.id, _account_label(user)) for user in accounts
    ]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        created: list[tokens.NewToken] = []

        def create() -> None:
            created.append(
                tokens.create_token(
                    user, form.name.data, form.scopes.data, lifetime_days=form.lifetime_days.data, acting=current_user
                )
            )

        if perform(create, form=form):
            return render_template("api/admin_token_created.html", token=created[0].token, secret=created[0].secret)
    return render_template("api/admin_token_form.html", form=form, scope_labels=tokens.SCOPES)


def _account_label(user: User) -> str:
    where = user.operator.name if user.role == Role.OPERATOR and user.operator else None
    where = where or (user.office.name if user.office else "")
    return f"{user.display_name} ({user.email}) — {where}"


@bp.route("/<int:token_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def revoke_token(token_id: int):
    """Confirmation page, then revoke the token (it answers 401 at once)."""
    token = db.session.get(ApiToken, token_id)
    require(token is not None)
    if token.revoked_at is not None:
        return redirect(url_for("api_admin.tokens_page"))
    form = RevokeForm()
    if form.validate_on_submit():
        tokens.revoke_token(token, acting=current_user)
        db.session.commit()
        flash(_("The token was revoked: it no longer works."), "success")
        return redirect(url_for("api_admin.tokens_page"))
    return render_template("api/admin_token_revoke.html", token=token, form=form)
