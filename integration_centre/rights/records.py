"""Records of processing activities (GDPR Art. 30), generated from configuration.

``config/processing.yaml`` holds the purposes with their legal basis, the categories of persons
and data, the recipients, the transfers and the security measures (French, English and Dutch).
Retention periods come from the retention settings (``RETENTION_*``) so the page always shows
the periods actually applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "processing.yaml"
LANGUAGES = ("fr", "en", "nl")

RETENTION_SETTINGS = {
    "RETENTION_CLOSED_CASE_YEARS": _l("Personal data after the last case closed"),
    "RETENTION_CERTIFICATE_YEARS": _l("Personal data after the certificate of completion"),
    "RETENTION_UNFINISHED_MONTHS": _l("Registrations that never became a case"),
    "RETENTION_AUDIT_YEARS": _l("Audit log"),
}


@cache
def _load() -> dict[str, Any]:
    data = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    check(data)
    return data


def check(data: dict[str, Any]) -> None:
    """Refuse a configuration with a purpose lacking its legal basis or a text in fr/en/nl."""

    def localised(value: Any, where: str) -> None:
        if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGUAGES):
            raise ValueError(f"{where}: a text in fr, en and nl is required")

    for section in ("purposes", "categories", "recipients", "transfers", "security", "controller"):
        if section not in data:
            raise ValueError(f"processing.yaml: missing section {section!r}")
    for purpose in data["purposes"]:
        code = purpose.get("code", "?")
        localised(purpose.get("name"), f"purpose {code} name")
        basis = purpose.get("legal_basis") or {}
        if not basis.get("article"):
            raise ValueError(f"purpose {code}: legal basis article required")
        localised(basis.get("text"), f"purpose {code} legal basis")
        for person in purpose.get("persons", []):
            if person not in data["categories"]["persons"]:
                raise ValueError(f"purpose {code}: unknown category of persons {person!r}")
        for item in purpose.get("data", []):
            if item not in data["categories"]["data"]:
                raise ValueError(f"purpose {code}: unknown category of data {item!r}")
        for recipient in purpose.get("recipients", []):
            if recipient not in data["recipients"]:
                raise ValueError(f"purpose {code}: unknown recipient {recipient!r}")
        setting = purpose.get("retention")
        if setting is not None and setting not in RETENTION_SETTINGS:
            raise ValueError(f"purpose {code}: unknown retention setting {setting!r}")


def _text(value: dict[str, str], language: str) -> str:
    return value.get(language) or value["fr"]


def retention_text(setting: str | None) -> str:
    """A retention setting's current value as a sentence."""
    if setting is None:
        return _("Not applicable: no personal data is kept.")
    value = current_app.config.get(setting)
    if value is None:
        return "—"
    if setting.endswith("_MONTHS"):
        return _("%(count)s months", count=value)
    return _("%(count)s years", count=value)


# The regulation's name and the joining word of an article reference, per language.
_REGULATION = {"fr": ("RGPD", "et"), "nl": ("AVG", "en"), "de": ("DSGVO", "und"), "en": ("GDPR", "and")}


def article_text(article: str, language: str) -> str:
    """An article reference of the configuration ("GDPR Art. 6(1)(c) and 89") in ``language``."""
    name, joining = _REGULATION.get(language, _REGULATION["en"])
    text = article.replace("GDPR", name)
    return text.replace(" and ", f" {joining} ") if joining != "and" else text


@dataclass(frozen=True)
class Purpose:
    """One processing purpose, localised."""

    code: str
    name: str
    legal_basis_article: str
    legal_basis: str
    persons: list[str]
    data: list[str]
    recipients: list[str]
    retention: str


def purposes(language: str) -> list[Purpose]:
    """Every purpose with its legal basis (the configuration), in ``language``."""
    data = _load()
    cats = data["categories"]
    return [
        Purpose(
            code=p["code"],
            name=_text(p["name"], language),
            legal_basis_article=article_text(p["legal_basis"]["article"], language),
            legal_basis=_text(p["legal_basis"]["text"], language),
            persons=[_text(cats["persons"][c], language) for c in p.get("persons", [])],
            data=[_text(cats["data"][c], language) for c in p.get("data", [])],
            recipients=[_text(data["recipients"][c], language) for c in p.get("recipients", [])],
            retention=retention_text(p.get("retention")),
        )
        for p in data["purposes"]
    ]


def legal_basis(code: str) -> str | None:
    """The legal basis article of a purpose code (e.g. "pathway"), or None."""
    for purpose in _load()["purposes"]:
        if purpose["code"] == code:
            return purpose["legal_basis"]["article"]
    return None


def record(language: str) -> dict[str, Any]:
    """The whole record of processing, localised: what the Art. 30 page shows."""
    data = _load()
    return {
        "controller": _text(data["controller"], language),
        "purposes": purposes(language),
        "persons": [_text(v, language) for v in data["categories"]["persons"].values()],
        "data": [_text(v, language) for v in data["categories"]["data"].values()],
        "recipients": [_text(v, language) for v in data["recipients"].values()],
        "transfers": _text(data["transfers"], language),
        "security": [_text(v, language) for v in data["security"]],
        "retention": [(label, retention_text(setting)) for setting, label in RETENTION_SETTINGS.items()],
    }
