"""Entering and leaving the space: the personal link, the date of birth, the neutral page.

The link pages are rate-limited per address (``SPACE_LINK_LIMIT``); an unknown, revoked or
locked token answers the same neutral page, after the same work (``links.open_with_birth_date``).
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from integration_centre.extensions import db, limiter
from integration_centre.space import links, session, views_account
from integration_centre.space.forms import BirthDateForm

# The least time the answer to a date of birth takes (seconds): above what the slowest path costs
# on a busy server, so that every answer leaves at the same moment.
MIN_ANSWER_SECONDS = 0.15


def neutral_page():
    """The one page for an unknown, revoked or locked link and for a page without a session."""
    return render_template("space/neutral.html"), 404


@limiter.limit(views_account.entry_limit)
def open_link(token: str):
    """Ask for the date of birth, then open the space.

    A date sent answers no sooner than ``MIN_ANSWER_SECONDS`` after the request began, whatever
    the token: on top of the equal work of the service, the answer time of a refused token, a
    wrong date and a right one cannot be told apart.
    """
    form = BirthDateForm()
    if request.method == "POST" and form.validate_on_submit():
        started = time.perf_counter()
        response = make_response(_check_birth_date(token, form))
        _pad(started)
        return response
    if links.live_link(token) is None:
        return neutral_page()
    return render_template("space/open.html", form=form)


def _check_birth_date(token: str, form: BirthDateForm):
    opening = links.open_with_birth_date(token, form.birth_date.data)
    if opening.outcome is links.Outcome.OPENED:
        session.start(opening.link)
    db.session.commit()
    if opening.outcome is links.Outcome.OPENED:
        return redirect(url_for("space.home"))
    if opening.outcome is links.Outcome.NEUTRAL:
        return neutral_page()
    if opening.outcome is links.Outcome.LOCKED:
        return render_template("space/locked.html")
    form.birth_date.errors = [_("This date does not match. Tries left: %(count)d.", count=opening.attempts_left)]
    return render_template("space/open.html", form=form)


def _pad(started: float) -> None:
    """Sleep until the answer's floor (``SPACE_LINK_MIN_SECONDS``, default ``MIN_ANSWER_SECONDS``)."""
    floor = current_app.config.get("SPACE_LINK_MIN_SECONDS", MIN_ANSWER_SECONDS)
    left = floor - (time.perf_counter() - started)
    if left > 0:
        time.sleep(left)


@session.person_required
def logout():
    """Close the space session."""
    session.end()
    db.session.commit()
    return redirect(url_for("space.goodbye"))


def goodbye():
    """After leaving: nothing personal, just how to come back."""
    return render_template("space/goodbye.html")


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes (and the account's, ``views_account``) to the space blueprint."""
    blueprint.add_url_rule("/link/<token>", "open_link", open_link, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["POST"])
    blueprint.add_url_rule("/goodbye", "goodbye", goodbye)
    blueprint.register_error_handler(404, lambda _error: neutral_page())
    blueprint.register_error_handler(429, lambda _error: (render_template("space/wait.html"), 429))
    views_account.register_routes(blueprint)

    @blueprint.after_request
    def _never_indexed_nor_cached(response):
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Cache-Control"] = "no-store"
        return response
