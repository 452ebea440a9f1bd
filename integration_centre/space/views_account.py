"""The person's optional account: set it up from inside the space, log in at ``/my/login``."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from integration_centre.accounts import throttle
from integration_centre.clock import utcnow
from integration_centre.core.requests import perform
from integration_centre.extensions import db, limiter
from integration_centre.space import account, session
from integration_centre.space.account_forms import AccountForm, CodeForm, EmptyForm, LoginForm

TOTP_CANDIDATE = "space_totp_candidate"


def entry_limit() -> str:
    """The per-address ceiling of the space's entry pages, link and login (``SPACE_LINK_LIMIT``)."""
    return current_app.config["SPACE_LINK_LIMIT"]


@session.person_required
def account_page():
    """Set or change the e-mail address and the password; the second factor's state."""
    person_id = session.current_person_id()
    current = account.account_of(person_id)
    form = AccountForm()
    if request.method == "GET" and current is not None:
        form.email.data = account.email_of(current)
    if form.validate_on_submit():
        done = perform(
            lambda: account.set_credentials(person_id, form.email.data, form.password.data),
            success=_("Your account is ready. You can now log in with your e-mail address."),
            form=form,
        )
        if done:
            return redirect(url_for("space.account"))
    return render_template("space/account.html", form=form, account=current, remove_form=EmptyForm())


@session.person_required
def account_remove():
    """Delete the account (the personal link keeps working)."""
    form = EmptyForm()
    if form.validate_on_submit():
        perform(lambda: account.remove(session.current_person_id()), success=_("Your account was removed."))
    return redirect(url_for("space.account"))


@session.person_required
def account_code():
    """Turn the second factor (a code from an app) on or off."""
    current = account.account_of(session.current_person_id())
    if current is None:
        return redirect(url_for("space.account"))
    if current.totp_enabled:
        form = EmptyForm()
        if form.validate_on_submit():
            perform(lambda: account.disable_totp(current), success=_("The code is off."))
            return redirect(url_for("space.account"))
        return render_template("space/account_code_off.html", form=form)
    secret = cookie.get(TOTP_CANDIDATE) or account.new_totp_secret()
    cookie[TOTP_CANDIDATE] = secret
    form = CodeForm()
    if form.validate_on_submit() and perform(
        lambda: account.enable_totp(current, secret, form.code.data), success=_("The code is on."), form=form
    ):
        cookie.pop(TOTP_CANDIDATE, None)
        return redirect(url_for("space.account"))
    return render_template("space/account_code.html", form=form, qr_svg=account.totp_qr(current, secret), secret=secret)


def _wait_message(retry_after) -> str:
    seconds = max(1, math.ceil((retry_after - utcnow()).total_seconds()))
    delay = format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=10**9)
    return _("Too many tries. Try again in %(delay)s.", delay=delay)


@limiter.limit(entry_limit)
def login():
    """Log in with the e-mail address and the password (and the code when it is on)."""
    form = LoginForm()
    if form.validate_on_submit():
        source = throttle.source_from(get_remote_address())
        result = account.login(form.email.data, form.password.data, form.code.data, source)
        if result.account is not None:
            session.start(person_id=result.account.person_id)
            db.session.commit()
            return redirect(url_for("space.home"))
        db.session.commit()
        if result.refusal == "throttled":
            form.form_errors.append(_wait_message(result.retry_after))
        elif result.refusal == "code":
            form.code.errors = [_("Enter the code in your app. It changes every 30 seconds.")]
        else:
            form.form_errors.append(_("The e-mail address or the password is wrong."))
    return render_template("space/login.html", form=form)


def register_routes(blueprint: Blueprint) -> None:
    """Add the account's routes to the space blueprint."""
    blueprint.add_url_rule("/account", "account", account_page, methods=["GET", "POST"])
    blueprint.add_url_rule("/account/remove", "account_remove", account_remove, methods=["POST"])
    blueprint.add_url_rule("/account/code", "account_code", account_code, methods=["GET", "POST"])
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
