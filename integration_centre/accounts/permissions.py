"""The one place for access rules.

Two layers, deny by default:

1. ``enforce_access`` runs before every request. Endpoints in ``PUBLIC_ENDPOINTS`` are open;
   any other endpoint needs a logged-in user (anonymous HTML requests go to the login page,
   API requests get 401) *and* must declare its roles with ``@roles_required`` or
   ``@login_required_any_role``. An endpoint that declares nothing answers 404 to everyone.
   A user outside the declared roles gets 404 too, so a page's existence does not leak.
2. Per-object predicates (``can_see_office``…) used by services after loading an object;
   an object out of reach also answers 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from integration_centre.accounts.models import Role, User

PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "observability.healthz",
        "observability.readyz",
        "observability.metrics",  # checks its own bearer token (or loopback): 404 otherwise
        "accounts.index",
        "core.set_language",
        "accounts.login",
        "accounts.login_second_factor",
        "accounts.enrol_totp_pending",
        "accounts.account_setup_link",
        "accounts.account_setup",
        "reception.verify_certificate",
        "agenda.feed",  # an agent's calendar feed: its secret address is the key
        "api.openapi_document",
        "api.openapi_page",
    }
)
PUBLIC_BLUEPRINTS = "integration_centre.public_blueprints"
# Endpoints an authenticated user may reach while a password change is forced.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"accounts.change_password", "accounts.logout"})
API_BLUEPRINTS = frozenset({"api"})
ALL_ROLES = frozenset(Role)

_ROLES_ATTRIBUTE = "_allowed_roles"
REQUEST_LOADERS = "access_request_loaders"  # the app.extensions key of add_request_loader


def roles_required(*roles: Role) -> Callable:
    """Declare which roles may call a view; anyone else gets 404."""
    allowed = frozenset(roles)

    def decorate(view: Callable) -> Callable:
        setattr(view, _ROLES_ATTRIBUTE, allowed)
        return view

    return decorate


def login_required_any_role(view: Callable) -> Callable:
    """Declare a view open to every logged-in user (their own account pages, logout)."""
    setattr(view, _ROLES_ATTRIBUTE, ALL_ROLES)
    return view


def allowed_roles(endpoint: str | None) -> frozenset[Role] | None:
    """The roles an endpoint declared, or None when it declared nothing."""
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, _ROLES_ATTRIBUTE, None)


def is_api_request() -> bool:
    """True for requests to the REST API (answered in JSON, with 401 instead of a redirect)."""
    return request.blueprint in API_BLUEPRINTS


def add_request_loader(app: Flask, loader: Callable[[], Any]) -> None:
    """Run ``loader`` on every request just before the access check (the API's token loader).

    A response the loader returns ends the request; ``None`` lets the access check run.
    """
    loaders = app.extensions.setdefault(REQUEST_LOADERS, [])
    if loader not in loaders:
        loaders.append(loader)


def declare_public_blueprint(app: Flask, name: str) -> None:
    """Leave a blueprint that checks its own sessions out of the staff gate (the person's space)."""
    app.extensions.setdefault(PUBLIC_BLUEPRINTS, set()).add(name)


def access_gate() -> Any:
    """``before_request`` hook: the registered request loaders, then ``enforce_access``."""
    for loader in current_app.extensions.get(REQUEST_LOADERS, ()):
        response = loader()
        if response is not None:
            return response
    return enforce_access()


def enforce_access() -> Any:
    """``before_request`` hook: apply the deny-by-default rules described above."""
    endpoint = request.endpoint
    if endpoint in PUBLIC_ENDPOINTS or request.blueprint in current_app.extensions.get(PUBLIC_BLUEPRINTS, ()):
        return None
    if is_api_request() and getattr(request, "api_token_user", None) is not None:
        return None
    if not current_user.is_authenticated:
        if is_api_request() or (endpoint is None and request.path.startswith("/api/")):
            response = jsonify(title="Unauthorized", status=401, detail="authentication required")
            response.status_code = 401
            response.content_type = "application/problem+json"
            return response
        if endpoint is None:
            return None  # 404/405 handlers answer
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("accounts.change_password"))
    roles = allowed_roles(endpoint)
    if endpoint is not None and (roles is None or current_user.role not in roles):
        abort(404)
    return None


def require(condition: bool) -> None:
    """Abort with 404 unless ``condition`` holds (per-object checks answer 404, never 403)."""
    if not condition:
        abort(404)


def can_see_office(user: User, office_id: int | None) -> bool:
    """Agents see the cases of their own office only."""
    return user.role == Role.AGENT and office_id is not None and user.office_id == office_id


def can_see_operator_item(user: User, operator_id: int | None) -> bool:
    """Operators see only what is addressed to their own organisation."""
    return user.role == Role.OPERATOR and operator_id is not None and user.operator_id == operator_id


def can_manage_user(user: User, target: User) -> bool:
    """Admins manage every account of the installation (their own with the limits the services set)."""
    return user.role == Role.ADMIN and target is not None


def home_endpoint(user: User) -> str:
    """The endpoint of a role's home page."""
    return HOME_ENDPOINTS[user.role]


HOME_ENDPOINTS: dict[Role, str] = {
    Role.AGENT: "workspace.home",
    Role.OPERATOR: "operators.home",
    Role.COMMITTEE: "stats.dashboard",
    Role.ADMIN: "accounts_admin.home",
}


def role_in(user: Any, roles: Iterable[Role]) -> bool:
    """True when ``user`` is logged in with one of ``roles``."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in set(roles)


def fresh_login_required(view: Callable) -> Callable:
    """Ask for the password again when the login is older than the re-authentication window."""
    from integration_centre.accounts.sessions import is_recently_authenticated

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_recently_authenticated():
            return redirect(url_for("accounts.reauthenticate", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    if hasattr(view, _ROLES_ATTRIBUTE):
        setattr(wrapper, _ROLES_ATTRIBUTE, getattr(view, _ROLES_ATTRIBUTE))
    return wrapper
