"""The home redirect, the login flow and the user's own account pages (thin views);
user administration is in ``admin_views``."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from integration_centre.accounts import services, setup, throttle, totp
from integration_centre.accounts.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    ConfirmForm,
    DisableTotpForm,
    LoginForm,
    ReauthenticateForm,
    SecondFactorForm,
    SetupPasswordForm,
    TotpEnrolmentForm,
)
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import (
    fresh_login_required,
    home_endpoint,
    login_required_any_role,
)
from integration_centre.accounts.sessions import end_session, mark_reauthenticated, start_session
from integration_centre.clock import utcnow
from integration_centre.core.urls import safe_next
from integration_centre.extensions import db, limiter

bp = Blueprint("accounts", __name__)

PENDING_KEY = "pending_login"
PENDING_LIFETIME = timedelta(minutes=5)


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_LIMIT"]


def _after_login_target(user: User, next_url: str | None) -> str:
    return safe_next(next_url) or url_for(home_endpoint(user))


def _throttle_message(retry_after) -> str:
    seconds = max(1, math.ceil((retry_after - utcnow()).total_seconds()))
    # "in 30 seconds", always in seconds (the threshold keeps babel from rounding to minutes)
    delay = format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=10**9)
    return _("Too many failed attempts. Try again in %(delay)s.", delay=delay)


def _login_source() -> throttle.LoginSource:
    """The address and device cookie of this request, for the login throttle."""
    return throttle.source_from(get_remote_address(), request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]))


def _start_login_session(user: User) -> str:
    """Start the session of a completed login; returns the device cookie to set."""
    start_session(user)
    return throttle.complete_login(user, _login_source())


def _with_device_cookie(response, token: str | None):
    """Set (or renew) the browser's device cookie: later logins from it are from a known device."""
    if token:
        config = current_app.config
        response.set_cookie(
            config["DEVICE_COOKIE_NAME"],
            token,
            max_age=int(config["LOGIN_KNOWN_SOURCE"].total_seconds()),
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


@bp.get("/")
def index():
    """Send a logged-in user to their home page, anyone else to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def login():
    """Password step of the login."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        outcome = services.check_password_login(form.email.data, form.password.data, _login_source())
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
    token = _start_login_session(user)
    return _with_device_cookie(redirect(_after_login_target(user, next_url)), token)


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
        source = _login_source()
        retry_after = throttle.throttled_until(key, user, source)
        code = form.code.data.strip()
        stage = "totp" if re.fullmatch(r"\d{6}", code.replace(" ", "")) else "recovery"
        if retry_after is not None:
            throttle.record_attempt(key, user, stage, False, "throttled", source)
            form.form_errors.append(_throttle_message(retry_after))
        elif totp.verify_and_consume(user, code) if stage == "totp" else totp.use_recovery_code(user, code):
            throttle.record_attempt(key, user, stage, True, source=source)
            token = _start_login_session(user)
            db.session.commit()
            return _with_device_cookie(redirect(_after_login_target(user, next_url)), token)
        else:
            throttle.record_attempt(key, user, stage, False, "invalid", source)
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
    return _enrolment(user, on_success=lambda: _start_login_session(user), done_url=_after_login_target(user, next_url))


def _enrolment(user: User, on_success, done_url: str, compulsory: bool = True):
    secret = session.get("totp_candidate") or totp.new_secret()
    session["totp_candidate"] = secret
    form = TotpEnrolmentForm()
    if form.validate_on_submit():
        if totp.check_code(secret, form.code.data):
            codes = totp.enable(user, secret)
            totp.verify_and_consume(user, form.code.data)
            device_token = on_success()
            session.pop("totp_candidate", None)
            db.session.commit()
            page = render_template("accounts/recovery_codes.html", codes=codes, done_url=done_url)
            return _with_device_cookie(make_response(page), device_token)
        form.code.errors = [_("This code is not valid. Check the time on your phone and try again.")]
    uri = totp.provisioning_uri(user, secret)
    return render_template(
        "accounts/enrol_totp.html", form=form, qr_svg=totp.qr_svg(uri), secret=secret, compulsory=compulsory
    )


SETUP_KEY = "account_setup"


def _setup_link_invalid():
    """The same neutral page for an unknown, used or expired setup link."""
    session.pop(SETUP_KEY, None)
    return render_template("accounts/setup_invalid.html"), 404


@bp.get("/account/setup/<token>")
@limiter.limit(_login_ip_limit)
def account_setup_link(token: str):
    """The one-time link printed by ``users create-admin``: remembered in the session, then the
    token leaves the address bar (no token in later Referer headers or history)."""
    row = setup.valid_token(setup.digest(token))
    if row is None:
        return _setup_link_invalid()
    session.clear()
    session[SETUP_KEY] = row.token_hash
    return redirect(url_for("accounts.account_setup"))


@bp.route("/account/setup", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def account_setup():
    """Account setup: choose a password, then enrol TOTP; the link is then spent and the
    administrator logged in."""
    row = setup.valid_token(session.get(SETUP_KEY))
    if row is None:
        return _setup_link_invalid()
    user = row.user
    if row.password_set_at is None:
        form = SetupPasswordForm()
        if form.validate_on_submit():
            try:
                setup.set_password(row, form.new_password.data)
            except services.AccountError as error:
                db.session.rollback()
                form.new_password.errors = [services.refusal_text(error.code)]
            else:
                db.session.commit()
                return redirect(url_for("accounts.account_setup"))
        return render_template("accounts/setup_password.html", form=form, user=user)

    def finish() -> None:
        setup.complete(row)
        start_session(user)

    try:
        return _enrolment(user, on_success=finish, done_url=url_for(home_endpoint(user)))
    except setup.SetupError:
        db.session.rollback()
        return _setup_link_invalid()


@bp.get("/account/security")
@login_required_any_role
def account_security():
    """Two-step login status, with the actions that apply (turn on, new recovery codes, turn off)."""
    remaining = totp.remaining_recovery_codes(current_user) if current_user.totp_enabled else 0
    return render_template("accounts/security.html", remaining=remaining)


@bp.route("/account/security/enrol", methods=["GET", "POST"])
@login_required_any_role
@fresh_login_required
def enrol_totp():
    """Optional TOTP enrolment of a logged-in user."""
    if current_user.totp_enabled:
        return redirect(url_for("accounts.account_security"))
    return _enrolment(
        current_user, on_success=lambda: None, done_url=url_for("accounts.account_security"), compulsory=False
    )


@bp.route("/account/security/recovery-codes", methods=["GET", "POST"])
@login_required_any_role
@fresh_login_required
def regenerate_recovery_codes():
    """Replace the recovery codes (the old ones stop working); the new ones are shown once."""
    if not current_user.totp_enabled:
        return redirect(url_for("accounts.account_security"))
    form = ConfirmForm()
    if form.validate_on_submit():
        codes = totp.regenerate_recovery_codes(current_user)
        db.session.commit()
        return render_template(
            "accounts/recovery_codes.html",
            codes=codes,
            done_url=url_for("accounts.account_security"),
            title=_("New recovery codes"),
        )
    return render_template("accounts/regenerate_codes.html", form=form)


@bp.route("/account/security/disable", methods=["GET", "POST"])
@login_required_any_role
@fresh_login_required
def disable_totp():
    """A user for whom two-step login is optional turns it off (password asked again)."""
    if not current_user.totp_enabled or current_user.mfa_required:
        return redirect(url_for("accounts.account_security"))
    form = DisableTotpForm()
    if form.validate_on_submit():
        try:
            services.disable_own_totp(current_user, form.password.data, _login_source())
        except services.AccountError as error:
            db.session.commit()  # the failed attempt counts towards the throttle
            form.password.errors = [_password_error_message(error)]
        else:
            mark_reauthenticated()
            db.session.commit()
            flash(_("Two-step login is off."), "success")
            return redirect(url_for("accounts.account_security"))
    return render_template("accounts/disable_totp.html", form=form)


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
@limiter.limit(_login_ip_limit, methods=["POST"])
def change_password():
    """The user's own password change: the current password is asked on the form itself (so it
    is re-entered whatever the login's age) and checked under the account throttle."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.check_password_reentry(current_user, form.current_password.data, _login_source())
        except services.AccountError as error:
            db.session.commit()  # the failed attempt counts towards the throttle
            wrong = error.code == "wrong_password"
            message = _("The current password is not correct.") if wrong else _password_error_message(error)
            form.current_password.errors = [message]
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
    """Password re-entry before a sensitive action (under the account throttle)."""
    form = ReauthenticateForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            services.check_password_reentry(current_user, form.password.data, _login_source())
        except services.AccountError as error:
            db.session.commit()  # the failed attempt counts towards the throttle
            form.password.errors = [_password_error_message(error)]
        else:
            mark_reauthenticated()
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for(home_endpoint(current_user)))
    return render_template("accounts/reauthenticate.html", form=form)


def _password_error_message(error: services.AccountError) -> str:
    if error.code == "throttled":
        return _throttle_message(error.retry_after)
    if error.code == "wrong_password":
        return _("The password is not correct.")
    return services.refusal_text(error.code)


@bp.app_template_filter("role_label")
def role_label(role: Role) -> str:
    """The translated name of a role."""
    return str(ROLE_LABELS.get(Role(role), role))
