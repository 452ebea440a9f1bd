"""``Idempotency-Key`` on POSTs: a retried request returns the first outcome, never a second write.

The record (token, key) is inserted before the work, in the same transaction: a concurrent
request with the same key waits on the unique index and then replays the committed outcome.
The same key with another body answers 422. Records keep no personal data: a success stores
the kind and id of the resource (rendered afresh on replay), a refusal its problem document.
Records older than ``RETENTION`` are forgotten.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from integration_centre.api.models import ApiToken, IdempotencyRecord
from integration_centre.api.problems import ApiProblem, problem_response
from integration_centre.clock import utcnow
from integration_centre.extensions import db

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
# Refusals kept for replay: those of the current state. Invalid input (422) is not kept, so the
# client may correct the body and retry with the same key; nothing was written anyway.
STORED_PROBLEMS = frozenset({404, 409})

# kind -> function(resource_id) returning the JSON body of the resource for the current actor.
_RENDERERS: dict[str, Callable[[str], Any]] = {}


@dataclass(frozen=True)
class Outcome:
    """What a write produced: the status and the resource (rendered by the kind's renderer)."""

    status: int
    kind: str
    resource_id: str


def renderer(kind: str) -> Callable:
    """Register the function that renders resources of ``kind`` (for answers and replays)."""

    def decorate(function: Callable[[str], Any]) -> Callable[[str], Any]:
        _RENDERERS[kind] = function
        return function

    return decorate


def request_hash(body: Any) -> str:
    """SHA-256 of the method, the path and the canonical JSON body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def idempotency_key() -> str | None:
    """The request's key (400 when malformed), or None."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_RE.match(key):
        raise ApiProblem(
            400,
            _("The Idempotency-Key header holds 1 to 255 visible ASCII characters."),
            errors={HEADER: [_("Not a valid key.")]},
        )
    return key


def _render(outcome: Outcome, replayed: bool) -> Response:
    response = jsonify(_RENDERERS[outcome.kind](outcome.resource_id))
    response.status_code = outcome.status
    if replayed:
        response.headers[REPLAY_HEADER] = "true"
    return response


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        raise ApiProblem(
            422,
            _("This Idempotency-Key was already used for a different request: use a new key."),
            errors={HEADER: [_("Already used with another body or path.")]},
            code="idempotency_key_reused",
        )
    if record.problem is not None:
        return problem_response(record.problem, {REPLAY_HEADER: "true"})
    return _render(Outcome(record.status_code, record.resource_kind, record.resource_id), replayed=True)


def _existing(token: ApiToken, key: str) -> IdempotencyRecord | None:
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.token_id == token.id, IdempotencyRecord.key == key)
    )
    if record is not None and utcnow() - record.created_at > RETENTION:
        db.session.delete(record)
        db.session.commit()
        return None
    return record


def run(
    token: ApiToken, body: Any, work: Callable[[], Outcome], *, prepare: Callable[[], None] | None = None
) -> Response:
    """Run ``work`` (service calls that flush) in one transaction, honouring the idempotency key.

    ``work`` raises ``ApiProblem`` to refuse; nothing it did is kept then. ``prepare`` (optional)
    runs first, unless the request is a replay: a step that commits on its own whatever ``work``
    does next (a registration's duplicate check, whose audited access must stay on record).
    """
    key = idempotency_key()
    if key is None:
        if prepare is not None:
            prepare()
        return _run_plain(work)
    digest = request_hash(body)
    record = _existing(token, key)
    if record is not None:
        return _replay(record, digest)
    if prepare is not None:
        prepare()
    record = IdempotencyRecord(token_id=token.id, key=key, request_hash=digest, created_at=utcnow(), status_code=0)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        return _replay_after_race(token, key, digest)
    try:
        outcome = work()
    except ApiProblem as refusal:
        db.session.rollback()
        if refusal.status not in STORED_PROBLEMS:
            raise
        return _store_refusal(token, key, digest, refusal)
    except Exception:
        db.session.rollback()
        raise
    record.status_code = outcome.status
    record.resource_kind = outcome.kind
    record.resource_id = outcome.resource_id
    try:
        db.session.commit()
    except IntegrityError:
        return _replay_after_race(token, key, digest)
    return _render(outcome, replayed=False)


def _run_plain(work: Callable[[], Outcome]) -> Response:
    try:
        outcome = work()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return _render(outcome, replayed=False)


def _store_refusal(token: ApiToken, key: str, digest: str, refusal: ApiProblem) -> Response:
    document = refusal.document()
    db.session.add(
        IdempotencyRecord(
            token_id=token.id, key=key, request_hash=digest, created_at=utcnow(), status_code=refusal.status,
            problem=document,
        )
    )  # fmt: skip
    try:
        db.session.commit()
    except IntegrityError:
        return _replay_after_race(token, key, digest)
    return problem_response(document, refusal.headers)


def _replay_after_race(token: ApiToken, key: str, digest: str) -> Response:
    """Another request with the same key committed first: answer with its outcome."""
    db.session.rollback()
    record = _existing(token, key)
    if record is None:
        raise ApiProblem(409, _("A request with this Idempotency-Key is in progress: retry in a moment."))
    return _replay(record, digest)


def purge(older_than: timedelta = RETENTION) -> int:
    """Delete records older than ``older_than``; returns how many (flushed, not committed)."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - older_than))
    return result.rowcount or 0
