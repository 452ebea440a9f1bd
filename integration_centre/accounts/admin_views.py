"""User administration: the list of users, creating them, roles, enabling, sessions, passwords,
and compulsory two-step login per centre (thin views)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from integration_centre.accounts import services, throttle
from integration_centre.accounts.forms import (
    ROLE_LABELS,
    CentreMfaForm,
    ConfirmForm,
    ResetPasswordForm,
    UserCreateForm,
    UserRoleForm,
)
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.accounts.permissions import can_manage_user, fresh_login_required, require, roles_required
from integration_centre.core.navigation import navigation_groups
from integration_centre.core.requests import perform
from integration_centre.extensions import db

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")

CONFIRMATIONS = {
    "created": (
        _l("User created"),
        _l(
            "Give the temporary password to the person in a safe way. They must "
            "choose their own password at first login."
        ),
    ),
    "role": (
        _l("Role changed"),
        _l("The new role applies at the person's next login: their open sessions have ended."),
    ),
    "disabled": (_l("User disabled"), _l("The person can no longer log in and their open sessions have ended.")),
    "enabled": (_l("User re-enabled"), _l("The person can log in again with their password.")),
    "password": (
        _l("Temporary password set"),
        _l(
            "Give the temporary password to the person in a safe way. "
            "Their open sessions have ended and they must choose a new "
            "password at next login."
        ),
    ),
    "sessions": (_l("Sessions ended"), _l("Every open session of this person has ended. They must log in again.")),
}
PER_PAGE = 25


@bp.get("/")
@roles_required(Role.ADMIN)
def home():
    """The administrator's home: one card per task, with its pages and their counts."""
    return render_template("accounts/admin_home.html", groups=navigation_groups(with_counts=True))


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    require(user is not None and can_manage_user(current_user, user))
    return user


def _attachment_choices(form, user: User | None = None) -> None:
    """Active offices and organisations (plus the user's own, even if deactivated since)."""
    offices = db.session.scalars(
        select(Office)
        .join(Centre)
        .where(or_(Office.is_active.is_(True), Office.id == (user.office_id if user else None)))
        .order_by(Centre.code, Office.name)
    ).all()
    operators = db.session.scalars(
        select(OperatorOrganisation)
        .where(
            or_(
                OperatorOrganisation.is_active.is_(True),
                OperatorOrganisation.id == (user.operator_id if user else None),
            )
        )
        .order_by(OperatorOrganisation.name)
    ).all()
    centres = db.session.scalars(select(Centre).order_by(Centre.code)).all()
    form.set_choices(offices, operators, centres)


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """User administration: the sortable, paginated list of users."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in services.SORT_COLUMNS else "name"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    page = request.args.get("page", 1, type=int) or 1
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    listing = services.list_users(sort, direction, page, PER_PAGE, Role(role) if role else None)
    return render_template(
        "accounts/admin_users.html",
        listing=listing,
        sort=sort,
        direction=direction,
        role=role,
        roles=ROLE_LABELS,
        login_alerts=throttle.open_alerts(),
        alert_form=ConfirmForm(),
    )


@bp.post("/login-alerts/<int:alert_id>/seen")
@roles_required(Role.ADMIN)
def login_alert_seen(alert_id: int):
    """An administrator marks an alert of repeated failed logins as seen (audited)."""
    form = ConfirmForm()
    require(form.validate_on_submit() and throttle.mark_alert_seen(alert_id, current_user) is not None)
    db.session.commit()
    flash(_("The alert is marked as seen."), "success")
    return redirect(url_for("accounts_admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def create_user():
    """Create a user with a role, an attachment and a temporary password."""
    # Links from an office or organisation page preset the role and the attachment.
    preset = {}
    if request.method == "GET":
        role = request.args.get("role", "")
        preset = {
            "role": role if role in {r.value for r in Role} else None,
            "office_id": request.args.get("office_id", type=int),
            "operator_id": request.args.get("operator_id", type=int),
        }
    form = UserCreateForm(data={k: v for k, v in preset.items() if v is not None} or None)
    _attachment_choices(form)
    created: list[User] = []

    def create() -> None:
        created.append(
            services.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                password=form.password.data,
                office_id=form.office_id.data,
                operator_id=form.operator_id.data,
                centre_id=form.centre_id.data,
                must_change_password=True,
            )
        )

    if form.validate_on_submit() and perform(create, form=form):
        return redirect(url_for("accounts_admin.confirmation", user_id=created[0].id, action="created"))
    return render_template("accounts/admin_user_form.html", form=form, create=True)


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    """One user: details, status and the actions an admin may take."""
    user = _load_user(user_id)
    return render_template(
        "accounts/admin_user.html",
        user=user,
        open_sessions=services.open_session_count(user),
        is_self=user.id == current_user.id,
    )


@bp.get("/users/<int:user_id>/done/<action>")
@roles_required(Role.ADMIN)
def confirmation(user_id: int, action: str):
    """Confirmation page after an important action on a user."""
    user = _load_user(user_id)
    require(action in CONFIRMATIONS)
    title, text = CONFIRMATIONS[action]
    return render_template("accounts/admin_confirmation.html", user=user, title=title, text=text)


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def edit_role(user_id: int):
    """Change the role and attachment of a user (their sessions end)."""
    user = _load_user(user_id)
    if user.id == current_user.id:
        flash(services.refusal_text("own_role"), "warning")
        return redirect(url_for("accounts_admin.user_detail", user_id=user.id))
    form = UserRoleForm(
        data={
            "role": user.role.value,
            "office_id": user.office_id,
            "operator_id": user.operator_id,
            "centre_id": user.centre_id,
        }
        if request.method == "GET"
        else None
    )
    _attachment_choices(form, user)
    if form.validate_on_submit() and perform(
        lambda: services.assign_role(
            user,
            Role(form.role.data),
            form.office_id.data,
            form.operator_id.data,
            form.centre_id.data,
            acting=current_user,
        ),
        form=form,
    ):
        return redirect(url_for("accounts_admin.confirmation", user_id=user.id, action="role"))
    return render_template("accounts/admin_user_form.html", form=form, create=False, user=user)


def _confirm_then_act(user_id: int, *, allowed, act, page_action: str, done_action: str):
    """One confirmation page for a user action; on POST ``act(user)`` runs and is committed.

    ``allowed(user)`` false (e.g. disabling oneself, enabling an enabled user) goes back to the
    user's page without doing anything.
    """
    user = _load_user(user_id)
    if not allowed(user):
        return redirect(url_for("accounts_admin.user_detail", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        act(user)
        db.session.commit()
        return redirect(url_for("accounts_admin.confirmation", user_id=user.id, action=done_action))
    return render_template("accounts/admin_confirm_action.html", user=user, form=form, action=page_action)


@bp.route("/users/<int:user_id>/disable", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def disable_user(user_id: int):
    """Confirmation page, then disable the user (every session ends)."""
    return _confirm_then_act(
        user_id,
        allowed=lambda user: user.id != current_user.id and user.is_enabled,
        act=lambda user: services.set_enabled(user, False, acting=current_user),
        page_action="disable",
        done_action="disabled",
    )


@bp.route("/users/<int:user_id>/enable", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def enable_user(user_id: int):
    """Confirmation page, then re-enable a disabled user."""
    return _confirm_then_act(
        user_id,
        allowed=lambda user: not user.is_enabled,
        act=lambda user: services.set_enabled(user, True, acting=current_user),
        page_action="enable",
        done_action="enabled",
    )


@bp.route("/users/<int:user_id>/sessions", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def end_user_sessions(user_id: int):
    """Confirmation page, then end every open session of the user."""
    return _confirm_then_act(
        user_id,
        allowed=lambda user: True,
        act=lambda user: services.end_sessions(user, acting=current_user),
        page_action="sessions",
        done_action="sessions",
    )


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def reset_password(user_id: int):
    """Set a temporary password; the user must change it at next login."""
    user = _load_user(user_id)
    if user.id == current_user.id:
        return redirect(url_for("accounts.change_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and perform(
        lambda: services.reset_password(user, form.new_password.data, acting=current_user), form=form
    ):
        return redirect(url_for("accounts_admin.confirmation", user_id=user.id, action="password"))
    return render_template("accounts/admin_reset_password.html", user=user, form=form)


@bp.route("/centres/<int:centre_id>/two-step", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def centre_mfa(centre_id: int):
    """Make two-step login compulsory or optional for a centre's users."""
    centre = db.session.get(Centre, centre_id)
    require(centre is not None)
    current = {"mfa_required": "yes" if centre.mfa_required else "no"}
    form = CentreMfaForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        services.set_centre_mfa(centre, form.mfa_required.data == "yes")
        db.session.commit()
        if centre.mfa_required:
            flash(_("Two-step login is now compulsory for %(centre)s.", centre=centre.name), "success")
        else:
            flash(_("Two-step login is now optional for %(centre)s.", centre=centre.name), "success")
        return redirect(url_for("network.centres"))
    return render_template("accounts/admin_centre_mfa.html", centre=centre, form=form)
