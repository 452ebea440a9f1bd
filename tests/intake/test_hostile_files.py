"""Acceptance 3 (issue 18): hostile files — oversized, an XLSX zip bomb, formula cells, a binary
file named .csv — each refused or neutralised with a clear message, nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest

from integration_centre.intake import services
from integration_centre.intake.errors import ImportRefused
from tests.intake.conftest import HEADER, ROWS, counts, csv_bytes, xlsx_bytes


def _run(agent, office, name: str, content: bytes, **options):
    return services.run_import(agent, office, io.BytesIO(content), name, **options)


def _refused(agent, office, name: str, content: bytes, code: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        _run(agent, office, name, content)
    assert caught.value.code == code
    assert counts() == {"newcomers": 0, "rows": 0, "runs": 0}
    return caught.value


def test_an_oversized_file_is_refused_before_it_is_read(app, agent, org):
    app.config["MAX_IMPORT_BYTES"] = 1024
    content = csv_bytes(dict.fromkeys(range(2, 40), ROWS[2]))
    assert len(content) > 1024

    error = _refused(agent, org["office"], "list.csv", content, "too_large")

    assert "larger than" in error.message


def test_the_size_limit_is_a_setting(db_url, tmp_path):
    from integration_centre.config import ConfigurationError, build_flask_config, read_settings

    settings = read_settings(environ={"INTEGRATION_CENTRE_MAX_IMPORT_MB": "5"})
    assert build_flask_config(settings["settings"], {})["MAX_IMPORT_BYTES"] == 5 * 1024 * 1024
    with pytest.raises(ConfigurationError, match="MAX_IMPORT_MB"):
        settings = read_settings(environ={"INTEGRATION_CENTRE_MAX_IMPORT_MB": "0"})
        build_flask_config(settings["settings"], {})


def _bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * size + b"</sst>")
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it(agent, org, monkeypatch):
    content = _bomb(64 * 1024 * 1024)  # 64 MB of spaces in about 64 kB
    assert len(content) < 200_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    error = _refused(agent, org["office"], "list.xlsx", content, "zip_bomb")

    assert "zip bomb" in error.message


def test_an_xlsx_larger_than_the_limit_once_inflated_is_refused(app, agent, org):
    app.config["MAX_IMPORT_BYTES"] = 64 * 1024  # inflated at most 20 × 64 kB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(range(256)) * 8 * 1024)  # 2 MB, barely compressible

    _refused(agent, org["office"], "list.xlsx", buffer.getvalue(), "zip_bomb")


@pytest.mark.parametrize(
    "payload",
    ["=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"],
)
def test_formula_cells_are_refused_and_nothing_is_written(agent, org, payload):
    rows = {
        2: [payload, *ROWS[2][1:]],
        3: [*ROWS[3][:7], payload, *ROWS[3][8:]],
        4: [*ROWS[8][:5], payload, *ROWS[8][6:]],
    }

    report = _run(agent, org["office"], "list.csv", csv_bytes(rows))

    assert {(i.line, i.code) for i in report.errors} == {(2, "formula"), (3, "formula"), (4, "formula")}
    assert {i.field for i in report.errors} == {"family_name", "address", "niss"}
    assert "formula" in report.errors[0].message
    assert report.created.count == 0
    assert counts()["newcomers"] == 0 and counts()["rows"] == 0


def test_a_formula_cell_of_a_workbook_is_refused_not_evaluated(agent, org):
    rows = {2: ['=HYPERLINK("http://evil.example","x")', *ROWS[2][1:]]}

    report = _run(agent, org["office"], "list.xlsx", xlsx_bytes(rows))

    assert [(i.line, i.code, i.field) for i in report.errors] == [(2, "formula", "family_name")]
    assert counts()["newcomers"] == 0


def test_a_phone_number_with_a_plus_is_not_a_formula(agent, org):
    report = _run(agent, org["office"], "list.csv", csv_bytes({2: ROWS[2]}), dry_run=True)
    assert report.errors == [] and report.created.lines() == [2]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (PNG, "binary"),
        (b"Nom;Prenom\x00\x01\x02\x03\x04\x05\x06\x07\x08" * 50, "binary"),
        (xlsx_bytes({2: ROWS[2]}), "binary"),  # a workbook renamed .csv
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "xls"),  # an old .xls renamed
    ],
    ids=["png", "nul-bytes", "workbook", "old-xls"],  # stable ids: a workbook's bytes hold its build time
)
def test_a_binary_file_named_csv_is_refused(agent, org, content, code):
    error = _refused(agent, org["office"], "list.csv", content, code)
    assert error.message


def test_a_text_file_named_xlsx_and_other_types_are_refused(agent, org):
    _refused(agent, org["office"], "list.xlsx", csv_bytes({2: ROWS[2]}), "binary")
    _refused(agent, org["office"], "list.pdf", b"%PDF-1.7 hello", "type")
    _refused(agent, org["office"], "list.csv", b"", "empty")


def test_undecodable_text_is_refused(agent, org):
    # 0x81 and 0x8d are undefined in Windows-1252 and invalid in UTF-8.
    _refused(agent, org["office"], "list.csv", ";".join(HEADER).encode("cp1252") + b"\r\nA\x81\x8d;B\r\n", "encoding")


def test_a_file_without_recognisable_columns_is_refused(agent, org):
    error = _refused(agent, org["office"], "list.csv", b"foo;bar\r\n1;2\r\n", "columns")
    assert "column names" in error.message
    error = _refused(agent, org["office"], "list.csv", b"Nom;Prenom\r\nA;B\r\n", "columns")
    assert "date of birth" in error.message


def test_the_command_line_refuses_with_exit_code_2(app, agent, org, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(PNG)

    result = app.test_cli_runner().invoke(
        args=["import", str(path), "--office", str(org["office"].id), "--agent", agent.email]
    )

    assert result.exit_code == 2
    assert "binary" in result.output
    assert counts() == {"newcomers": 0, "rows": 0, "runs": 0}


def test_a_sparse_sheet_is_not_walked_to_its_last_row(agent, org):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROWS[3])
    sheet["XFD1048000"] = "far away"
    buffer = io.BytesIO()
    book.save(buffer)

    report = _run(agent, org["office"], "list.xlsx", buffer.getvalue(), dry_run=True)

    assert report.created.lines() == [2] and report.errors == []
