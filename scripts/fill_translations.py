"""Fill translations into the catalogs from JSON files, then compile the .mo files.

    python scripts/fill_translations.py FILE.json [FILE.json …]  # {"msgid": {"fr": "…", "nl": "…", "ar": "…"}}
    python scripts/fill_translations.py --pending               # every i18n-pending/*.json
    python scripts/fill_translations.py --missing               # msgids still untranslated in fr or nl
    python scripts/fill_translations.py --missing-space         # the space's msgids untranslated in a language

Every catalog of ``integration_centre/translations`` is filled (fr nl and the space's languages
ar fa ps ti uk ru tr es so); English needs none (an empty English msgstr shows the msgid), so an
``en`` key is ignored. Only entries whose translation is empty (or fuzzy) are filled: existing
translations are kept. A translation that loses or adds a placeholder (``%(name)s``) is refused
and reported. Plural entries take a list per language (``{"fr": ["un", "%(num)d"], …}``); a list
shorter than the language's plural forms (Arabic has six) repeats its last form.

A msgid of a JSON file missing from the catalogs is reported: run ``scripts/i18n.sh`` first
(it extracts the messages and updates every catalog), then this script. The .mo files are
compiled at the end (``--no-compile`` to skip). The lead, after merging the helpers' branches:

    scripts/i18n.sh && python scripts/fill_translations.py --pending
    python scripts/fill_translations.py --missing-space   # nothing left: every space string translated
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "integration_centre" / "translations"
PENDING = ROOT / "i18n-pending"
SOURCE_LOCALE = "en"
STAFF_LOCALES = ("fr", "nl")


def _status_module():
    """integration_centre/space/translation_status.py, loaded alone (it needs Babel only)."""
    path = ROOT / "integration_centre" / "space" / "translation_status.py"
    spec = importlib.util.spec_from_file_location("translation_status", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


status = _status_module()


def locales() -> list[str]:
    """Every catalog's language, English last (it is filled by nobody)."""
    found = sorted(p.parent.parent.name for p in CATALOGS.glob("*/LC_MESSAGES/messages.po"))
    return [code for code in found if code != SOURCE_LOCALE] + ([SOURCE_LOCALE] if SOURCE_LOCALE in found else [])


def _path(locale: str, suffix: str = "po") -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / f"messages.{suffix}"


def _load(locale: str):
    with _path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _untranslated(message) -> bool:
    return bool(message.id) and not status.is_translated(message)


def missing() -> int:
    """Print the msgids without a French or Dutch translation; return how many."""
    count = 0
    for locale in STAFF_LOCALES:
        for message in _load(locale):
            if _untranslated(message):
                count += 1
                print(f"{locale}\t{status.message_key(message)}")
    return count


def missing_space() -> int:
    """Print the space's msgids without a translation (or with a placeholder error) per language."""
    space_ids, _staff = status.template_messages(CATALOGS)
    count = 0
    for locale in locales():
        result = status.coverage(CATALOGS, locale, locale, space_ids)
        for msgid in result.missing:
            print(f"{locale}\tmissing\t{msgid}")
        for error in result.placeholder_errors:
            print(f"{locale}\tplaceholders\t{error}")
        count += len(result.missing) + len(result.placeholder_errors)
    return count


def _value(message, value, plurals: int):
    """The msgstr of ``value`` for ``message``: a tuple of ``plurals`` forms for a plural message."""
    if not isinstance(message.id, tuple | list):
        return value if isinstance(value, str) else None
    forms = [value] if isinstance(value, str) else list(value)
    if not forms or not all(isinstance(form, str) for form in forms):
        return None
    forms = (forms + [forms[-1]] * plurals)[:plurals]
    return tuple(forms)


def fill(sources: list[Path]) -> int:
    """Fill the untranslated entries the ``sources`` translate; return how many problems were seen."""
    table: dict[str, dict] = {}
    for source in sources:
        for msgid, translations in json.loads(source.read_text(encoding="utf-8")).items():
            entry = table.setdefault(msgid, {})
            for locale, value in translations.items():
                if value:  # a later file does not erase an earlier file's translation
                    entry.setdefault(locale, value)
    problems = 0
    known: set[str] = set()
    for locale in locales():
        catalog = _load(locale)
        filled = 0
        for message in catalog:
            if not message.id:
                continue
            key = status.message_key(message)
            known.add(key)
            if locale == SOURCE_LOCALE or not _untranslated(message) or locale not in table.get(key, {}):
                continue
            value = _value(message, table[key][locale], catalog.num_plurals)
            if value is None:
                print(f"{locale}: {key!r}: a plural message needs a list of strings, a singular one a string")
                problems += 1
                continue
            previous, previous_flags = message.string, set(message.flags)
            message.string = value
            message.flags.discard("fuzzy")
            errors = status.placeholder_problems(message)
            if errors:
                message.string, message.flags = previous, previous_flags
                print(f"{locale}: {key!r} refused: {'; '.join(errors)}")
                problems += 1
                continue
            filled += 1
        if filled:
            with _path(locale).open("wb") as handle:
                write_po(handle, catalog, width=100)
        print(f"{locale}: {filled} filled")
    unknown = sorted(set(table) - known)
    for msgid in unknown:
        print(f"not in the catalogs (run scripts/i18n.sh first): {msgid!r}")
    return problems + len(unknown)


def compile_all() -> None:
    """Write every catalog's .mo (as ``pybabel compile``: fuzzy entries left out)."""
    for locale in locales():
        catalog = _load(locale)
        with _path(locale, "mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
    print(f"compiled: {' '.join(locales())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="JSON files of translations")
    parser.add_argument("--pending", action="store_true", help="fill from every i18n-pending/*.json")
    parser.add_argument("--missing", action="store_true", help="list msgids untranslated in fr or nl")
    parser.add_argument("--missing-space", action="store_true", help="list the space's untranslated msgids")
    parser.add_argument("--no-compile", action="store_true", help="leave the .mo files alone")
    args = parser.parse_args(argv)
    if args.missing:
        return 1 if missing() else 0
    if args.missing_space:
        return 1 if missing_space() else 0
    sources = list(args.files) + (sorted(PENDING.glob("*.json")) if args.pending else [])
    if not sources:
        parser.error("give JSON files, or --pending")
    problems = fill(sources)
    if not args.no_compile:
        compile_all()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
