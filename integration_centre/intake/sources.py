"""Opening an uploaded list safely and reading it row by row, in constant memory.

Checks before anything is parsed, each refusal with its own message (``ImportRefused``):

- the size against ``MAX_IMPORT_MB`` (a larger file is never read);
- the type from the content, not the name: an XLSX is a zip holding ``xl/workbook.xml``; a CSV
  is text (no NUL byte, almost no control character). A binary file named ``.csv``, or a CSV
  named ``.xlsx``, is refused;
- for an XLSX, the zip's central directory before openpyxl sees it: member count, total
  uncompressed size and compression ratio (a "zip bomb" is refused; ``zipfile`` never inflates a
  member past its declared size, so the declared sizes bound the work);
- for a CSV, the encoding: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; the
  delimiter (``,`` ``;`` or tab) from the header line.

A CSV is read with ``csv.reader`` over the stream; an XLSX with openpyxl in read-only mode
(rows streamed, formulas kept as text so they are refused, not evaluated, at most ``MAX_COLUMNS``
columns). Reading stops after ``MAX_EMPTY_RUN`` empty rows in a row (a sheet whose only other
cell is at row 1,048,576 is not walked to the end). Rows are numbered as
a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from integration_centre.config import MEGABYTE
from integration_centre.intake.errors import ImportRefused
from integration_centre.privacy import runtime

DEFAULT_MAX_IMPORT_MB = 50
UNCOMPRESSED_FACTOR = 20  # an XLSX may hold at most this many times the size limit once inflated
MAX_RATIO = 150  # inflated / compressed, for any member larger than 1 MB
MAX_MEMBERS = 2000
MAX_COLUMNS = 200
MAX_EMPTY_RUN = 10_000  # rows read past the last non-empty one before the list is taken as ended
CHUNK = 1 << 16
DELIMITERS = (";", ",", "\t")
DIGEST_PURPOSE = "intake-file-digest"


def max_import_bytes() -> int:
    """The largest file an import accepts (``MAX_IMPORT_MB``, 50 MB by default)."""
    return int(current_app.config.get("MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT_MB * MEGABYTE))


@dataclass
class Source:
    """An opened list: its kind, how it is read, a keyed digest of its bytes, an estimate of its rows."""

    stream: BinaryIO
    kind: str  # "csv" or "xlsx"
    digest: str
    encoding: str | None = None
    delimiter: str | None = None
    estimated_rows: int | None = None

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, cells) for every non-empty row, the header first."""
        reader = self._csv_rows() if self.kind == "csv" else self._xlsx_rows()
        empty_run = 0
        try:
            for number, cells in reader:
                if any(cell not in (None, "") for cell in cells):
                    empty_run = 0
                    yield number, cells[:MAX_COLUMNS]
                else:
                    empty_run += 1
                    if empty_run > MAX_EMPTY_RUN:  # formatted empty rows, or a sparse-sheet trap
                        return
        finally:
            reader.close()

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        self.stream.seek(0)
        handle = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        try:
            yield from enumerate(csv.reader(handle, delimiter=self.delimiter), start=1)
        except csv.Error as exc:
            raise ImportRefused(
                _("The file is not a readable list (a cell is too long or badly quoted)."), "csv"
            ) from exc
        finally:
            if not self.stream.closed:  # leave the caller's stream open
                handle.detach()

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        from openpyxl import load_workbook

        self.stream.seek(0)
        try:
            workbook = load_workbook(self.stream, read_only=True, data_only=False, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportRefused(_("The spreadsheet cannot be read: save it again as .xlsx or as CSV."), "xlsx") from exc
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                yield number, list(cells)
        except Exception as exc:  # a sheet broken after its first rows
            raise ImportRefused(_("The spreadsheet cannot be read: save it again as .xlsx or as CSV."), "xlsx") from exc
        finally:
            workbook.close()


def open_source(stream: BinaryIO, filename: str) -> Source:
    """Check ``stream`` (a seekable binary file) and say how to read it; refuse with a reason."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    limit = max_import_bytes()
    if size > limit:
        raise ImportRefused(
            _("The file is larger than %(limit)s MB: split it into smaller lists.", limit=limit // MEGABYTE),
            "too_large",
        )
    if size == 0:
        raise ImportRefused(_("The file is empty."), "empty")
    stream.seek(0)
    head = stream.read(CHUNK)
    name = (filename or "").lower()
    is_zip = head.startswith(b"PK\x03\x04")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_("Old Excel files (.xls) are not accepted: save the list as .xlsx or as CSV."), "xls")
    if is_zip:
        if not name.endswith(".xlsx"):
            raise ImportRefused(_("The file's content is not a text list although its name says so."), "binary")
        check_zip(stream, limit)
        return Source(stream, "xlsx", _digest(stream))
    if name.endswith(".xlsx"):
        raise ImportRefused(_("The file is named .xlsx but is not an Excel workbook."), "binary")
    if not (name.endswith(".csv") or name.endswith(".txt") or name.endswith(".tsv")):
        raise ImportRefused(_("Only CSV and XLSX files can be imported."), "type")
    encoding = _encoding(stream, head)
    delimiter = _delimiter(head, encoding)
    digest, lines = _digest_and_lines(stream)
    return Source(stream, "csv", digest, encoding, delimiter, max(lines - 1, 0))


def check_zip(stream: BinaryIO, limit: int) -> None:
    """Refuse a zip that is not a workbook or that would inflate beyond reason (before openpyxl)."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise ImportRefused(_("The spreadsheet is damaged (not a valid .xlsx)."), "xlsx") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS or "xl/workbook.xml" not in {m.filename for m in members}:
            raise ImportRefused(_("The file is not an Excel workbook (.xlsx)."), "xlsx")
        total = sum(m.file_size for m in members)
        bomb = total > UNCOMPRESSED_FACTOR * limit or any(
            m.file_size > MEGABYTE and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members
        )
        if bomb:
            raise ImportRefused(
                _("The spreadsheet would expand to far more than its size (a 'zip bomb'): it was refused."),
                "zip_bomb",
            )


def _is_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 0x20 and byte not in (9, 10, 12, 13))
    return controls > max(2, len(head) // 200)


def _encoding(stream: BinaryIO, head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif _is_binary(head):
        raise ImportRefused(_("The file is not a text list (CSV): it holds binary data."), "binary")
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8-sig" if _decodes(stream, "utf-8") else "cp1252"
    if not _decodes(stream, encoding):
        raise ImportRefused(
            _("The file's characters cannot be read: save it as CSV UTF-8 (or Windows-1252)."), "encoding"
        )
    return encoding


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK):
            text = decoder.decode(chunk)
            if "\x00" in text:
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(head: bytes, encoding: str) -> str:
    first = head.decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()[0:1]
    line = first[0] if first else ""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _digest_and_lines(stream: BinaryIO) -> tuple[str, int]:
    key = runtime.keyring().derived_key(DIGEST_PURPOSE)
    mac = hmac.new(key, digestmod=hashlib.sha256)
    lines = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        mac.update(chunk)
        lines += chunk.count(b"\n")
    return mac.hexdigest(), lines + 1


def _digest(stream: BinaryIO) -> str:
    return _digest_and_lines(stream)[0]
