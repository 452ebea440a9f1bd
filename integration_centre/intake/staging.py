"""The import store: an uploaded list kept sealed between upload and the end of its import.

A list names people (names, dates of birth, national numbers): it is never on disk in clear.
The upload stays in memory during the request (``core.uploads``); it is then sealed with
AES-256-GCM under a random key of its own (associated data: the upload's id), written to
``IMPORT_DIR`` (default ``<instance>/imports``, owner-only) as ``<id>.sealed``, and the key is
kept in the upload's row wrapped by the keyring (``privacy.sealed``, purpose
``intake-upload-key``, bound to the row). Reading decrypts into memory only.

``destroy`` deletes the file and forgets the wrapped key (a copy of the file made meanwhile is
unreadable); it runs when the import ends, when the agent abandons it, and for every upload left
unfinished longer than ``STALE_AFTER`` (``sweep``, run by the worker).
"""

from __future__ import annotations

import io
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from integration_centre.intake.models import ImportUpload
from integration_centre.privacy import sealed

KEY_PURPOSE = "intake-upload-key"
NAME_PURPOSE = "intake-upload-name"
SUFFIX = ".sealed"
NONCE_BYTES = 12
STALE_AFTER = timedelta(hours=24)


def store_dir() -> Path:
    """The import store's folder (created owner-only on first use)."""
    folder = Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def path_of(upload: ImportUpload) -> Path:
    """The sealed file of ``upload``."""
    return store_dir() / f"{upload.id.hex}{SUFFIX}"


def _bound(upload: ImportUpload) -> str:
    return sealed.owner("intake_upload", upload.id)


def _aad(upload: ImportUpload) -> bytes:
    return f"intake_upload:{upload.id}".encode()


def seal_name(upload: ImportUpload, filename: str) -> None:
    """Keep the file's name sealed in the row."""
    upload.filename_sealed = sealed.seal(NAME_PURPOSE, _bound(upload), filename.encode("utf-8"))


def filename(upload: ImportUpload) -> str:
    """The uploaded file's name."""
    return sealed.unseal(NAME_PURPOSE, _bound(upload), upload.filename_sealed).decode("utf-8")


def store(upload: ImportUpload, content: bytes) -> None:
    """Seal ``content`` under a new random key and write it (the row keeps the wrapped key)."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(NONCE_BYTES)
    blob = nonce + AESGCM(key).encrypt(nonce, content, _aad(upload))
    upload.wrapped_key = sealed.seal(KEY_PURPOSE, _bound(upload), key)
    path = path_of(upload)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)


def open_stream(upload: ImportUpload) -> io.BytesIO | None:
    """The file's content, decrypted in memory; None when it was destroyed."""
    if upload.wrapped_key is None:
        return None
    try:
        blob = path_of(upload).read_bytes()
    except FileNotFoundError:
        return None
    key = sealed.unseal(KEY_PURPOSE, _bound(upload), upload.wrapped_key)
    return io.BytesIO(AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(upload)))


def destroy(upload: ImportUpload) -> None:
    """Delete the sealed file and forget its key (the caller commits)."""
    path_of(upload).unlink(missing_ok=True)
    upload.wrapped_key = None


def stray_files(known: set[str], older_than: timedelta = timedelta(hours=1)) -> list[Path]:
    """Files of the store, older than ``older_than``, whose upload id is not in ``known`` (hex
    ids): left by a crash or a refused request (a younger one may belong to a request in flight)."""
    limit = time.time() - older_than.total_seconds()
    return [
        path
        for path in store_dir().glob(f"*{SUFFIX}")
        if path.name.removesuffix(SUFFIX) not in known and path.stat().st_mtime < limit
    ]
