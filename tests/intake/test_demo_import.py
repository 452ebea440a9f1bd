"""The demo's commune list: fictitious people with valid national numbers, imported once at the
demo office (the imports page is not empty), with the two lines its report flags."""

from __future__ import annotations

from integration_centre.accounts.models import Role
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.intake import demo
from integration_centre.intake.models import ImportMapping, ImportUpload
from integration_centre.pathway.niss import is_valid


def test_the_demo_list_is_imported_once_at_the_demo_office(app, org, make_user):
    org["office"].name = "Bureau d'accueil de Namur"
    db.session.commit()
    make_user(Role.AGENT)
    report = DemoReport(password="x")
    demo.load(report)
    db.session.commit()
    upload = db.session.query(ImportUpload).one()
    assert upload.status == "completed" and upload.wrapped_key is None
    assert upload.run.rows_created == 13
    codes = {(i["line"], i["code"]) for i in upload.run.report["errors"] + upload.run.report["warnings"]}
    assert (9, "invalid_niss") in codes and (16, "duplicate_in_file") in codes
    assert db.session.query(ImportMapping).one().name == demo.PRESET
    demo.load(DemoReport(password="x"))  # idempotent
    assert db.session.query(ImportUpload).count() == 1


def test_the_demo_national_numbers_are_valid_except_the_flagged_one():
    lines = demo.DEMO_FILE.read_text(encoding="utf-8").splitlines()[1:]
    numbers = [line.split(";")[5] for line in lines]
    assert [n for n in numbers if not is_valid(n)] == [numbers[7]]
