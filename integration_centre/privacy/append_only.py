"""Append-only JSON-lines files kept outside the database, next to the keyring.

The erasure ledger and the audit checkpoints are such files: each line is one JSON object
sealed with an HMAC under the keyring's audit key (the message of each kind starts with its own
label, so a line of one file never verifies as a line of the other), the file is created with
mode 0600 and only ever appended to. A database backup never contains them: they are backed up
with the keyring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from integration_centre.privacy import runtime


def line_mac(label: str, *parts: Any) -> str:
    """HMAC-SHA256 under the audit key of ``label|part|part…``: a line added or edited by hand fails."""
    message = "|".join([label, *(str(part) for part in parts)]).encode()
    return hmac.new(runtime.keyring().audit_key, message, hashlib.sha256).hexdigest()


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or ``None`` when the line is not JSON) of every non-blank line.

    An absent file has no lines.
    """
    if not path.exists():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, None


def append_lines(path: Path, objects: Iterable[dict], *, fsync: bool = True) -> int:
    """Append one JSON line per object (file created with mode 0600); returns how many.

    One ``write`` of whole lines on a file opened with ``O_APPEND``, so lines of concurrent
    writers do not interleave. ``fsync`` waits until the lines are on disk; a caller that writes
    often and can afford to lose its last line in a power cut (a periodic checkpoint) skips it.
    """
    text = "".join(json.dumps(obj, separators=(", ", ": ")) + "\n" for obj in objects)
    if not text:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        if fsync:
            os.fsync(handle.fileno())
    return text.count("\n")
