"""Access contexts: the only way to read or write a person's encrypted fields.

::

    with access(user, purpose="case.view", persons=[newcomer.id]):
        name = newcomer.family_name          # decrypts; one "view" audit row was written

Outside a context (or for a person the open contexts do not name) reading or assigning an
encrypted field raises ``AccessError``. Audit rows are deduplicated per request (or, outside a
request, per outermost context), person, purpose and action.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context

from integration_centre.privacy import audit
from integration_centre.privacy.context import ACCESS_STACK, Actor, as_actor, check_code
from integration_centre.privacy.errors import AccessError

__all__ = ["AccessContext", "Actor", "access", "current_access", "note_write", "note_writes", "require"]

_AUDITED_KEY = "_privacy_audited"
_KEYS_KEY = "_privacy_keys"


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class AccessContext:
    """An open access: who (actor), why (purpose), to whom (persons), what (action)."""

    def __init__(self, actor: Any, purpose: str, persons: Iterable[Any], action: str = "view") -> None:
        self.actor = as_actor(actor)
        self.purpose = check_code(purpose, "purpose")
        self.action = check_code(action, "action", 32)
        self.persons: set[uuid.UUID] = set()
        self.id = uuid.uuid4().hex
        self._initial = [_as_uuid(p) for p in persons]
        self._token = None
        # Used only when there is no request: the outermost context holds caches.
        self.key_cache: dict = {}
        self.audited: set = set()
        self.noted: set = set()  # (person, action) already audited through this context
        # While open: the key cache in force (the request's, else the outermost context's),
        # looked up once here instead of once per field.
        self.keys: dict | None = None

    def __enter__(self) -> AccessContext:
        self._token = ACCESS_STACK.set((*ACCESS_STACK.get(), self))
        self.keys = key_cache()
        try:
            self.add_persons(self._initial)
        except BaseException:
            self._exit()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._exit()

    def _exit(self) -> None:
        if self._token is not None:
            ACCESS_STACK.reset(self._token)
            self._token = None
        self.keys = None
        self.key_cache.clear()

    def add_persons(self, persons: Iterable[Any]) -> None:
        """Extend the context to more persons (each audited once, like at entry, in one batch)."""
        ids = [_as_uuid(person) for person in persons]
        self.persons.update(ids)
        audit_many(self, ids, self.action)


def access(actor: Any, purpose: str, persons: Iterable[Any], action: str = "view") -> AccessContext:
    """Open an access context (use with ``with``); see the module docstring."""
    return AccessContext(actor, purpose, persons, action)


def current_access(purpose: str, persons: Iterable[Any], action: str = "view") -> AccessContext:
    """An access context for the logged-in user of the current request."""
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False):
        raise AccessError("no logged-in user for this access")
    return AccessContext(current_user._get_current_object(), purpose, persons, action)


def _outermost() -> AccessContext | None:
    stack = ACCESS_STACK.get()
    return stack[0] if stack else None


def _audited_set() -> set:
    if has_request_context():
        return g.setdefault(_AUDITED_KEY, set())
    outer = _outermost()
    return outer.audited if outer is not None else set()


def key_cache() -> dict | None:
    """Cache of unwrapped person keys: the request's (``flask.g``), else the outermost context's."""
    if has_request_context():
        return g.setdefault(_KEYS_KEY, {})
    outer = _outermost()
    return outer.key_cache if outer is not None else None


def clear_request_caches(_exc=None) -> None:
    """``teardown_request`` hook: forget unwrapped keys and audit deduplication."""
    for key in (_KEYS_KEY, _AUDITED_KEY, "_privacy_audit_pending", "_privacy_other_writes"):
        g.pop(key, None)


def audit_once(ctx: AccessContext, person_id: uuid.UUID, action: str) -> None:
    """Write the audit row for (person, purpose, action) unless this request already did."""
    marker = (person_id, ctx.purpose, action, ctx.actor)
    done = _audited_set()
    if marker in done:
        return
    audit.record(action, "person", person_id, purpose=ctx.purpose, actor=ctx.actor)
    done.add(marker)


def audit_many(ctx: AccessContext, person_ids: list[uuid.UUID], action: str) -> None:
    """``audit_once`` for several persons, written as one batch of chained records."""
    done = _audited_set()
    todo = []
    for person_id in dict.fromkeys(person_ids):
        marker = (person_id, ctx.purpose, action, ctx.actor)
        if marker not in done:
            todo.append((person_id, marker))
    audit.record_many(action, "person", [p for p, _ in todo], purpose=ctx.purpose, actor=ctx.actor)
    done.update(marker for _, marker in todo)


def require(person_id: uuid.UUID) -> AccessContext:
    """The innermost open context naming ``person_id``, else ``AccessError``."""
    stack = ACCESS_STACK.get()
    for ctx in reversed(stack):
        if person_id in ctx.persons:
            return ctx
    if not stack:
        raise AccessError("personal data used outside an access context (privacy.access.access)")
    raise AccessError("personal data used for a person the open access context does not name")


def note_writes(person_ids: Iterable[uuid.UUID], *, creating: bool) -> dict[uuid.UUID, AccessContext]:
    """``note_write`` for many persons at once: the same checks (each person named by an open
    context, no restricted file outside the rights desk) and the same audit rows, in one query for
    the restrictions and one batch of chained records per context. Returns {person: context}."""
    action = "create" if creating else "update"
    contexts = {person_id: require(person_id) for person_id in person_ids}
    todo = [p for p, ctx in contexts.items() if (p, action) not in ctx.noted]
    checked = [p for p in todo if not contexts[p].purpose.startswith("rights.")]
    if checked:
        from integration_centre.privacy.restrictions import ensure_writable, restricted_ids

        for person_id in restricted_ids(checked):
            ensure_writable(person_id)  # raises, with the privacy core's message
    by_context: dict[int, tuple[AccessContext, list]] = {}
    for person_id in todo:
        ctx = contexts[person_id]
        by_context.setdefault(id(ctx), (ctx, []))[1].append(person_id)
    for ctx, ids in by_context.values():
        audit_many(ctx, ids, action)
        ctx.noted.update((person_id, action) for person_id in ids)
    return contexts


def note_write(person_id: uuid.UUID, *, creating: bool) -> AccessContext:
    """Check and audit a write to a person's encrypted field ("create" or "update"); returns the context."""
    ctx = require(person_id)
    marker = (person_id, "create" if creating else "update")
    if marker not in ctx.noted:
        if not ctx.purpose.startswith("rights."):  # a restricted file (Art. 18) is read-only
            from integration_centre.privacy.restrictions import ensure_writable

            ensure_writable(person_id)
        audit_once(ctx, person_id, marker[1])
        ctx.noted.add(marker)
    return ctx
