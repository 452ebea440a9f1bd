"""Every string of the space's pages (space-pages) has its eleven translations waiting in
``i18n-pending/space-pages.json``, with the same placeholders — until the catalogues hold them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.extract import extract_from_file

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "nl", "ar", "fa", "ps", "ti", "uk", "ru", "tr", "es", "so")
SOURCES = [
    *(ROOT / "integration_centre" / "space" / name for name in (
        "labels.py", "pathway_view.py", "overview.py", "documents.py", "privacy_notice.py",
        "appointments.py", "contacts.py", "access_log.py", "views_pages.py",
    )),
    *(ROOT / "templates" / "space" / name for name in (
        "_pages.html", "home.html", "steps.html", "appointments.html", "documents.html", "contacts.html",
        "access_log.html", "privacy.html",
    )),
]  # fmt: skip
# The skeleton's strings (the lead's, translated with the entry pages).
SKELETON = {"Leave", "My space"}
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _msgids() -> set[str]:
    found = set()
    for path in SOURCES:
        method = "jinja2.ext:babel_extract" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if path.suffix == ".html" else {}
        for _line, message, _comments, _context in extract_from_file(method, str(path), KEYWORDS, options=options):
            found.add(message if isinstance(message, str) else message[0])
    return found - SKELETON


def test_every_string_of_the_pages_is_translated_in_eleven_languages():
    pending = json.loads((ROOT / "i18n-pending" / "space-pages.json").read_text(encoding="utf-8"))
    msgids = _msgids()
    assert len(msgids) > 100
    assert sorted(msgids - set(pending)) == []
    for msgid in msgids:
        expected = sorted(PLACEHOLDER.findall(msgid))
        for language in LANGUAGES:
            text = pending[msgid].get(language)
            assert text, (msgid, language)
            assert sorted(PLACEHOLDER.findall(text)) == expected, (msgid, language)
