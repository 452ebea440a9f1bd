"""Reusable check that marker values never appear at rest: raw database bytes, dumps, logs, audit.

Usage::

    hits = find_markers(blob, ["Zyxwvutsrq", "85073003328"])
    assert hits == []

Each marker is searched in UTF-8, UTF-16 (LE and BE, no BOM), upper and lower case, hex (lower and
upper) and base64 (with each of the three alignments, so a marker inside a longer base64 string
is found too).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url


def encodings(marker: str) -> dict[str, bytes]:
    """Every byte pattern under which ``marker`` could leak."""
    forms: dict[str, bytes] = {}
    for case_name, text in (("as-is", marker), ("upper", marker.upper()), ("lower", marker.lower())):
        utf8 = text.encode("utf-8")
        forms[f"utf-8/{case_name}"] = utf8
        forms[f"utf-16le/{case_name}"] = text.encode("utf-16-le")
        forms[f"utf-16be/{case_name}"] = text.encode("utf-16-be")
        forms[f"hex/{case_name}"] = utf8.hex().encode()
        forms[f"HEX/{case_name}"] = utf8.hex().upper().encode()
        for shift in range(3):
            # Encode with 0-2 leading bytes, then keep only the characters fully determined by the marker.
            encoded = base64.b64encode(b"\0" * shift + utf8)
            start = (shift * 4 + 2) // 3
            stop = ((shift + len(utf8)) * 4) // 3
            fragment = encoded[start:stop]
            if len(fragment) >= 4:
                forms[f"base64+{shift}/{case_name}"] = fragment
    return forms


def find_markers(data: bytes, markers: Iterable[str]) -> list[str]:
    """``marker: encoding`` for every marker found in ``data`` (empty list: none found)."""
    lowered = data.lower()
    hits = []
    for marker in markers:
        for name, pattern in encodings(marker).items():
            haystack = data if name.startswith(("base64", "HEX", "hex")) else lowered
            needle = pattern if name.startswith(("base64", "HEX", "hex")) else pattern.lower()
            if needle in haystack:
                hits.append(f"{marker}: {name}")
    return hits


def raw_sqlite_bytes(database_url: str) -> bytes:
    """The bytes of an SQLite database file and its WAL/journal (call after committing)."""
    path = Path(make_url(database_url).database)
    data = b""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
        if candidate.exists():
            # Read in another process: opening and closing the file here would drop the POSIX
            # locks SQLite holds on it in this process, and corrupt the database.
            data += subprocess.run(["cat", str(candidate)], check=True, capture_output=True, timeout=60).stdout
    return data


def pg_dump_bytes(database_url: str) -> bytes:
    """A plain-format ``pg_dump`` of a PostgreSQL database."""
    url = make_url(database_url)
    binary = shutil.which("pg_dump")
    assert binary, "pg_dump is not installed"
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    args = [binary, "--no-owner", "-h", url.host or "localhost", "-p", str(url.port or 5432)]
    args += ["-U", url.username or "postgres", url.database]
    return subprocess.run(args, check=True, capture_output=True, env=env, timeout=120).stdout


def database_bytes(database_url: str) -> bytes:
    """Raw SQLite bytes or a pg_dump, whichever the URL names."""
    if database_url.startswith("postgresql"):
        return pg_dump_bytes(database_url)
    return raw_sqlite_bytes(database_url)


def audit_rows_bytes(session) -> bytes:
    """Every column of every audit record, as text."""
    from integration_centre.privacy.models import AuditRecord

    table = AuditRecord.__table__
    rows = session.execute(select(table)).all()
    return "\n".join(repr(tuple(row)) for row in rows).encode("utf-8")
