"""The ONE CSV writer of the application: every field quoted, no cell a spreadsheet would run.

OWASP "CSV injection": a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula for Excel, LibreOffice and Google Sheets. Every field is quoted
(``csv.QUOTE_ALL``), and in every text cell each formula character that could begin a cell gets
a leading apostrophe: at the start (after spaces), and after any character a spreadsheet set to
another separator could split on (``,`` ``;`` tab ``"``) — so ``Dupont,=2+5+cmd|…`` stays inert
whichever separator the spreadsheet uses. Line breaks inside a value become spaces (no export
needs them, and a reader that splits lines first would start a cell there). The full-width
forms of ``= + - @`` count too. Numbers (not text) are written as they are: ``-3`` is a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response

NEUTRALISER = "'"
# A formula character at the start of the value, or after a character some reader may split a
# cell on (then spaces): the apostrophe goes right before the formula character.
_FORMULA = re.compile(r'(^|[,;\t"])( *)(?=[=+\-@\t\uff1d\uff0b\uff0d\uff20])')
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\v|\f|\x85|\u2028|\u2029")


def safe_cell(value) -> str:
    """The text of one cell, neutralised wherever a spreadsheet could read a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = _LINE_BREAK.sub(" ", str(value))
    return _FORMULA.sub(lambda match: match.group(1) + match.group(2) + NEUTRALISER, text)


def to_csv(rows: Iterable[Sequence], *, delimiter: str = ",") -> str:
    """``rows`` as CSV text: every field quoted and neutralised, CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(
    rows: Iterable[Sequence], filename: str, *, delimiter: str = ",", bom: bool = False, no_store: bool = True
) -> Response:
    """A download of ``rows`` as CSV (``bom`` for spreadsheets that guess the encoding)."""
    body = ("\ufeff" if bom else "") + to_csv(rows, delimiter=delimiter)
    return text_response(body, filename, no_store=no_store)


def text_response(body: str, filename: str, *, no_store: bool = True) -> Response:
    """A download of CSV text made by ``to_csv`` (``no_store``: personal or audit data)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return Response(body, mimetype="text/csv", headers=headers)
