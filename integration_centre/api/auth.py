"""Bearer-token authentication and the one gate of every API endpoint.

``load_token`` runs just before ``accounts.permissions.enforce_access`` (``api.register`` adds it
to the access gate as a request loader): a valid token sets ``request.api_token_user``
and the user of this request, so ``enforce_access`` lets it through and services see the
token's user as the actor. ``api_endpoint(roles, scope)`` then checks, for each endpoint, that
a token (never a session) is present, that it carries the scope, and that its user's role fits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import PUBLIC_ENDPOINTS, roles_required
from integration_centre.api import tokens
from integration_centre.api.models import ApiToken
from integration_centre.api.problems import ApiProblem, problem_response

API_PREFIX = "/api/"
DEFAULT_MAX_BODY = 64 * 1024
DEFAULT_RATE_LIMIT = "120 per minute"
_UNSET = object()
_SCOPES_ATTRIBUTE = "_api_scope"


def _unauthorized(detail: str, error: str = "invalid_token") -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": f'Bearer realm="api", error="{error}"'})


def bearer_secret() -> str | None:
    """The clear token of the ``Authorization: Bearer`` header; None without the header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized(_("Send the token as 'Authorization: Bearer <token>'."), "invalid_request")
    return value.strip()


def current_token() -> ApiToken | None:
    """The token of this request once verified (cached on the request, not in ``g``: tests reuse
    one application context for many requests); None without one.

    Raises ``ApiProblem(401)`` for a malformed header or an unknown, revoked or expired token.
    """
    cached = getattr(request, "_api_token", _UNSET)
    if cached is not _UNSET:
        if isinstance(cached, ApiProblem):
            raise cached
        return cached
    try:
        secret = bearer_secret()
        token = None
        if secret is not None:
            token = tokens.authenticate(secret)
            if token is None:
                raise _unauthorized(_("The token is unknown, revoked or expired."))
    except ApiProblem as exc:
        request._api_token = exc
        raise
    request._api_token = token
    return token


def load_token():
    """Before every request: authenticate API requests that carry a token; limit the body size."""
    if not request.path.startswith(API_PREFIX):
        return None
    request.max_content_length = current_app.config.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY)
    try:
        token = current_token()
    except ApiProblem as exc:
        return problem_response(exc.document(), exc.headers)
    if token is None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        # No browser session either: the API answers 401 to every request without a token.
        problem = _unauthorized(
            _("Send an API token ('Authorization: Bearer <token>'): the API does not accept browser sessions."),
            "invalid_request",
        )
        return problem_response(problem.document(), problem.headers)
    user = token.user
    request.api_token_user = user
    g._login_user = user  # the actor of this request (Flask-Login's slot; no session is created)
    return None


def rate_limit_key() -> str:
    """Flask-Limiter key: the verified token's id, else the client address (also while the
    database is unreachable: the request then meets the outage in ``load_token``, answered 503)."""
    try:
        token = current_token()
    except (ApiProblem, SQLAlchemyError):
        token = None
    return f"api-token:{token.id}" if token is not None else f"api-ip:{get_remote_address()}"


def rate_limit() -> str:
    """The per-token limit (``API_RATE_LIMIT``, Flask-Limiter syntax)."""
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def token_user() -> User:
    """The user the current token acts as (inside an ``api_endpoint``)."""
    return request.api_token_user


def api_endpoint(*roles: Role, scope: str | None) -> Callable:
    """The gate of an API endpoint: a token (sessions are refused), its ``scope``, its user's role.

    ``scope`` None is for the few endpoints any token may call. Declares ``roles`` for the
    deny-by-default check (``tests/test_access.py``); a session user of those roles gets 401.
    """
    if scope is not None and scope not in tokens.SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = current_token()
            if token is None:
                raise _unauthorized(_("Use an API token: the API does not accept browser sessions."), "invalid_request")
            if scope is not None and scope not in token.scopes:
                raise ApiProblem(
                    403,
                    _("This token lacks the scope %(scope)s.", scope=scope),
                    code="insufficient_scope",
                    headers={"WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'},
                )
            if token.user.role not in roles:
                raise ApiProblem(403, _("This token's account cannot use this endpoint."), code="wrong_account")
            return view(*args, **kwargs)

        setattr(wrapper, _SCOPES_ATTRIBUTE, scope)
        return roles_required(*roles)(wrapper)

    return decorate


def endpoint_scope(view: Callable) -> str | None:
    """The scope an API view requires (for the OpenAPI document)."""
    return getattr(view, _SCOPES_ATTRIBUTE, None)
