"""Fault drills (issue 19): a gunicorn worker killed mid-write, and a full disk under an upload.

1. Real gunicorn (the shipped configuration, two workers) serves the real application wrapped by
   ``drill_app``: ``/drill/write?rows=N&pause=1`` adds N centres in one transaction, flushes them,
   says so, then waits before committing. The test SIGKILLs that worker mid-write: none of the N
   rows exists afterwards, the database is not locked, the master replaces the worker and the same
   write then commits all N rows. All or nothing.
2. The disk fills while an evidence document is written to the document store: the write raises
   ``OSError(ENOSPC)`` after half the bytes reached the file (injected at the store's file-write
   boundary, ``privacy.blobs``: a tmpfs needs root, which CI does not give). The agent sees a clear
   message on the form; no dispensation, no document row, no file (not even a partial one).
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from integration_centre.accounts.models import Centre
from integration_centre.extensions import db
from integration_centre.pathway.models import Dispensation, EvidenceDocument
from tests.accounts.helpers import fr, page_text
from tests.conftest import TEST_SECRET_KEY, is_postgres, make_app
from tests.keys import TEST_KEYRING
from tests.test_startup_checks import GUNICORN, ROOT, _free_port
from tests.workspace.conftest import agent, agent_client, open_case, register  # noqa: F401 - fixtures

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + b"%" * 4096
DRILL_MARKER = "IC_DRILL_MARKER"
DRILL_CODE = "DRL"
FULL_DISK_MESSAGE = (
    "The document could not be stored: the server has no space left for documents. "
    "Nothing was saved; tell your administrator, then try again."
)


# --- 1. a worker killed mid-write ---------------------------------------------------------------


def drill_app():
    """The real application (settings from the environment) with a slow write in front of it."""
    from urllib.parse import parse_qs

    from integration_centre import create_app

    app = create_app()

    def write(rows: int, pause: bool) -> int:
        with app.app_context():
            for number in range(rows):
                db.session.add(Centre(code=f"{DRILL_CODE}{number:03d}", name=f"Drill centre {number}"))
            db.session.flush()  # the rows are in the database's transaction, not committed
            if pause:
                Path(os.environ[DRILL_MARKER]).write_text(str(os.getpid()))
                time.sleep(60)  # killed here
            db.session.commit()
            return rows

    def application(environ, start_response):
        if environ.get("PATH_INFO") != "/drill/write":
            return app(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        written = write(int(query["rows"][0]), query.get("pause") == ["1"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"written": written}).encode()]

    return application


def _drill_centres(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT COUNT(*) FROM centre WHERE code LIKE :code"), {"code": f"{DRILL_CODE}%"}
            ).scalar()
    finally:
        engine.dispose()


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local http URL
        return response.status, response.read()


@pytest.mark.skipif(is_postgres(os.environ.get("TEST_DATABASE_URL", "")), reason="drilled on the SQLite office set-up")
def test_a_worker_killed_mid_write_leaves_nothing_half_written(tmp_path) -> None:
    from flask_migrate import stamp

    database = f"sqlite:///{tmp_path / 'drill.sqlite'}"
    app = make_app(database, tmp_path / "instance")
    with app.app_context():
        db.create_all()
        stamp(directory=app.extensions["migrate"].directory)
        db.session.remove()
        db.engine.dispose()
    secret = tmp_path / "secret_key"
    secret.write_text(TEST_SECRET_KEY)
    secret.chmod(0o600)
    marker = tmp_path / "mid-write"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
    env.update(
        {
            "INTEGRATION_CENTRE_ENV": "development",
            "INTEGRATION_CENTRE_INSTANCE_PATH": str(tmp_path / "instance"),
            "INTEGRATION_CENTRE_DATABASE_URL": database,
            "INTEGRATION_CENTRE_SECRET_KEY_FILE": str(secret),
            "INTEGRATION_CENTRE_MASTER_KEY": TEST_KEYRING.to_json(),
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
            DRILL_MARKER: str(marker),
        }
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [*GUNICORN, "--bind", f"127.0.0.1:{port}", "--timeout", "120", "tests.test_startup_fault_drills:drill_app()"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:  # wait for the workers
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:  # refused, reset or timed out: not up yet
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.3)

        slow = subprocess.Popen(  # the write that will be cut, from another process (it never answers)
            [
                sys.executable,
                "-c",
                f"import urllib.request; urllib.request.urlopen('{base}/drill/write?rows=50&pause=1')",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not marker.exists():
            assert time.monotonic() < deadline, "the write never reached its pause"
            time.sleep(0.1)
        worker = int(marker.read_text())
        assert worker != server.pid
        os.kill(worker, signal.SIGKILL)
        slow.wait(timeout=30)
        assert slow.returncode != 0  # the client saw the connection drop, not a success

        assert _drill_centres(database) == 0  # nothing of the 50 flushed rows survived
        status, body = _get(f"{base}/drill/write?rows=50", timeout=60)  # the database is not locked
        assert status == 200 and json.loads(body) == {"written": 50}
        assert _drill_centres(database) == 50
        assert _get(f"{base}/healthz")[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert f"Worker (pid:{worker}) was sent SIGKILL" in output or "was sent SIGKILL" in output, output
    assert output.count("Booting worker") >= 3, output  # the killed worker was replaced


# --- 2. disk full under an upload ---------------------------------------------------------------


class _DiskFillsUp(io.RawIOBase):
    """A file whose disk fills after ``room`` bytes: writes them, then fails with ENOSPC."""

    def __init__(self, fd: int, room: int) -> None:
        self.fd, self.room = fd, room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        if len(data) > self.room:
            if self.room:
                os.write(self.fd, data[: self.room])
                self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.write(self.fd, data)
        self.room -= len(data)
        return len(data)


def _store_files(app) -> list[Path]:
    return sorted(Path(app.config["DOCUMENTS_DIR"]).glob("*/*.sealed"))


def _record(client, case):
    data = {"reason": "medical", "start_date": "2025-04-01", "end_date": "", "note": "", "version": str(case.version)}
    data["document"] = FileStorage(io.BytesIO(PDF), filename="certificat.pdf", content_type="application/pdf")
    boundary, body = encode_multipart(data)
    return client.post(
        f"/cases/{case.id}/dispensations/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_full_disk_refuses_the_upload_clearly_and_keeps_nothing(app, agent_client, open_case, monkeypatch):  # noqa: F811
    from integration_centre.privacy import blobs

    case = open_case()
    before = _store_files(app)
    real_fdopen = os.fdopen
    written: list[Path] = []

    def fdopen(fd, mode="r", *args, **kwargs):
        if "w" not in mode:
            return real_fdopen(fd, mode, *args, **kwargs)
        written.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        return io.BufferedWriter(_DiskFillsUp(fd, room=1000), buffer_size=512)

    monkeypatch.setattr(blobs.os, "fdopen", fdopen)
    response = _record(agent_client, case)
    monkeypatch.undo()

    assert response.status_code == 200
    assert fr(FULL_DISK_MESSAGE) in page_text(response)
    assert written, "the upload never reached the document store"
    assert not any(path.exists() for path in written), "a partial file was left in the store"
    assert _store_files(app) == before
    assert db.session.scalar(select(func.count()).select_from(EvidenceDocument)) == 0
    assert db.session.scalar(select(func.count()).select_from(Dispensation)) == 0

    again = _record(agent_client, case)  # space again: the same upload goes through
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EvidenceDocument)) == 1
    assert len(_store_files(app)) == len(before) + 1
