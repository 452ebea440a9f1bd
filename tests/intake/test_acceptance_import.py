"""Acceptance 1 (issue 18): valid rows, an invalid national number, an unknown municipality, a
duplicate of an existing file, a duplicate within the file and an impossible date, as UTF-8 (with
and without BOM, ``;`` or tab), Windows-1252 (``,``) and XLSX: the dry run names each problem with
its line; confirming writes exactly the valid rows; importing again writes nothing."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from integration_centre.extensions import db
from integration_centre.intake import services
from integration_centre.intake.models import ImportRun
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from tests.intake.conftest import CREATED, ERRORS, PERSONAL, VARIANTS, WARNINGS, counts


def _run(agent, office, name: str, content: bytes, **options):
    return services.run_import(agent, office, io.BytesIO(content), name, batch_size=3, **options)


def _assert_no_personal_data(report) -> None:
    stored = json.dumps(db.session.get(ImportRun, uuid.UUID(report.run_id)).report, ensure_ascii=False)
    printed = json.dumps(report.as_dict(), ensure_ascii=False) + report.text()
    for value in PERSONAL:
        assert value not in stored and value not in printed, value


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_dry_run_then_import_then_import_again(variant, agent, org, existing):
    name, build = VARIANTS[variant]
    content = build()
    office = org["office"]
    before = counts()

    dry = _run(agent, office, name, content, dry_run=True)

    assert {issue.line: issue.code for issue in dry.errors} == ERRORS
    assert {issue.line: issue.code for issue in dry.warnings} == WARNINGS
    assert next(i for i in dry.warnings if i.line == 7).other_line == 2
    assert {i.line: (i.field, i.column) for i in dry.errors} == {
        4: ("niss", "NISS"),
        5: ("municipality_code", "Commune"),
        9: ("date_of_birth", "Date de naissance"),
    }
    assert dry.created.lines() == CREATED
    assert dry.rows_read == 8
    assert dry.status == "dry_run"
    assert counts()["newcomers"] == before["newcomers"] and counts()["rows"] == 0
    _assert_no_personal_data(dry)

    done = _run(agent, office, name, content)

    assert done.status == "completed"
    assert done.created.lines() == CREATED
    assert {issue.line for issue in done.errors} == set(ERRORS)
    assert counts()["newcomers"] == before["newcomers"] + len(CREATED)
    assert counts()["rows"] == len(CREATED)
    _assert_no_personal_data(done)
    created = db.session.scalars(db.select(Newcomer).where(Newcomer.id != existing.id)).all()
    with access(agent, "test", [n.id for n in created]):
        names = sorted((n.family_name, n.given_names, n.municipality_code, n.residence_category) for n in created)
        assert names == [
            ("Ahmadi", "Farid", "92094", "subsidiary_protection"),
            ("Al-Hassan", "Amira", "92094", "refugee"),
            ("Öztürk", "Müge Zoë", "92094", "temporary_protection"),
        ]
        amira = next(n for n in created if n.given_names == "Amira")
        assert amira.languages == ["ar", "en"] and amira.phone == "+32 470 12 34 56"

    again = _run(agent, office, name, content)

    assert again.created.count == 0
    assert again.already_imported.lines() == CREATED
    assert counts()["newcomers"] == before["newcomers"] + len(CREATED)
    assert counts()["rows"] == len(CREATED)


def test_another_encoding_of_the_same_list_adds_nothing(agent, org, existing):
    office = org["office"]
    first = _run(agent, office, *[VARIANTS["utf8-semicolon"][0], VARIANTS["utf8-semicolon"][1]()])
    assert first.created.lines() == CREATED
    for variant in ("windows-1252-comma", "xlsx"):
        name, build = VARIANTS[variant]
        again = _run(agent, office, name, build())
        assert again.created.count == 0, variant
        assert again.already_imported.lines() == CREATED, variant
    assert counts()["rows"] == len(CREATED)


def test_the_command_line_imports_and_exits_non_zero_with_the_report(app, agent, org, existing, tmp_path):
    name, build = VARIANTS["windows-1252-comma"]
    path = tmp_path / name
    path.write_bytes(build())
    runner = app.test_cli_runner()
    base = ["import", str(path), "--office", str(org["office"].id), "--agent", agent.email]

    dry = runner.invoke(args=[*base, "--dry-run", "--json"])
    assert dry.exit_code == 1, dry.output
    report = json.loads(dry.stdout[dry.stdout.index("{") :])
    assert report["created"]["count"] == len(CREATED)
    assert {e["line"]: e["code"] for e in report["errors"]} == ERRORS
    assert counts()["rows"] == 0

    done = runner.invoke(args=[*base, "--save-mapping", "Commune de Namur", "--default", "residence_category=refugee"])
    assert done.exit_code == 1, done.output
    assert "line 4" in done.stdout and "invalid_niss" in done.stdout
    assert counts()["rows"] == len(CREATED)

    again = runner.invoke(args=[*base, "--mapping", "Commune de Namur"])
    assert again.exit_code == 1
    assert counts()["rows"] == len(CREATED)
    preset = services.get_mapping(org["office"], "Commune de Namur")
    assert preset.columns["nom"] == "family_name" and preset.defaults == {"residence_category": "refugee"}


def test_an_agent_of_another_office_may_not_import_there(make_user, org):
    from werkzeug.exceptions import NotFound

    from integration_centre.accounts.models import Role

    stranger = make_user(Role.AGENT, office_id=org["other_office"].id)
    name, build = VARIANTS["utf8-semicolon"]
    with pytest.raises(NotFound):
        _run(stranger, org["office"], name, build(), dry_run=True)
    assert counts() == {"newcomers": 0, "rows": 0, "runs": 0}
