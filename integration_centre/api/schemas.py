"""Marshmallow schemas of the API: request bodies (unknown fields refused) and responses.

The OpenAPI document is generated from these (``api.openapi``). Responses carry no date of
birth, national number, address, nationality, residence status nor assessment: office
endpoints answer with ids, codes and states; operator endpoints with ``operators.services.
operator_view`` (the minimal data an operator may see).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from integration_centre.api.tokens import SCOPES
from integration_centre.pathway.models import EDUCATION_LEVELS, RESIDENCE_CATEGORIES, SEXES
from integration_centre.pathway.states import CaseStatus, Participation, StepState

NAME = validate.Length(min=1, max=200)


class StrictSchema(Schema):
    """A request body: unknown fields are errors."""

    class Meta:
        unknown = RAISE


class ProblemSchema(Schema):
    """An error (RFC 9457 problem details)."""

    type = fields.String(metadata={"description": "A URI naming the problem; absent means about:blank."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What went wrong and how to fix it."})
    code = fields.String(metadata={"description": "A stable code for some refusals."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field name → messages, for invalid input."},
    )


class PageSchema(Schema):
    """Pagination of a list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


# ---------------------------------------------------------------------------------------------
# Office side


class NewcomerCreateSchema(StrictSchema):
    """A newcomer's file, as the registration form takes it."""

    family_name = fields.String(required=True, validate=NAME)
    given_names = fields.String(required=True, validate=NAME)
    date_of_birth = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    nationality = fields.String(
        required=True, validate=validate.Length(equal=2), metadata={"description": "ISO 3166-1 alpha-2 code."}
    )
    residence_category = fields.String(required=True, validate=validate.OneOf(RESIDENCE_CATEGORIES))
    permit_order_date = fields.Date(allow_none=True)
    registration_date = fields.Date(allow_none=True)
    permit_validity_months = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=240))
    niss = fields.String(allow_none=True, validate=validate.Length(max=20))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    municipality_code = fields.String(allow_none=True, validate=validate.Length(equal=5))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    languages = fields.List(fields.String(validate=validate.Length(min=2, max=8)), validate=validate.Length(max=10))
    preferred_language = fields.String(allow_none=True, validate=validate.Length(min=2, max=8))
    interpreter_language = fields.String(allow_none=True, validate=validate.Length(min=2, max=8))
    education_level = fields.String(allow_none=True, validate=validate.OneOf(EDUCATION_LEVELS))
    confirm_duplicate = fields.Boolean(
        load_default=False,
        metadata={"description": "Create the file even when a file of the same person seems to exist."},
    )


class NewcomerCreatedSchema(Schema):
    """A file just created: its id and the consistency warnings (never the data)."""

    id = fields.UUID(required=True)
    warnings = fields.List(fields.String(), required=True)


class NewcomerSearchSchema(StrictSchema):
    """Search by national number, or by family name, given names and date of birth."""

    niss = fields.String(validate=validate.Length(min=1, max=20))
    family_name = fields.String(validate=NAME)
    given_names = fields.String(validate=NAME)
    date_of_birth = fields.Date()

    @validates_schema
    def one_way(self, data, **_kwargs):
        """Either the number or the three identity fields."""
        from flask_babel import gettext as _

        by_name = [name for name in ("family_name", "given_names", "date_of_birth") if name in data]
        if "niss" in data and by_name:
            raise ValidationError(_("Search by national number or by name and date of birth, not both."), "_schema")
        if "niss" not in data and len(by_name) != 3:
            missing = [n for n in ("family_name", "given_names", "date_of_birth") if n not in data]
            raise ValidationError(
                {name: [_("Needed for a search by name (or send niss).")] for name in missing or ["niss"]}
            )


class CaseRefSchema(Schema):
    """A case in a list: id and status."""

    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CaseStatus]))
    office_id = fields.Integer(required=True)


class NewcomerMatchSchema(Schema):
    """One file found: its id and its cases at offices the token's agent can see."""

    id = fields.UUID(required=True)
    cases = fields.List(fields.Nested(CaseRefSchema), required=True)


class NewcomerSearchResultSchema(Schema):
    """The files found (only those the token's office may see)."""

    items = fields.List(fields.Nested(NewcomerMatchSchema), required=True)


class CaseOpenSchema(StrictSchema):
    """Opening a case."""

    voluntary = fields.Boolean(
        load_default=False, metadata={"description": "Open as a voluntary participant even when obliged."}
    )


class StepSummarySchema(Schema):
    """One step of a case: codes, dates and hours (no note)."""

    code = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in StepState]))
    planned_on = fields.Date(allow_none=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    hours = fields.String(required=True, metadata={"description": "Decimal hours, e.g. '12.5'."})
    result = fields.String(allow_none=True)
    operator_id = fields.Integer(allow_none=True)


class CaseSummarySchema(Schema):
    """A case: definition version, status, dates and steps."""

    id = fields.UUID(required=True)
    newcomer_id = fields.UUID(required=True)
    office_id = fields.Integer(required=True)
    definition_code = fields.String(required=True)
    definition_version = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CaseStatus]))
    status_reason = fields.String(allow_none=True)
    participation = fields.String(required=True, validate=validate.OneOf([p.value for p in Participation]))
    opened_on = fields.Date(required=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    agreement_signed_on = fields.Date(allow_none=True)
    deadline_extended_months = fields.Integer(required=True)
    version = fields.Integer(required=True)
    steps = fields.List(fields.Nested(StepSummarySchema), required=True)


class TokenInfoSchema(Schema):
    """The token in use: what it may do and until when."""

    name = fields.String(required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(list(SCOPES))), required=True)
    expires_at = fields.AwareDateTime(required=True)
    account = fields.String(required=True, validate=validate.OneOf(["operator", "agent"]))
    organisation = fields.String(required=True, metadata={"description": "Operator organisation or office name."})


# ---------------------------------------------------------------------------------------------
# Operator side


def referral_states() -> list[str]:
    """The referral states, as the API spells them."""
    from integration_centre.operators.referrals import ReferralState

    return [state.value for state in ReferralState]


def _reasons(action: str) -> list[str]:
    from integration_centre.operators.referrals import REASONS

    return list(REASONS[action])


def _formats() -> list[str]:
    from integration_centre.operators.services import FORMAT_LABELS

    return list(FORMAT_LABELS)


HOURS = validate.Range(min=0, max=10000)
# apispec writes a Decimal field's bounds as strings: state them as numbers for the document.
HOURS_RANGE = {"minimum": 0, "maximum": 10000}
SESSIONS = validate.Range(min=0, max=1000)


def _expected_version() -> fields.Integer:
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The referral's version you last read: 409 if it changed meanwhile."},
    )


class ReferralListQuerySchema(StrictSchema):
    """Filters and page of the referral list."""

    state = fields.String(validate=validate.OneOf(referral_states()))
    updated_since = fields.AwareDateTime(
        default_timezone=None,
        metadata={"description": "ISO 8601 date-time with its offset, e.g. 2026-11-01T00:00:00Z."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class ReferralPersonSchema(Schema):
    """What an operator may know of the person referred — nothing more."""

    name = fields.String(required=True)
    given_names = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    preferred_language = fields.String(allow_none=True)
    interpreter_language = fields.String(allow_none=True)
    interpreter_needed = fields.Boolean(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ReferralHistorySchema(Schema):
    """One change of the referral."""

    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    hours = fields.String(allow_none=True, metadata={"description": "Decimal hours, e.g. '12.50'."})
    sessions = fields.Integer(allow_none=True)
    result = fields.String(allow_none=True)
    actor_role = fields.String(required=True)


class ReferralSummarySchema(Schema):
    """A referral without any data about the person (list items)."""

    id = fields.UUID(required=True)
    reference = fields.String(required=True, metadata={"example": "R-2026-000123"})
    state = fields.String(required=True, validate=validate.OneOf(referral_states()))
    service_type = fields.String(required=True)
    step_code = fields.String(required=True)
    step_label = fields.String(required=True)
    deadline = fields.Date(allow_none=True)
    sent_on = fields.Date(required=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    sessions = fields.Integer(required=True)
    hours = fields.String(required=True, metadata={"description": "Decimal hours, e.g. '12.50'."})
    attended_from = fields.Date(allow_none=True)
    attended_until = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    course_format = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)


class ReferralSchema(ReferralSummarySchema):
    """A referral with the person's contact data and its own history (the operator's view)."""

    person = fields.Nested(
        ReferralPersonSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "Null once the referral is finished: declined, withdrawn or abandoned, or completed "
            "more than the grace period ago (30 days by default). The history then holds the operator's own "
            "entries only."
        },
    )
    history = fields.List(fields.Nested(ReferralHistorySchema), required=True)


class ReferralListSchema(PageSchema):
    """One page of the organisation's referrals, most recently changed first."""

    items = fields.List(fields.Nested(ReferralSummarySchema), required=True)


class AcceptSchema(StrictSchema):
    """Accepting a referral (the body is optional)."""

    expected_version = _expected_version()


class DeclineSchema(StrictSchema):
    """Declining a referral."""

    reason = fields.String(required=True, validate=validate.OneOf(_reasons("decline")))
    expected_version = _expected_version()


class AttendanceSchema(StrictSchema):
    """Attendance so far (totals, not increments)."""

    sessions = fields.Integer(required=True, strict=True, validate=SESSIONS)
    hours = fields.Decimal(
        required=True, validate=HOURS, metadata={"description": "Total hours, e.g. 24.5.", **HOURS_RANGE}
    )
    attended_from = fields.Date(allow_none=True)
    attended_until = fields.Date(allow_none=True)
    expected_version = _expected_version()


class CompleteSchema(StrictSchema):
    """Confirming completion, with the result the step expects (e.g. the CEFR level reached)."""

    result = fields.String(allow_none=True, validate=validate.Length(max=32))
    course_format = fields.String(allow_none=True, validate=validate.OneOf(_formats()))
    hours = fields.Decimal(
        allow_none=True, validate=HOURS, metadata={"description": "Total hours, e.g. 120.", **HOURS_RANGE}
    )
    sessions = fields.Integer(allow_none=True, strict=True, validate=SESSIONS)
    expected_version = _expected_version()


class AbandonSchema(StrictSchema):
    """Reporting that the person abandoned."""

    reason = fields.String(required=True, validate=validate.OneOf(_reasons("abandon")))
    expected_version = _expected_version()
