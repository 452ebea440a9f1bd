"""How far the catalogues translate the space (twelve languages) and the staff interface (fr, nl).

The space's strings are the messages of the catalogue template (``translations/messages.pot``,
written by ``scripts/i18n.sh``) with a location in the space's templates (``templates/space/``),
code (``integration_centre/space/``) or the form macros its pages use; the staff interface's
strings are those used anywhere else. A message is translated when its ``msgstr`` (every plural
form) is non-empty and not fuzzy; English is the language of the msgids themselves, so every
English message counts as translated.
A translation must keep the msgid's placeholders (``%(name)s``): ``placeholder_problems`` says
where one does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

SPACE_LOCATIONS = (
    "templates/space/",
    "integration_centre/space/",
    "templates/macros/forms.html",  # the form macros the space's forms use (their error texts)
)
SOURCE_LOCALE = "en"  # the msgids are English
STAFF_TRANSLATED_LOCALES = ("fr", "nl")
# Staff-facing files inside the space's folders (the office's pages of the space package, the
# panels of the case page): their strings need fr and nl only, like the rest of the staff interface.
STAFF_FACING = re.compile(r"(?:^|[/_])(?:admin|office|staff|agent|panel|panels)(?:[/_.]|s?\.)")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]")


def message_key(message: Message) -> str:
    """A message's msgid (the singular of a plural message)."""
    return message.id[0] if isinstance(message.id, tuple | list) else message.id


def is_space_location(filename: str) -> bool:
    """True for a person-facing file of the space (its templates or its package; a file or folder
    named for the office, the admin, the staff, an agent or a panel is staff-facing)."""
    path = filename.replace("\\", "/").removeprefix("./")
    if not path.startswith(SPACE_LOCATIONS):
        return False
    inside = path.split("/", 2)[-1]
    return STAFF_FACING.search(inside) is None


def is_translated(message: Message) -> bool:
    """Every form of the translation is non-empty, and it is not fuzzy."""
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(s and s.strip() for s in strings) and not message.fuzzy


@lru_cache(maxsize=64)
def _read(path: str, mtime: float, locale: str | None) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """A .po or .pot file, read once per change of the file."""
    return _read(str(path), path.stat().st_mtime, locale)


def template_messages(translations: Path) -> tuple[set[str], set[str]]:
    """(space msgids, staff msgids) from the locations of the catalogue template."""
    space: set[str] = set()
    staff: set[str] = set()
    for message in read_catalog(translations / "messages.pot"):
        if not message.id:
            continue
        key = message_key(message)
        for filename, _line in message.locations:
            (space if is_space_location(filename) else staff).add(key)
    return space, staff


def _placeholders(text: str) -> set[str]:
    return {match.group(1) or match.group(0) for match in PLACEHOLDER.finditer(text or "")}


def placeholder_problems(message: Message) -> list[str]:
    """Where a translation's placeholders differ from the msgid's (empty when they match).

    A singular translation has exactly the msgid's placeholders. A plural translation's forms
    use only the msgids' placeholders, and its last form (``other``) uses them all — a form for
    one item may write the number in words.
    """
    if not is_translated(message):
        return []
    if isinstance(message.id, tuple | list):
        expected = _placeholders(message.id[0]) | _placeholders(message.id[1])
        forms = list(message.string)
        problems = [
            f"form {index}: unknown {sorted(_placeholders(form) - expected)}"
            for index, form in enumerate(forms)
            if _placeholders(form) - expected
        ]
        missing = _placeholders(message.id[1]) - _placeholders(forms[-1])
        if missing:
            problems.append(f"last form: missing {sorted(missing)}")
        return problems
    expected = _placeholders(message.id)
    found = _placeholders(message.string)
    if found == expected:
        return []
    return [f"expected {sorted(expected)}, found {sorted(found)}"]


@dataclass
class Coverage:
    """One language's coverage of a set of messages."""

    code: str
    name: str
    total: int
    missing: list[str] = field(default_factory=list)
    placeholder_errors: list[str] = field(default_factory=list)

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def complete(self) -> bool:
        return not self.missing and not self.placeholder_errors


def coverage(translations: Path, locale: str, name: str, msgids: Iterable[str]) -> Coverage:
    """How many of ``msgids`` the ``locale`` catalogue translates, and which it misses."""
    wanted = sorted(set(msgids))
    if locale == SOURCE_LOCALE:
        return Coverage(locale, name, len(wanted))
    path = translations / locale / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return Coverage(locale, name, len(wanted), missing=wanted)
    catalog = read_catalog(path, locale)
    missing: list[str] = []
    errors: list[str] = []
    for msgid in wanted:
        message = catalog.get(msgid)
        if message is None or not is_translated(message):
            missing.append(msgid)
            continue
        errors.extend(f"{msgid!r}: {problem}" for problem in placeholder_problems(message))
    return Coverage(locale, name, len(wanted), missing, errors)


@dataclass(frozen=True)
class Status:
    """The translation-status page: the space per language, the staff interface in fr and nl."""

    space: list[Coverage]
    staff: list[Coverage]


def translation_status(translations: Path, space_locales: Mapping[str, str], staff_names: Mapping[str, str]) -> Status:
    """The coverage of the space's strings in each of ``space_locales`` (code → name), and of the
    staff interface's strings in French and Dutch."""
    space_ids, staff_ids = template_messages(translations)
    return Status(
        space=[coverage(translations, code, name, space_ids) for code, name in space_locales.items()],
        staff=[
            coverage(translations, code, staff_names.get(code, code), staff_ids) for code in STAFF_TRANSLATED_LOCALES
        ],
    )
