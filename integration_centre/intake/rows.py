"""One row of a list → the registration's ``NewcomerData``, with the row's problems.

Each mapped cell is read by its field's parser (``values``); the result then goes through the
registration's own ``validate`` (the same rules as the form: dates not in the future, NISS check
digits, municipalities of the reference, German-speaking municipalities refused…). A field that
failed to read is reported once. Duplicate keys and the row fingerprint are keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from integration_centre.intake import values as cells
from integration_centre.intake.fields import FULL_NAME, REQUIRED, ColumnMapping
from integration_centre.intake.report import ERROR, WARNING, Issue
from integration_centre.pathway import niss as niss_module
from integration_centre.pathway import registration
from integration_centre.pathway.registration import NewcomerData
from integration_centre.privacy import blind_index, runtime

BUILTIN_DEFAULTS = {"residence_category": "other"}
FINGERPRINT_PURPOSE = "intake-row-fingerprint"
DUPLICATE_KEY_PURPOSE = "intake-duplicate-key"
MISSING = _l("This field is required and the cell is empty.")
NISS_MISMATCH = _l("The national register number does not match the date of birth or the sex: check both.")


@dataclass
class RowResult:
    """A row read: the data to register when it has no error, its issues, its keys."""

    line: int
    data: NewcomerData | None = None
    values: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the row has no error."""
        return self.data is not None and not any(i.severity == ERROR for i in self.issues)


def read_row(line: int, row: list, mapping: ColumnMapping, *, today: date) -> RowResult:
    """Read and validate one row (see the module docstring)."""
    result = RowResult(line)
    raw: dict = {**BUILTIN_DEFAULTS, **mapping.defaults}
    failed: set[str] = set()
    headers: dict[str, str] = {}
    for column in mapping.columns:
        if not column.field:
            continue
        headers[column.field] = column.header
        cell = row[column.index] if column.index < len(row) else None
        try:
            if column.field == FULL_NAME:
                split = cells.split_full_name(cell)
                if split:
                    raw["family_name"], raw["given_names"] = split
                    headers["family_name"] = headers["given_names"] = column.header
                continue
            value = cells.PARSERS[column.field](cell)
        except cells.CellProblem as problem:
            failed.add(column.field)
            result.issues.append(
                Issue(line, ERROR, problem.code, str(cells.MESSAGES[problem.code]), column.field, column.header)
            )
            continue
        if value not in (None, []):
            raw[column.field] = value
    if FULL_NAME in failed:
        failed |= {"family_name", "given_names"}
    for name in REQUIRED:
        if name not in raw and name not in failed:
            failed.add(name)
            result.issues.append(Issue(line, ERROR, "missing", str(MISSING), name, headers.get(name)))
    if any(i.severity == ERROR for i in result.issues):
        return result
    data = NewcomerData(**{k: v for k, v in raw.items() if k != FULL_NAME})
    if data.niss:
        try:
            checked = niss_module.check(data.niss, date_of_birth=data.date_of_birth, sex=data.sex)
        except niss_module.NissError as exc:
            result.issues.append(Issue(line, ERROR, "invalid_niss", str(exc), "niss", headers.get("niss")))
            return result
        if checked.warnings:  # their text holds the dates: say it without them
            result.issues.append(Issue(line, WARNING, "niss_mismatch", str(NISS_MISMATCH), "niss", headers.get("niss")))
    outcome = registration.validate(data, today=today)
    for name, message in outcome.errors.items():
        result.issues.append(Issue(line, ERROR, "invalid", str(message), name, headers.get(name)))
    if not outcome.errors:
        result.data = data
        result.values = registration.normalised_values(data, outcome)
    return result


def fingerprint(office_id: int, values: dict) -> str:
    """A keyed hash (128 bits, hex) of the office and the row's normalised values."""
    key = runtime.keyring().derived_key(FINGERPRINT_PURPOSE)
    payload = json.dumps([office_id, values], sort_keys=True, default=str, ensure_ascii=False)
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def duplicate_keys(data: NewcomerData, values: dict) -> list[int]:
    """64-bit keyed hashes of the two duplicate criteria of registration: the NISS, and the
    normalised family name with the date of birth."""
    key = runtime.keyring().derived_key(DUPLICATE_KEY_PURPOSE)
    parts = [f"dob\x1f{blind_index.normalise(data.family_name)}\x1f{data.date_of_birth.isoformat()}"]
    if values.get("niss"):
        parts.append(f"niss\x1f{values['niss']}")
    return [int.from_bytes(hmac.new(key, p.encode(), hashlib.sha256).digest()[:8], "big") >> 1 for p in parts]
