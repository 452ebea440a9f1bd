"""Fill French and Dutch translations into the catalogs from a JSON file.

    python scripts/fill_translations.py FILE.json    # {"msgid": {"fr": "...", "nl": "..."}}
    python scripts/fill_translations.py --missing    # list msgids still untranslated in fr or nl

Plural entries take a list per language (``{"fr": ["un", "%(num)d"], ...}``). Only entries whose
translation is empty (or fuzzy) are filled; existing translations are kept. English needs none:
an empty English msgstr shows the msgid. Run ``scripts/i18n.sh compile`` afterwards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGS = Path(__file__).resolve().parent.parent / "integration_centre" / "translations"
LOCALES = ("fr", "nl")


def _path(locale: str) -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / "messages.po"


def _load(locale: str):
    with _path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _untranslated(message) -> bool:
    if not message.id:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return message.fuzzy or not all(strings)


def missing() -> int:
    """Print the msgids without a translation; return how many."""
    count = 0
    for locale in LOCALES:
        for message in _load(locale):
            if _untranslated(message):
                count += 1
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                print(f"{locale}\t{key}")
    return count


def fill(source: Path) -> None:
    """Fill the untranslated entries that ``source`` translates."""
    table = json.loads(source.read_text(encoding="utf-8"))
    for locale in LOCALES:
        catalog = _load(locale)
        filled = 0
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if not _untranslated(message) or key not in table or locale not in table[key]:
                continue
            value = table[key][locale]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
            filled += 1
        with _path(locale).open("wb") as handle:
            write_po(handle, catalog, width=100)
        print(f"{locale}: {filled} filled")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--missing":
        sys.exit(1 if missing() else 0)
    fill(Path(sys.argv[1]))
