"""Demo import (fictitious people): the commune of Namur's list (``demo/liste-namur-novembre.csv``,
synthetic names and national numbers with valid check digits) uploaded, checked and imported at
the demo office, so the imports page shows one completed import with its report (a national
number with wrong check digits, a line given twice).

Idempotent: nothing is added when the office already has an import.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.intake import uploads
from integration_centre.intake.models import ImportUpload

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "liste-namur-novembre.csv"
PRESET = "Liste de la commune de Namur"


def load(report) -> None:
    """Upload, check and import the demo list at the demo office."""
    office = demo_office()
    if office is None:
        return
    if db.session.scalar(select(func.count(ImportUpload.id)).where(ImportUpload.office_id == office.id)):
        return
    agent = db.session.scalar(
        select(User).where(User.office_id == office.id, User.role == Role.AGENT, User.is_enabled).order_by(User.id)
    )
    if agent is None:
        return
    upload = uploads.stage(agent, office, DEMO_FILE.name, DEMO_FILE.read_bytes())
    uploads.set_columns(agent, upload, [c["field"] for c in upload.columns], save_as=PRESET)
    db.session.commit()
    uploads.dry_run(agent, upload)
    uploads.confirm(agent, db.session.get(ImportUpload, upload.id))
    done = db.session.get(ImportUpload, upload.id)
    report.count("imports", 1)
    report.count("imported files", done.run.rows_created if done.run else 0)
