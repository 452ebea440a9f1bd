"""Who acts and in which request: actors, request ids and the stack of open access contexts."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request

CODE_RE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
REQUEST_ID_KEY = "integration_centre.request_id"

# Innermost last. Each entry is an ``AccessContext`` (see access.py).
ACCESS_STACK: ContextVar[tuple] = ContextVar("integration_centre_privacy_access", default=())


def check_code(value: str, what: str, max_length: int = 64) -> str:
    """Accept only short codes (``[a-z][a-z0-9_.:-]*``): audit rows never hold free text."""
    if not isinstance(value, str) or not CODE_RE.match(value) or len(value) > max_length:
        raise ValueError(f"{what} must be a short code like 'case.view' (lower-case letters, digits, _ . : -)")
    return value


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (id and role) or the system (CLI, jobs)."""

    id: str | None
    role: str

    @classmethod
    def from_user(cls, user: Any) -> Actor:
        """An actor for any user object with ``id`` and ``role`` (enum or string)."""
        role = getattr(user, "role", None)
        role = getattr(role, "value", role)
        if getattr(user, "id", None) is None or not role:
            raise ValueError("an actor needs a user with an id and a role")
        return cls(id=str(user.id), role=str(role))

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The application itself acting (command line, scheduled job)."""
        return cls(id=None, role=f"system:{check_code(name, 'system actor name', 24)}")


def as_actor(actor: Any) -> Actor:
    """Accept an ``Actor`` or a user object."""
    return actor if isinstance(actor, Actor) else Actor.from_user(actor)


def current_actor() -> Actor:
    """The logged-in user in a request, else the system."""
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return Actor.from_user(current_user)
    stack = ACCESS_STACK.get()
    if stack:
        return stack[-1].actor
    return Actor.system()


def request_id() -> str | None:
    """An id for the current request (or the outermost access context outside requests)."""
    if has_request_context():
        return request.environ.setdefault(REQUEST_ID_KEY, uuid.uuid4().hex)
    stack = ACCESS_STACK.get()
    return stack[0].id if stack else None
