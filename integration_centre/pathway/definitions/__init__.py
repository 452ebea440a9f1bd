"""Versioned pathway definitions: YAML data files validated by a JSON schema at load.

A definition is identified by ``code`` (jurisdiction pathway, e.g. ``wallonia``) and ``version``
(e.g. ``2018``). Which version applies to a newcomer is chosen from the date the residence permit
was ordered (``applies_to``); a case stores code + version and keeps it forever, so every version
ever shipped stays in ``definitions/`` and loadable.

Errors name the file and the field (``wallonia-2018.yaml: steps[2].min_hours: …``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, has_app_context
from jsonschema import Draft202012Validator, FormatChecker

DEFINITIONS_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = DEFINITIONS_DIR / "schema.json"
CEFR_LEVELS = ("pre_A1", "A1", "A2", "B1", "B2", "C1", "C2")
EXTENSION_KEY = "pathway_definitions"


class DefinitionError(ValueError):
    """A definition file that cannot be loaded; the message names the file and the field."""


class NoApplicableDefinition(LookupError):
    """No definition of a jurisdiction covers the given permit-order date."""


def cefr_rank(level: str | None) -> int | None:
    """Position of a CEFR level (pre_A1 = 0 … C2 = 6), None when unknown."""
    return CEFR_LEVELS.index(level) if level in CEFR_LEVELS else None


@dataclass(frozen=True)
class StepDefinition:
    """One step of a pathway as the definition file describes it."""

    code: str
    labels: dict[str, str]
    order: int
    depends_on: tuple[str, ...] = ()
    mandatory: bool = True
    condition: dict[str, Any] | None = None
    min_hours: float | None = None
    max_duration_months: int | None = None
    confirmable_by: tuple[dict[str, str], ...] = ()
    evidence: tuple[str, ...] = ()
    result: dict[str, Any] | None = None
    ends_pathway: bool = False

    def label(self, locale: str = "fr") -> str:
        """The step's name in ``locale``."""
        return _label(self.labels, locale)

    def confirmable_by_role(self, role: str, service_type: str | None = None) -> bool:
        """True when a user of ``role`` (an operator of ``service_type``) may confirm the step."""
        for rule in self.confirmable_by:
            if rule["role"] != role:
                continue
            if role == "operator" and rule.get("service_type") not in (None, service_type):
                continue
            return True
        return False


@dataclass(frozen=True)
class DispensationReason:
    """A reason that releases a person inside the definition from the obligation."""

    code: str
    labels: dict[str, str]
    legal_basis: str
    evidence_required: bool
    can_start_mid_pathway: bool
    health_data: bool = False
    applies_automatically: dict[str, Any] | None = None

    def label(self, locale: str = "fr") -> str:
        """The reason in ``locale``."""
        return _label(self.labels, locale)


@dataclass(frozen=True)
class Deadline:
    """A deadline: ``months`` after the clock-start event."""

    code: str
    labels: dict[str, str]
    clock_start: str
    months: int
    extendable: bool = False

    def label(self, locale: str = "fr") -> str:
        """The deadline's name in ``locale``."""
        return _label(self.labels, locale)


@dataclass(frozen=True)
class CertificateRule:
    """What the certificate rests on: ``attendance`` (Wallonia, Brussels: the steps were attended)
    or ``results`` (Flanders: each of ``required_results`` reached — ``{"step", "result"}`` or
    ``{"step", "min_level"}`` — or, when ``declaration_of_effort``, an agent's declaration that
    the person made sufficient efforts)."""

    basis: str = "attendance"
    required_results: tuple[dict[str, str], ...] = ()
    declaration_of_effort: bool = False


@dataclass(frozen=True)
class PathwayDefinition:
    """A loaded, validated definition (immutable)."""

    code: str
    version: str
    jurisdiction: str
    labels: dict[str, str]
    legal_basis: str
    applies_from: date
    applies_until: date | None
    parameters: dict[str, Any]
    eligibility: dict[str, Any]
    deadlines: tuple[Deadline, ...]
    extension_grounds: tuple[dict[str, Any], ...]
    dispensation_reasons: tuple[DispensationReason, ...]
    needs: tuple[str, ...]
    steps: tuple[StepDefinition, ...]
    unverified: tuple[str, ...] = ()
    source: str = ""
    certificate: CertificateRule = field(default_factory=CertificateRule)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """``code-version``, the name used in URLs and files."""
        return f"{self.code}-{self.version}"

    def label(self, locale: str = "fr") -> str:
        """The definition's title in ``locale``."""
        return _label(self.labels, locale)

    def step(self, code: str) -> StepDefinition:
        """The step ``code`` (KeyError when the definition has none)."""
        for step in self.steps:
            if step.code == code:
                return step
        raise KeyError(code)

    def dispensation_reason(self, code: str) -> DispensationReason:
        """The dispensation reason ``code`` (KeyError when unknown)."""
        for reason in self.dispensation_reasons:
            if reason.code == code:
                return reason
        raise KeyError(code)

    def deadline(self, code: str) -> Deadline | None:
        """The deadline ``code``, or None when this definition has none."""
        return next((d for d in self.deadlines if d.code == code), None)

    def applies_to_permit(self, permit_order_date: date) -> bool:
        """True when a permit ordered on ``permit_order_date`` falls under this version."""
        return self.applies_from <= permit_order_date and (
            self.applies_until is None or permit_order_date <= self.applies_until
        )


def _label(labels: dict[str, str], locale: str) -> str:
    return labels.get((locale or "fr")[:2]) or labels["fr"]


_VALIDATOR: Draft202012Validator | None = None


def _validator() -> Draft202012Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        _VALIDATOR = Draft202012Validator(schema, format_checker=FormatChecker())
    return _VALIDATOR


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse(document: Any, source: str) -> PathwayDefinition:
    """Validate a parsed YAML/JSON document and build the definition; ``source`` names the file."""
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)))
    )
    if errors:
        first = errors[0]
        # The deepest useful error of a oneOf is in its context.
        if first.context:
            first = sorted(first.context, key=lambda e: -len(e.absolute_path))[0]
        raise DefinitionError(f"{source}: {_path(first.absolute_path)}: {first.message}")
    _check_semantics(document, source)
    steps = tuple(
        sorted(
            (
                StepDefinition(
                    code=s["code"],
                    labels=s["labels"],
                    order=s["order"],
                    depends_on=tuple(s.get("depends_on", ())),
                    mandatory=s.get("mandatory", True),
                    condition=s.get("condition"),
                    min_hours=s.get("min_hours"),
                    max_duration_months=s.get("max_duration_months"),
                    confirmable_by=tuple(s["confirmable_by"]),
                    evidence=tuple(s.get("evidence", ())),
                    result=s.get("result"),
                    ends_pathway=s.get("ends_pathway", False),
                )
                for s in document["steps"]
            ),
            key=lambda s: (s.order, s.code),
        )
    )
    until = document["applies_to"].get("permit_ordered_until")
    return PathwayDefinition(
        code=document["code"],
        version=document["version"],
        jurisdiction=document["jurisdiction"],
        labels=document["labels"],
        legal_basis=document.get("legal_basis", ""),
        applies_from=date.fromisoformat(document["applies_to"]["permit_ordered_from"]),
        applies_until=date.fromisoformat(until) if until else None,
        parameters=dict(document.get("parameters", {})),
        eligibility=document["eligibility"],
        deadlines=tuple(Deadline(**d) for d in document["deadlines"]),
        extension_grounds=tuple(document["extension_grounds"]),
        dispensation_reasons=tuple(DispensationReason(**r) for r in document["dispensation_reasons"]),
        needs=tuple(document.get("needs", ())),
        steps=steps,
        unverified=tuple(document.get("unverified", ())),
        source=source,
        certificate=_certificate_rule(document.get("certificate")),
        raw=document,
    )


def _check_level_condition(document: dict, codes: list[str], condition: dict, where: str) -> None:
    """A ``result_below_level`` condition names a step and a parameter of the definition."""
    if condition.get("type") != "result_below_level":
        return
    if condition["step"] not in codes:
        raise DefinitionError(f"{where}.step: unknown step {condition['step']!r}")
    if condition["parameter"] not in document.get("parameters", {}):
        raise DefinitionError(f"{where}.parameter: no parameter {condition['parameter']!r}")


def _certificate_rule(data: dict | None) -> CertificateRule:
    if not data:
        return CertificateRule()
    return CertificateRule(
        basis=data["basis"],
        required_results=tuple(dict(r) for r in data.get("required_results", ())),
        declaration_of_effort=data.get("declaration_of_effort", False),
    )


def _check_certificate(document: dict, source: str) -> None:
    """A results-based certificate names results its steps can record."""
    certificate = document.get("certificate") or {}
    required = certificate.get("required_results", ())
    if certificate.get("basis") == "results" and not required:
        raise DefinitionError(f"{source}: certificate.required_results: a results-based certificate needs results")
    steps = {s["code"]: s for s in document["steps"]}
    for index, rule in enumerate(required):
        where = f"{source}: certificate.required_results[{index}]"
        step = steps.get(rule["step"])
        if step is None:
            raise DefinitionError(f"{where}.step: unknown step {rule['step']!r}")
        kind = (step.get("result") or {}).get("type")
        if "min_level" in rule and kind != "cefr":
            raise DefinitionError(f"{where}.min_level: step {rule['step']!r} records no CEFR level")
        if "result" in rule:
            options = {"pass_fail": ("pass", "fail"), "choice": tuple(step["result"].get("options", ()))}.get(kind, ())
            if rule["result"] not in options:
                raise DefinitionError(f"{where}.result: step {rule['step']!r} cannot record {rule['result']!r}")


def _check_semantics(document: dict, source: str) -> None:
    """Checks a JSON schema cannot express: unique codes, known references, no cycles."""
    steps = document["steps"]
    codes = [s["code"] for s in steps]
    for index, code in enumerate(codes):
        if codes.index(code) != index:
            raise DefinitionError(f"{source}: steps[{index}].code: step code {code!r} is used twice")
    needs = set(document.get("needs", ()))
    for index, step in enumerate(steps):
        for position, dependency in enumerate(step.get("depends_on", ())):
            if dependency not in codes:
                raise DefinitionError(f"{source}: steps[{index}].depends_on[{position}]: unknown step {dependency!r}")
        condition = step.get("condition") or {}
        checked = [condition]
        if condition.get("type") == "needs_analysis" and condition.get("until_recorded"):
            checked.append(condition["until_recorded"])
        for check in checked:
            _check_level_condition(document, codes, check, f"{source}: steps[{index}].condition")
        if condition.get("type") == "needs_analysis" and condition["need"] not in needs:
            raise DefinitionError(f"{source}: steps[{index}].condition.need: {condition['need']!r} is not in needs")
        if not step.get("mandatory", True) and not condition:
            raise DefinitionError(f"{source}: steps[{index}].condition: a step that is not mandatory needs a condition")
    _check_certificate(document, source)
    reasons = [r["code"] for r in document["dispensation_reasons"]]
    for index, code in enumerate(reasons):
        if reasons.index(code) != index:
            raise DefinitionError(f"{source}: dispensation_reasons[{index}].code: reason {code!r} is used twice")
    graph = {s["code"]: list(s.get("depends_on", ())) for s in steps}
    state: dict[str, int] = {}

    def visit(code: str, trail: list[str]) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise DefinitionError(f"{source}: steps.depends_on: dependency cycle {' → '.join([*trail, code])}")
        state[code] = 1
        for dependency in graph[code]:
            visit(dependency, [*trail, code])
        state[code] = 2

    for code in graph:
        visit(code, [])


def load_file(path: Path) -> PathwayDefinition:
    """Load and validate one YAML or JSON definition file."""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"{path.name}: (file): cannot be read: {exc}") from exc
    # YAML turns unquoted dates into date objects; the schema expects ISO strings.
    document = _dates_to_strings(document)
    definition = parse(document, path.name)
    expected = f"{definition.code}-{definition.version}"
    if path.stem != expected:
        raise DefinitionError(f"{path.name}: code/version: the file must be named {expected}{path.suffix}")
    return definition


def _dates_to_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _dates_to_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_strings(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class DefinitionRegistry:
    """Every definition found in some directories, by (code, version)."""

    def __init__(self, definitions: Iterable[PathwayDefinition]):
        self._by_key: dict[tuple[str, str], PathwayDefinition] = {}
        for definition in definitions:
            key = (definition.code, definition.version)
            if key in self._by_key:
                raise DefinitionError(f"{definition.source}: code/version: {definition.key} is defined twice")
            self._by_key[key] = definition
        self._check_windows()

    @classmethod
    def from_directories(cls, directories: Iterable[Path]) -> DefinitionRegistry:
        """Load every ``*.yaml``/``*.yml``/``*.json`` definition (the schema excluded)."""
        definitions = []
        for directory in directories:
            for path in sorted(Path(directory).iterdir()):
                if path.suffix in (".yaml", ".yml", ".json") and path.name != SCHEMA_PATH.name:
                    definitions.append(load_file(path))
        return cls(definitions)

    def _check_windows(self) -> None:
        by_code: dict[str, list[PathwayDefinition]] = {}
        for definition in self._by_key.values():
            by_code.setdefault(definition.code, []).append(definition)
        for versions in by_code.values():
            versions.sort(key=lambda d: d.applies_from)
            for earlier, later in pairwise(versions):
                if earlier.applies_until is None or earlier.applies_until >= later.applies_from:
                    raise DefinitionError(
                        f"{later.source}: applies_to.permit_ordered_from: overlaps {earlier.key}; "
                        f"set {earlier.source} applies_to.permit_ordered_until before {later.applies_from}"
                    )

    def all(self) -> list[PathwayDefinition]:
        """Every definition, by code then application date."""
        return sorted(self._by_key.values(), key=lambda d: (d.code, d.applies_from))

    def get(self, code: str, version: str) -> PathwayDefinition:
        """The definition ``code`` ``version`` (KeyError when it is not installed)."""
        return self._by_key[(code, version)]

    def applicable(self, code: str, permit_order_date: date | None) -> PathwayDefinition:
        """The version of ``code`` that governs a permit ordered on ``permit_order_date``.

        Without a date (a voluntary participant without a permit date) the latest version applies.
        """
        versions = [d for d in self.all() if d.code == code]
        if not versions:
            raise NoApplicableDefinition(code)
        if permit_order_date is None:
            return versions[-1]
        for definition in versions:
            if definition.applies_to_permit(permit_order_date):
                return definition
        raise NoApplicableDefinition(f"{code} {permit_order_date.isoformat()}")


_DEFAULT: DefinitionRegistry | None = None


def registry() -> DefinitionRegistry:
    """The registry in use: the app's (``app.extensions['pathway_definitions']``) or the shipped one."""
    global _DEFAULT
    if has_app_context() and EXTENSION_KEY in current_app.extensions:
        return current_app.extensions[EXTENSION_KEY]
    if _DEFAULT is None:
        _DEFAULT = DefinitionRegistry.from_directories([DEFINITIONS_DIR])
    return _DEFAULT


def rules_label(key: str, locale: str = "fr") -> str:
    """The human name of a definition key ("wallonia-2018" → "Parcours d'intégration – Wallonie
    (règles de 2018)"); the key itself only when no such definition is installed."""
    code, _, version = str(key).rpartition("-")
    try:
        return registry().get(code, version).label(locale)
    except KeyError:
        return str(key)
