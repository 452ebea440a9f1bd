"""The REST API ``/api/v1`` (thin: services do the work); the admin pages of tokens are in ``admin_views``.

Every API view is gated by ``auth.api_endpoint`` (token, scope, role); bodies are read by
``body.load`` (schema, no write on bad input); POSTs that write run through
``idempotency.run`` (one transaction, ``Idempotency-Key`` honoured).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import date, datetime
from itertools import cycle

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from markupsafe import Markup, escape
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.api import body, idempotency, schemas, services, tokens
from integration_centre.api.auth import api_endpoint, rate_limit, rate_limit_key, token_user
from integration_centre.api.idempotency import Outcome
from integration_centre.api.models import ApiToken
from integration_centre.api.openapi import build_spec, operation
from integration_centre.api.problems import ApiProblem, problem, problem_response
from integration_centre.core.errors import ERROR_TEXTS
from integration_centre.extensions import csrf, db, limiter
from integration_centre.operators import services as referrals
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import (
    DuplicateCheckLimited,
    DuplicateSuspected,
    PathwayConflict,
    PathwayError,
    RegistrationInvalid,
)
from integration_centre.pathway.registration import NewcomerData

bp = Blueprint("api", __name__, url_prefix="/api/v1")

csrf.exempt(bp)  # token-authenticated: no cookie, no CSRF
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

NEWCOMER_SCHEMA = schemas.NewcomerCreateSchema()
SEARCH_SCHEMA = schemas.NewcomerSearchSchema()
CASE_OPEN_SCHEMA = schemas.CaseOpenSchema()


# ---------------------------------------------------------------------------------------------
# Errors


@bp.app_errorhandler(ApiProblem)
def handle_problem(error: ApiProblem):
    """Refusals raised by the API code: nothing of the request is kept (rolled back before the
    document is built, which translates and so may read the database)."""
    db.session.rollback()
    return problem_response(error.document(), error.headers)


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    """HTTP errors inside the API (404 out of reach, 405, 413, 429…) as translated problems."""
    status = error.code or 500
    headers = {}
    if isinstance(error, RateLimitExceeded):
        headers["Retry-After"] = str(_retry_after())
        detail = _("Too many requests with this token: wait %(seconds)s seconds.", seconds=headers["Retry-After"])
    elif status == 413:
        detail = _("The body is larger than the limit of %(size)s bytes.", size=request.max_content_length)
    else:
        detail = str(ERROR_TEXTS.get(status, ERROR_TEXTS[400])[1])
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, detail, headers=headers)


def _retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - clock.utcnow().timestamp()))


def _pathway_problem(exc: PathwayError) -> ApiProblem:
    if isinstance(exc, RegistrationInvalid):
        return ApiProblem(422, exc.message, errors=exc.errors, code=exc.code)
    if isinstance(exc, PathwayConflict):
        return ApiProblem(409, exc.message, code=exc.code)
    if isinstance(exc, DuplicateCheckLimited):
        return ApiProblem(429, exc.message, code=exc.code)
    return ApiProblem(409, exc.message, code=exc.code)


# ---------------------------------------------------------------------------------------------
# Documentation and the token itself


@bp.get("/openapi.json")
@operation(summary="This OpenAPI document", secured=False, errors=())
def openapi_document():
    """The OpenAPI 3 document, generated from the schemas."""
    from flask import current_app

    return jsonify(build_spec(current_app, server_url=request.host_url.rstrip("/") or "/"))


@bp.app_template_filter("backticks")
def backticks(text: str | None) -> Markup:
    """A description of the OpenAPI document with its `identifiers` as <code> (the text escaped)."""
    parts = (text or "").split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: plain text
        return escape(text or "")
    code = Markup("<code>{}</code>")
    return Markup("").join(code.format(part) if odd else escape(part) for odd, part in zip(cycle((False, True)), parts))


@bp.get("/docs")
def openapi_page():
    """The API reference as a page (rendered here from the same document: no script)."""
    from flask import current_app

    spec = build_spec(current_app)
    return render_template("api/docs.html", spec=spec, scopes=tokens.SCOPES)


@bp.get("/token")
@api_endpoint(Role.OPERATOR, Role.AGENT, scope=None)
@operation(summary="The token in use", description="Scopes and expiry of the token sent.", errors=(401, 429))
def token_info():
    """What the token in use may do and until when."""
    from integration_centre.api.auth import current_token

    token = current_token()
    user = token.user
    organisation = user.operator.name if user.role == Role.OPERATOR else user.office.name
    return jsonify(
        schemas.TokenInfoSchema().dump(
            {
                "name": token.name,
                "scopes": token.scopes,
                "expires_at": token.expires_at,
                "account": "operator" if user.role == Role.OPERATOR else "agent",
                "organisation": organisation,
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# Office endpoints


@idempotency.renderer("newcomer")
def _render_newcomer(resource_id: str) -> dict:
    services.get_newcomer(token_user(), uuid.UUID(resource_id))
    return schemas.NewcomerCreatedSchema().dump({"id": resource_id, "warnings": []})


@idempotency.renderer("case")
def _render_case(resource_id: str) -> dict:
    case = pathway.get_case(token_user(), uuid.UUID(resource_id))
    return schemas.CaseSummarySchema().dump(services.case_summary(case))


@bp.post("/newcomers")
@api_endpoint(Role.AGENT, scope="newcomers:write")
@operation(
    summary="Create a newcomer file",
    description=(
        "Registers a newcomer at the token's office (same checks as the registration form). A file that looks "
        "like the same person answers 409 unless `confirm_duplicate` is true (a match in another office is only "
        "said to exist, and goes to the centre's coordinator for review). Duplicate checks are limited per user "
        "and hour (429). The answer holds the new id only."
    ),
    tag="office",
    body=schemas.NewcomerCreateSchema,
    response=schemas.NewcomerCreatedSchema,
    status=201,
    errors=(409, 429),
    idempotent_post=True,
)
def create_newcomer():
    """Register a newcomer at the token's office."""
    values, raw = body.load(NEWCOMER_SCHEMA)
    actor = token_user()
    confirm = values.pop("confirm_duplicate", False)
    data = NewcomerData(**values)
    checked: list = []

    def check() -> None:
        # Committed on its own before the registration (and never for a replay): see registration.
        if not confirm:
            try:
                checked.append(registration.check_duplicates(actor, data, actor.office))
            except PathwayError as exc:
                raise _pathway_problem(exc) from None

    def work() -> Outcome:
        try:
            newcomer = registration.register_newcomer(
                actor, data, actor.office, confirm_duplicate=confirm, duplicate_check=checked[0] if checked else None
            )
        except DuplicateSuspected as exc:
            raise ApiProblem(409, exc.message, code="duplicate_suspected") from None
        except PathwayError as exc:
            raise _pathway_problem(exc) from None
        return Outcome(201, "newcomer", str(newcomer.id))

    response = idempotency.run(token_user_token(), raw, work, prepare=check)
    if response.status_code == 201 and idempotency.REPLAY_HEADER not in response.headers:
        # The consistency warnings are computed from the body sent: shown on the first answer only.
        payload = response.get_json()
        payload["warnings"] = registration.validate(data).warnings
        response.set_data(json.dumps(payload))
    return response


def token_user_token() -> ApiToken:
    """The token of this request (inside an ``api_endpoint``)."""
    from integration_centre.api.auth import current_token

    return current_token()


@bp.post("/newcomers/search")
@api_endpoint(Role.AGENT, scope="newcomers:read")
@operation(
    summary="Find newcomer files",
    description=(
        "By national register number (`niss`), or by `family_name`, `given_names` and `date_of_birth` (accents, "
        "case and spacing ignored). POST so that no personal data travels in the URL. Only files the token's "
        "office may see are returned, as ids with their cases."
    ),
    tag="office",
    body=schemas.NewcomerSearchSchema,
    response=schemas.NewcomerSearchResultSchema,
    errors=(),
)
def search_newcomers():
    """Search the files the office may see."""
    values, _raw = body.load(SEARCH_SCHEMA)
    actor = token_user()
    try:
        found = services.search_newcomers(actor, **values)
    except RegistrationInvalid as exc:
        raise _pathway_problem(exc) from None
    items = [
        {
            "id": newcomer.id,
            "cases": [
                {"id": case.id, "status": case.status.value, "office_id": case.office_id}
                for case in services.visible_cases(actor, newcomer)
            ],
        }
        for newcomer in found
    ]
    db.session.commit()  # the audit of the search
    return jsonify(schemas.NewcomerSearchResultSchema().dump({"items": items}))


@bp.post("/newcomers/<uuid:newcomer_id>/cases")
@api_endpoint(Role.AGENT, scope="cases:write")
@operation(
    summary="Open a case",
    description="Opens a case at the token's office on the applicable pathway definition. 409 when the person "
    "already has an active case.",
    tag="office",
    body=schemas.CaseOpenSchema,
    body_required=False,
    response=schemas.CaseSummarySchema,
    status=201,
    errors=(404, 409),
    idempotent_post=True,
)
def open_case(newcomer_id: uuid.UUID):
    """Open a case for a file of the office."""
    values, raw = body.load(CASE_OPEN_SCHEMA, optional=True)
    actor = token_user()
    newcomer = services.get_newcomer(actor, newcomer_id)

    def work() -> Outcome:
        try:
            case = pathway.open_case(actor, newcomer, voluntary=values.get("voluntary") or None)
        except PathwayError as exc:
            raise _pathway_problem(exc) from None
        return Outcome(201, "case", str(case.id))

    response = idempotency.run(token_user_token(), raw, work)
    if response.status_code == 201:
        response.headers["Location"] = url_for("api.get_case", case_id=response.get_json()["id"])
    return response


@bp.get("/cases/<uuid:case_id>")
@api_endpoint(Role.AGENT, scope="cases:read")
@operation(
    summary="A case summary",
    description="Status, definition version, dates and steps of a case of the token's office.",
    tag="office",
    response=schemas.CaseSummarySchema,
    errors=(404,),
)
def get_case(case_id: uuid.UUID):
    """A case of the office."""
    case = pathway.get_case(token_user(), case_id)
    return jsonify(schemas.CaseSummarySchema().dump(services.case_summary(case)))


# ---------------------------------------------------------------------------------------------
# Operator endpoints (the rules are in operators.services)

REFERRAL_ERRORS = (404, 409)
LIST_QUERY_SCHEMA = schemas.ReferralListQuerySchema()


def _referral_problem(exc: Exception) -> ApiProblem:
    if isinstance(exc, referrals.ReferralInvalid):
        return ApiProblem(422, exc.message, errors=exc.errors, code="invalid")
    if isinstance(exc, referrals.InvalidTransition):
        return ApiProblem(409, exc.message, code="invalid_transition")
    if isinstance(exc, referrals.Conflict):
        return ApiProblem(409, exc.message, code="conflict")
    return ApiProblem(409, exc.message, code="refused")


def _query(name: str, schema: dict, description: str = "") -> dict:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


@idempotency.renderer("referral")
def _render_referral(resource_id: str) -> dict:
    actor = token_user()
    referral = referrals.get_referral(actor, resource_id)
    return schemas.ReferralSchema().dump(referrals.operator_view(referral, actor))


def _referral_action(referral_id: uuid.UUID, schema, call, *, optional: bool = False):
    """Validate the body, then run ``call(actor, referral_id, **values)`` idempotently."""
    values, raw = body.load(schema, optional=optional)
    actor = token_user()
    referrals.get_referral(actor, referral_id)  # 404 before anything else when out of reach

    def work() -> Outcome:
        try:
            referral = call(actor, referral_id, **values)
        except referrals.ReferralError as exc:
            raise _referral_problem(exc) from None
        return Outcome(200, "referral", str(referral.id))

    return idempotency.run(token_user_token(), raw, work)


@bp.get("/referrals")
@api_endpoint(Role.OPERATOR, scope="referrals:read")
@operation(
    summary="List my referrals",
    description="The referrals sent to the token's organisation, most recently changed first, without personal "
    "data (get one referral for the person's contact details).",
    tag="operator",
    response=schemas.ReferralListSchema,
    errors=(422,),
    query=[
        _query("state", {"type": "string", "enum": schemas.referral_states()}),
        _query(
            "updated_since",
            {"type": "string", "format": "date-time"},
            "Only referrals changed at or after this ISO 8601 date-time (with offset).",
        ),
        _query("page", {"type": "integer", "minimum": 1, "maximum": 10**5}),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
    ],
)
def list_referrals():
    """One page of the organisation's referrals."""
    try:
        query = LIST_QUERY_SCHEMA.load(request.args.to_dict(flat=True))
    except ValidationError as exc:
        message = _("Some parameters are invalid: see errors.")
        raise ApiProblem(422, message, errors=body.translate(exc.normalized_messages())) from None
    if len(request.args.getlist("state")) > 1:
        raise ApiProblem(422, _("Give one state."), errors={"state": [_("Give one state.")]})
    page = referrals.list_referrals(
        token_user(),
        state=query.get("state"),
        updated_since=query.get("updated_since"),
        page=query["page"],
        per_page=query["per_page"],
        summaries=True,
    )
    items = [_summary_item(summary) for summary in page.items]
    return jsonify(items=items, page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)


SUMMARY_FIELDS = tuple(schemas.ReferralSummarySchema().fields)


def _summary_item(summary: dict) -> dict:
    """``ReferralSummarySchema``'s dump, faster: only its declared fields, as JSON values."""
    return {name: _json_value(summary.get(name)) for name in SUMMARY_FIELDS}


def _json_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # UUID, Decimal


@bp.get("/referrals/<uuid:referral_id>")
@api_endpoint(Role.OPERATOR, scope="referrals:read")
@operation(
    summary="Get one of my referrals",
    description="What is referred, its deadline and history, and the person's name, languages and contact. "
    "A referral of another organisation answers 404.",
    tag="operator",
    response=schemas.ReferralSchema,
    errors=(404,),
)
def get_referral(referral_id: uuid.UUID):
    """One referral of the organisation (the operator's view)."""
    return jsonify(_render_referral(str(referral_id)))


def _referral_post(summary: str, description: str, body_schema, *, body_required: bool = True) -> Callable:
    return operation(
        summary=summary,
        description=description,
        tag="operator",
        body=body_schema,
        body_required=body_required,
        response=schemas.ReferralSchema,
        errors=REFERRAL_ERRORS,
        idempotent_post=True,
    )


@bp.post("/referrals/<uuid:referral_id>/accept")
@api_endpoint(Role.OPERATOR, scope="referrals:write")
@_referral_post("Accept a referral", "A sent referral becomes accepted.", schemas.AcceptSchema, body_required=False)
def accept_referral(referral_id: uuid.UUID):
    """Accept a sent referral."""
    return _referral_action(referral_id, schemas.AcceptSchema(), referrals.accept, optional=True)


@bp.post("/referrals/<uuid:referral_id>/decline")
@api_endpoint(Role.OPERATOR, scope="referrals:write")
@_referral_post("Decline a referral", "A sent referral is declined with a reason.", schemas.DeclineSchema)
def decline_referral(referral_id: uuid.UUID):
    """Decline a sent referral."""
    return _referral_action(referral_id, schemas.DeclineSchema(), referrals.decline)


@bp.post("/referrals/<uuid:referral_id>/attendance")
@api_endpoint(Role.OPERATOR, scope="referrals:write")
@_referral_post(
    "Record attendance",
    "Totals so far (sessions, hours, first and last dates). An accepted referral starts with its first attendance.",
    schemas.AttendanceSchema,
)
def post_attendance(referral_id: uuid.UUID):
    """Record attendance totals."""
    return _referral_action(referral_id, schemas.AttendanceSchema(), referrals.record_attendance)


@bp.post("/referrals/<uuid:referral_id>/complete")
@api_endpoint(Role.OPERATOR, scope="referrals:write")
@_referral_post(
    "Confirm completion",
    "Confirms that the person completed what was referred, with the result the step expects (e.g. the CEFR "
    "level). Exactly one completion is recorded, even for concurrent or retried confirmations.",
    schemas.CompleteSchema,
    body_required=False,
)
def complete_referral(referral_id: uuid.UUID):
    """Confirm completion."""
    return _referral_action(referral_id, schemas.CompleteSchema(), referrals.complete, optional=True)


@bp.post("/referrals/<uuid:referral_id>/abandon")
@api_endpoint(Role.OPERATOR, scope="referrals:write")
@_referral_post("Report abandonment", "The person stopped: give the reason.", schemas.AbandonSchema)
def abandon_referral(referral_id: uuid.UUID):
    """Report abandonment."""
    return _referral_action(referral_id, schemas.AbandonSchema(), referrals.abandon)
