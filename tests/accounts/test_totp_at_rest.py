"""Issue 15, finding 3: a database file, its WAL or a dump, plus one password, must not defeat
two-step login. The TOTP secret is stored only encrypted (AES-GCM under a keyring key, bound to
the user id); recovery codes only as a keyed hash (HMAC under a keyring key), never a plain
SHA-256 that can be brute-forced offline."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from integration_centre.accounts import totp
from integration_centre.accounts.models import RecoveryCode, Role, User
from integration_centre.extensions import db
from integration_centre.privacy import backup
from integration_centre.privacy.errors import DecryptionError
from tests.conftest import TEST_PASSWORD, is_postgres, login
from tests.privacy.markers import database_bytes, find_markers


def secret_forms(secret: str) -> dict[str, bytes]:
    """The byte patterns of a TOTP secret beyond its text: the raw key, in hex and base64."""
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return {
        "raw": raw,
        "raw hex": raw.hex().encode(),
        "raw HEX": raw.hex().upper().encode(),
        "raw base64": base64.b64encode(raw).rstrip(b"="),
        "raw base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
    }


def leaks(blob: bytes, secret: str) -> list[str]:
    """Every encoding under which ``secret`` appears in ``blob`` (empty: none)."""
    hits = find_markers(blob, [secret])  # base32 text: UTF-8/16, any case, hex, base64
    hits += [name for name, pattern in secret_forms(secret).items() if pattern in blob]
    return hits


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def _plain_dump(path: Path) -> bytes:
    """A backup as bytes to scan: a SQLite file as is, a pg_dump custom archive (compressed)
    turned back into plain SQL by pg_restore."""
    if path.read_bytes()[:5] != b"PGDMP":
        return path.read_bytes()
    binary = shutil.which("pg_restore")
    assert binary, "pg_restore is not installed"
    return subprocess.run([binary, "-f", "-", str(path)], check=True, capture_output=True, timeout=120).stdout


def _admin_with_totp(make_user) -> tuple[User, str, list[str]]:
    admin = make_user(Role.ADMIN)
    secret = totp.new_secret()
    codes = totp.enable(admin, secret)
    db.session.commit()
    return admin, secret, codes


def test_admin_totp_secret_is_in_no_database_file_wal_or_dump(app, client, db_url, make_user, tmp_path):
    admin, secret, codes = _admin_with_totp(make_user)
    # a login writes the user row again (last TOTP counter): still no secret in clear
    assert login(client, admin).status_code == 302
    assert client.get("/admin/users").status_code == 200
    db.session.commit()
    scanned = {"live database": database_bytes(db_url)}  # SQLite file + WAL, or a plain pg_dump
    target = backup.create(tmp_path / "backup")  # integration-centre backup create
    scanned["backup"] = _plain_dump(target)
    assert all(len(blob) > 1000 for blob in scanned.values())
    for name, blob in scanned.items():
        assert leaks(blob, secret) == [], name
        # nor the plain SHA-256 of a recovery code (40 bits: brute-forced in seconds offline)
        for code in codes:
            normalised = code.replace("-", "").lower()
            assert hashlib.sha256(normalised.encode()).hexdigest().encode() not in blob, name


def test_the_stored_secret_is_ciphertext_bound_to_the_user(app, make_user):
    admin, secret, _ = _admin_with_totp(make_user)
    other = make_user(Role.AGENT)
    totp.enable(other, totp.new_secret())
    db.session.commit()
    stored = db.session.execute(select(User.__table__).where(User.id == admin.id)).mappings().one()
    assert secret not in str(dict(stored))
    assert admin.totp_secret == secret  # code that may see it gets the decrypted secret
    # the attacker copies the admin's ciphertext onto an account whose password they know
    db.session.execute(
        update(User.__table__).where(User.id == other.id).values(totp_secret_ct=stored["totp_secret_ct"])
    )
    db.session.commit()
    db.session.expire_all()
    victim = db.session.get(User, other.id)
    with pytest.raises(DecryptionError):
        _ = victim.totp_secret
    assert not totp.verify_and_consume(victim, pyotp.TOTP(secret).now())


def test_recovery_codes_are_keyed_hashes_of_high_entropy_codes(app, make_user):
    admin, _, codes = _admin_with_totp(make_user)
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    assert len(stored) == totp.RECOVERY_CODE_COUNT
    for code in codes:
        normalised = code.replace("-", "").lower()
        assert hashlib.sha256(normalised.encode()).hexdigest() not in stored
        # at least 80 bits: base32 characters carry 5 bits each
        assert len(normalised) * 5 >= 80
    assert totp.use_recovery_code(admin, codes[0])
    assert not totp.use_recovery_code(admin, codes[0])
    # a code of one user is no use for another
    other, _, _ = _admin_with_totp(make_user)
    assert not totp.use_recovery_code(other, codes[1])


# Acceptance 3 of issue 15 also asks for mode 0600. Another branch of the same issue makes the
# application create its SQLite files 0600; until that branch is merged this test fails here, so
# it is marked as an expected failure. After the merge it passes: remove the marker then.
def test_sqlite_database_file_is_readable_by_its_owner_only(app, db_url, make_user):
    if is_postgres(db_url):
        pytest.skip("the PostgreSQL server owns its files")
    _admin_with_totp(make_user)
    path = _sqlite_path(db_url)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            mode = stat.S_IMODE(os.stat(candidate).st_mode)
            assert mode & 0o077 == 0, f"{candidate.name} has mode {mode:04o}"


def test_login_with_the_encrypted_secret_still_works(app, client, make_user):
    admin, _, _ = _admin_with_totp(make_user)
    assert login(client, admin, TEST_PASSWORD).status_code == 302
    assert client.get("/admin/users").status_code == 200
    row = db.session.execute(text("SELECT totp_secret_ct FROM user_account WHERE id = :id"), {"id": admin.id}).one()
    assert row[0] is not None
