"""Login flow, the user's own account pages, and user administration (thin views)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts import services, totp
from integration_centre.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ReauthenticateForm,
    SecondFactorForm,
    TotpEnrolmentForm,
)
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import home_endpoint, login_required_any_role, roles_required
from integration_centre.accounts.sessions import end_session, mark_reauthenticated, start_session
from integration_centre.core.urls import safe_next
from integration_centre.db import utcnow
from integration_centre.extensions import db, limiter

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")

PENDING_KEY = "pending_login"
PENDING_LIFETIME = timedelta(minutes=5)


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_LIMIT"]


def _after_login_target(user: User, next_url: str | None) -> str:
    return safe_next(next_url) or url_for(home_endpoint(user))


def _throttle_message(retry_after) -> str:
    return _("Too many failed attempts. Try again after %(time)s.", time=format_datetime(retry_after, "short"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def login():
    """Password step of the login."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        outcome = services.check_password_login(form.email.data, form.password.data)
        if outcome.user is None:
            db.session.commit()
            if outcome.refusal == "throttled":
                form.form_errors.append(_throttle_message(outcome.retry_after))
            else:
                form.form_errors.append(_("E-mail address or password incorrect."))
        else:
            response = _continue_login(outcome.user, form.next.data)
            db.session.commit()
            return response
    return render_template("accounts/login.html", form=form)


def _continue_login(user: User, next_url: str | None):
    if user.totp_enabled or user.mfa_required:
        session.clear()
        session[PENDING_KEY] = {"user_id": user.id, "since": utcnow().timestamp(), "next": next_url or ""}
        endpoint = "accounts.login_second_factor" if user.totp_enabled else "accounts.enrol_totp_pending"
        return redirect(url_for(endpoint))
    start_session(user)
    return redirect(_after_login_target(user, next_url))


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(PENDING_KEY)
    if not pending:
        return None, ""
    if utcnow().timestamp() - pending["since"] > PENDING_LIFETIME.total_seconds():
        session.pop(PENDING_KEY, None)
        return None, ""
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.is_enabled:
        return None, ""
    return user, pending.get("next", "")


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def login_second_factor():
    """Second step: a TOTP code (single use) or a recovery code, under the account throttle."""
    user, next_url = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        key = services.account_key(user.email)
        retry_after = services.throttled_until(key)
        code = form.code.data.strip()
        stage = "totp" if code.replace(" ", "").isdigit() else "recovery"
        if retry_after is not None:
            services.record_attempt(key, user, stage, False, "throttled")
            form.form_errors.append(_throttle_message(retry_after))
        elif totp.verify_and_consume(user, code) if stage == "totp" else totp.use_recovery_code(user, code):
            services.record_attempt(key, user, stage, True)
            start_session(user)
            db.session.commit()
            return redirect(_after_login_target(user, next_url))
        else:
            services.record_attempt(key, user, stage, False, "invalid")
            form.code.errors = [_("This code is not valid. Check your app and try again.")]
        db.session.commit()
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def enrol_totp_pending():
    """Compulsory TOTP enrolment for a user who has passed the password step."""
    user, next_url = _pending_user()
    if user is None or user.totp_enabled:
        return redirect(url_for("accounts.login"))
    return _enrolment(user, on_success=lambda: start_session(user), done_url=_after_login_target(user, next_url))


def _enrolment(user: User, on_success, done_url: str):
    secret = session.get("totp_candidate") or totp.new_secret()
    session["totp_candidate"] = secret
    form = TotpEnrolmentForm()
    if form.validate_on_submit():
        if totp.check_code(secret, form.code.data):
            codes = totp.enable(user, secret)
            totp.verify_and_consume(user, form.code.data)
            on_success()
            session.pop("totp_candidate", None)
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, done_url=done_url)
        form.code.errors = [_("This code is not valid. Check the time on your phone and try again.")]
    uri = totp.provisioning_uri(user, secret)
    return render_template(
        "accounts/enrol_totp.html", form=form, qr_svg=totp.qr_svg(uri), secret=secret, compulsory=True
    )


@bp.route("/account/security", methods=["GET", "POST"])
@login_required_any_role
def account_security():
    """Optional TOTP enrolment for a logged-in user."""
    if current_user.totp_enabled:
        return render_template("accounts/security.html", form=ConfirmForm())
    return _enrolment(current_user, on_success=lambda: None, done_url=url_for("accounts.account_security"))


@bp.post("/logout")
@login_required_any_role
def logout():
    """End the session (POST only)."""
    end_session("logout")
    db.session.commit()
    flash(_("You are logged out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required_any_role
def change_password():
    """The user's own password change (the current password is asked)."""
    from integration_centre.accounts.passwords import verify_password

    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("The current password is not correct.")]
        else:
            services.set_password(current_user, form.new_password.data)
            mark_reauthenticated()
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(home_endpoint(current_user)))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/reauthenticate", methods=["GET", "POST"])
@login_required_any_role
@limiter.limit(_login_ip_limit, methods=["POST"])
def reauthenticate():
    """Password re-entry before a sensitive action."""
    from integration_centre.accounts.passwords import verify_password

    form = ReauthenticateForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        key = services.account_key(current_user.email)
        if verify_password(current_user.password_hash, form.password.data):
            services.record_attempt(key, current_user, "reauth", True)
            mark_reauthenticated()
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for(home_endpoint(current_user)))
        services.record_attempt(key, current_user, "reauth", False, "invalid")
        db.session.commit()
        form.password.errors = [_("The password is not correct.")]
    return render_template("accounts/reauthenticate.html", form=form)


@admin_bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """User administration: the list of users."""
    from sqlalchemy import select

    rows = db.session.scalars(select(User).order_by(User.display_name)).all()
    return render_template("accounts/admin_users.html", users=rows)
