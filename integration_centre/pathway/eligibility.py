"""Eligibility: is a newcomer a primo-arrivant, obliged, dispensed, excluded or voluntary, and why.

Everything is read from the applicable ``PathwayDefinition`` (``eligibility`` predicates and
``dispensation_reasons``): the code holds no legal threshold. ``assess`` is a pure function of
the facts, the definition, the recorded dispensations and the reference date, so it is
table-tested per rule version.

Mid-pathway dispensations (``can_start_mid_pathway``, e.g. work) end the obligation from their
start date: before it the person is obliged, from it dispensed. Other dispensations apply to the
whole pathway whatever their recorded date.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from integration_centre import clock
from integration_centre.pathway.dates import add_months, age_on
from integration_centre.pathway.definitions import DispensationReason, PathwayDefinition
from integration_centre.pathway.reference import NATIONALITY_GROUPS


class Status(enum.StrEnum):
    """Where a person stands with respect to the obligation."""

    OBLIGED = "obliged"
    DISPENSED = "dispensed"
    EXCLUDED = "excluded"
    VOLUNTARY = "voluntary"


class Exclusion(enum.StrEnum):
    """Why a person is outside the definition of a primo-arrivant."""

    NATIONALITY = "nationality"
    FAMILY_OF_EU_CITIZEN = "family_of_eu_citizen"
    RESIDENCE_CATEGORY = "residence_category"
    NO_PERMIT = "no_permit"
    SHORT_PERMIT = "short_permit"
    LONG_STAY = "long_stay"
    AGE = "age"


CONDITION_ORDER = ("stay", "permit", "nationality", "residence_category", "age")


@dataclass(frozen=True)
class EligibilityFacts:
    """What eligibility needs from a newcomer's file (already decrypted by the caller)."""

    date_of_birth: date | None
    nationality: str | None
    residence_category: str | None
    permit_order_date: date | None
    registration_date: date | None = None
    # None: a permit ordered by the commune, hence of more than three months.
    permit_validity_months: int | None = None


@dataclass(frozen=True)
class RecordedDispensation:
    """A dispensation recorded by an agent (reason code of the definition, start and end dates)."""

    reason: str
    start_date: date
    end_date: date | None = None


@dataclass(frozen=True)
class Condition:
    """One condition of the definition and whether the person meets it (None: unknown)."""

    code: str
    met: bool | None
    text: str


@dataclass(frozen=True)
class Eligibility:
    """The outcome of ``assess`` with everything needed to explain it."""

    definition_key: str
    on: date
    primo_arrivant: bool
    status: Status
    basis_status: Status  # obliged/dispensed/excluded before voluntary participation is considered
    exclusions: tuple[Exclusion, ...] = ()
    dispensations: tuple[DispensationReason, ...] = ()
    conditions: tuple[Condition, ...] = ()
    obligation_ends_on: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    participating: bool = False  # a case is open: the person follows the pathway

    @property
    def reason_code(self) -> str | None:
        """The main reason: first dispensation or exclusion code, None when obliged."""
        if self.dispensations:
            return self.dispensations[0].code
        if self.exclusions:
            return self.exclusions[0].value
        return None

    @property
    def statistical_status(self) -> str:
        """``obliged``, ``voluntary`` or ``dispensed:<reason>``/``excluded:<reason>`` for the stats feed.

        A dispensed person who participates stays ``dispensed:<reason>`` (the published
        "dispensed by reason" figures count them); an excluded person who participates is
        ``voluntary``.
        """
        return statistical_status(self.status.value, self.reason_code)

    def explanation(self, locale: str = "fr") -> str:
        """The plain-language explanation shown to the agent (translated through Babel)."""
        met = ", ".join(c.text for c in self.conditions if c.met)
        if self.status == Status.OBLIGED:
            return _("Obliged: %(conditions)s", conditions=met)
        if self.basis_status == Status.DISPENSED:
            reasons = "; ".join(reason.label(locale) for reason in self.dispensations)
            text = _("Dispensed (%(reasons)s): %(conditions)s", reasons=reasons, conditions=met)
        else:
            failed = ", ".join(c.text for c in self.conditions if c.met is False)
            text = _("Outside the scope: %(conditions)s", conditions=failed)
        if self.obligation_ends_on is not None:
            text += " " + _("Obligation ended on %(date)s.", date=self.obligation_ends_on.isoformat())
        if self.status == Status.VOLUNTARY or (self.participating and self.status == Status.DISPENSED):
            text = _("Voluntary participant. %(basis)s", basis=text)
        return text


def statistical_status(status: str, reason: str | None) -> str:
    """The stats feed's status from a (kept) status and its reason code: ``obliged``,
    ``voluntary``, ``dispensed:<reason>`` or ``excluded:<reason>``."""
    if status in (Status.OBLIGED, Status.VOLUNTARY):
        return str(status)
    return f"{status}:{reason}"


def assess(
    facts: EligibilityFacts,
    definition: PathwayDefinition,
    *,
    on: date | None = None,
    dispensations: Iterable[RecordedDispensation] = (),
    participating: bool = False,
) -> Eligibility:
    """Compute eligibility of ``facts`` under ``definition`` on ``on`` (today by default).

    ``participating`` says the person follows the pathway anyway (a case is open): someone
    outside the scope then counts as voluntary; someone dispensed stays dispensed (participating).
    """
    on = on or clock.today()
    rules = definition.eligibility
    conditions: list[Condition] = []
    exclusions: list[Exclusion] = []

    excluded_groups = rules.get("excluded_nationality_groups", [])
    in_excluded_group = any(facts.nationality in NATIONALITY_GROUPS[g] for g in excluded_groups)
    if excluded_groups:
        conditions.append(
            Condition(
                "nationality",
                None if facts.nationality is None else not in_excluded_group,
                _("outside the EU+") if not in_excluded_group else _("EU, EEA or Swiss citizen"),
            )
        )
        if in_excluded_group:
            exclusions.append(Exclusion.NATIONALITY)

    excluded_categories = rules.get("excluded_residence_categories", [])
    if facts.residence_category in excluded_categories:
        code = (
            Exclusion.FAMILY_OF_EU_CITIZEN
            if facts.residence_category == "family_of_eu_citizen"
            else Exclusion.RESIDENCE_CATEGORY
        )
        exclusions.append(code)
        conditions.append(Condition("residence_category", False, _("family member of an EU, EEA or Swiss citizen")))

    min_months = rules["min_permit_months"]
    if facts.permit_order_date is None:
        exclusions.append(Exclusion.NO_PERMIT)
        conditions.append(
            Condition("permit", False, _("no residence permit of more than %(months)s months", months=min_months))
        )
    elif facts.permit_validity_months is not None and facts.permit_validity_months <= min_months:
        exclusions.append(Exclusion.SHORT_PERMIT)
        conditions.append(Condition("permit", False, _("permit of %(months)s months or less", months=min_months)))
    else:
        conditions.append(Condition("permit", True, _("permit of more than %(months)s months", months=min_months)))

    max_years = rules.get("max_years_of_stay")
    stay_start = min((d for d in (facts.registration_date, facts.permit_order_date) if d is not None), default=None)
    if max_years is not None and stay_start is not None:
        if add_months(stay_start, 12 * max_years) > on:
            conditions.append(Condition("stay", True, _("stay of less than %(years)s years", years=max_years)))
        else:
            exclusions.append(Exclusion.LONG_STAY)
            conditions.append(Condition("stay", False, _("stay of more than %(years)s years", years=max_years)))

    age_rule = rules["obligation_age"]
    age_outside = None
    if facts.date_of_birth is not None:
        age = age_on(facts.date_of_birth, on)
        age_outside = age < age_rule["min"] or (age_rule.get("max") is not None and age > age_rule["max"])
        if age_rule.get("max") is None:
            age_text = _("aged %(min)s or over", min=age_rule["min"])
        else:
            age_text = _("aged %(min)s–%(max)s", min=age_rule["min"], max=age_rule["max"])
        if age_outside:
            age_text = _("aged %(age)s (not %(range)s)", age=age, range=age_text)
        if age_outside and age_rule["outside"] == "excluded":
            exclusions.append(Exclusion.AGE)
        conditions.append(Condition("age", not age_outside, age_text))

    conditions.sort(key=lambda c: CONDITION_ORDER.index(c.code))
    primo = not (set(exclusions) - {Exclusion.AGE})
    if exclusions:
        return _finish(definition, on, primo, Status.EXCLUDED, exclusions, [], conditions, None, participating)

    applying: list[DispensationReason] = []
    ends_on: date | None = None
    for reason in definition.dispensation_reasons:
        if _applies_automatically(reason, facts, age_outside):
            applying.append(reason)
    for recorded in dispensations:
        try:
            reason = definition.dispensation_reason(recorded.reason)
        except KeyError:
            continue  # a reason of another definition version does not apply here
        if recorded.end_date is not None and on > recorded.end_date:
            continue
        if reason.can_start_mid_pathway and on < recorded.start_date:
            ends_on = recorded.start_date if ends_on is None else min(ends_on, recorded.start_date)
            continue
        if reason not in applying:
            applying.append(reason)
        if reason.can_start_mid_pathway:
            ends_on = recorded.start_date if ends_on is None else min(ends_on, recorded.start_date)
    if applying:
        return _finish(definition, on, True, Status.DISPENSED, [], applying, conditions, ends_on, participating)
    return _finish(definition, on, True, Status.OBLIGED, [], [], conditions, None, participating, ends_on)


def _finish(
    definition, on, primo, status, exclusions, dispensations, conditions, ends_on, participating, upcoming=None
):
    notes = ()
    if upcoming is not None:
        notes = (_("A dispensation will end the obligation on %(date)s.", date=upcoming.isoformat()),)
    # A participant outside the scope is voluntary; a dispensed participant stays dispensed (with
    # its reason): the person is inside the definition, only released from the obligation.
    final = Status.VOLUNTARY if participating and status == Status.EXCLUDED else status
    return Eligibility(
        definition_key=definition.key,
        on=on,
        primo_arrivant=primo,
        status=final,
        basis_status=status,
        exclusions=tuple(exclusions),
        dispensations=tuple(dispensations),
        conditions=tuple(conditions),
        obligation_ends_on=ends_on if status == Status.DISPENSED else None,
        notes=notes,
        participating=participating,
    )


def _applies_automatically(reason: DispensationReason, facts: EligibilityFacts, age_outside: bool | None) -> bool:
    predicate = reason.applies_automatically
    if not predicate:
        return False
    if predicate.get("age_outside_obligation") and not age_outside:
        return False
    if "nationality_in" in predicate and facts.nationality not in predicate["nationality_in"]:
        return False
    return not (
        "residence_category_in" in predicate and facts.residence_category not in predicate["residence_category_in"]
    )
