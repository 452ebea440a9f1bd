"""Issue 17, the committee's pages: only published releases offered (every one answers), words
instead of codes, numbers in the reader's conventions, a contents list, tables that scroll inside
their region, chart labels that can be told apart, and the two CSV files read back."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from babel.numbers import format_decimal
from flask_babel import refresh

from integration_centre.accounts.models import Centre, Office, Role
from integration_centre.extensions import db
from integration_centre.stats import services
from tests.stats.releases_seed import seed

PUBLISHED = {("2026-Q2", "region"), ("2025", "region"), ("2026-Q2", "centre:CAI"), ("2025", "centre:CRIPEL")}
OPTION_RE = re.compile(r'<option value="([^"]+)" data-period="([^"]+)" data-scope="([^"]+)"[^>]*>([^<]*)</option>')
OPTGROUP_RE = re.compile(r'<optgroup label="([^"]+)">')
TD_RE = re.compile(r'<td class="num" data-row="([^"]*)" data-column="([^"]*)" data-value="([^"]*)">([^<]*)</td>')
CODE_RE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b\d{4}-(?:Q[1-4]|0[1-9]|1[0-2])\b|centre:[A-Z]+")
PAGES = ("/statistics/", "/statistics/funnel")


@pytest.fixture
def releases(app, org):
    """Facts of two centres; the region and each centre published for some periods only."""
    liege = Centre(code="CRIPEL", name="Centre régional d'intégration de la province de Liège")
    db.session.add(liege)
    db.session.flush()
    db.session.add(Office(centre_id=liege.id, name="Bureau de Liège", municipality_code="62063"))
    db.session.commit()
    seed(persons=700)
    for period, scope in sorted(PUBLISHED):
        services.publish(period, scope)
    db.session.commit()
    return PUBLISHED


def _language(client, code: str) -> None:
    assert client.post("/language", data={"locale": code}).status_code == 302
    refresh()  # the test's app context outlives the request: forget the locale Flask-Babel cached


def _visible_text(html: str) -> str:
    """The page's text as read on screen: the main content without tags, attributes or scripts."""
    main = html[html.index("<main") : html.index("</main>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def test_the_chooser_offers_every_published_release_and_nothing_else(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    html = client.get("/statistics/").get_data(as_text=True)
    offered = {(period, scope) for _value, period, scope, _text in OPTION_RE.findall(html)}
    assert offered == releases
    # Every centre that has a release is listed, the region first.
    groups = [unescape(label) for label in OPTGROUP_RE.findall(html)]
    assert len(groups) == 3 and groups[0] in ("Wallonie", "Wallonia")
    assert any("Liège" in label for label in groups) and any("Namur" in label for label in groups)
    # Acceptance 5b: every period and scope offered answers, on every page that offers them.
    for page in PAGES:
        page_html = client.get(page).get_data(as_text=True)
        options = OPTION_RE.findall(page_html)
        assert {(p, s) for _v, p, s, _t in options} == releases, page
        for value, period, scope, _text in options:
            assert client.get(page, query_string={"release": unescape(value)}).status_code == 200, (page, value)
            assert client.get(page, query_string={"period": period, "scope": scope}).status_code == 200
            chosen = client.get(page, query_string={"release": unescape(value)}).get_data(as_text=True)
            assert re.search(rf'<option value="{re.escape(value)}"[^>]* selected>', chosen), (page, value)
    # A combination that was never published is not offered, and still answers 404.
    assert ("2025", "centre:CAI") not in releases
    assert client.get("/statistics/", query_string={"release": "2025|centre:CAI"}).status_code == 404
    # The trends page offers the scopes that have a release; each answers.
    trends = client.get("/statistics/trends").get_data(as_text=True)
    scopes = set(re.findall(r'<option value="(region|centre:[A-Z]+)"', trends))
    assert scopes == {scope for _period, scope in releases}
    for scope in scopes:
        assert client.get("/statistics/trends", query_string={"scope": scope}).status_code == 200


def test_pages_show_words_not_codes(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    for language in ("fr", "nl", "en"):
        _pages_show_words_not_codes(client, language)


def _pages_show_words_not_codes(client, language: str) -> None:
    _language(client, language)
    for url in (
        "/statistics/?period=2026-Q2&scope=region",
        "/statistics/?period=2025&scope=centre:CRIPEL",
        "/statistics/funnel?period=2025&scope=region",
        "/statistics/trends",
        "/statistics/methodology",
    ):
        text = _visible_text(client.get(url).get_data(as_text=True))
        assert CODE_RE.findall(text) == [], (language, url, CODE_RE.findall(text)[:10])
    if language == "en":
        dashboard = _visible_text(client.get("/statistics/?period=2026-Q2&scope=region").get_data(as_text=True))
        assert "2nd quarter 2026" in dashboard and "Year 2025" in dashboard
        funnel = _visible_text(client.get("/statistics/funnel?period=2025&scope=region").get_data(as_text=True))
        assert "during Year 2025" in funnel or "Year 2025" in funnel


def test_numbers_follow_the_reader_conventions(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    for language in ("fr", "nl", "en"):
        _numbers_follow(client, language)


def _numbers_follow(client, language: str) -> None:
    _language(client, language)
    html = client.get("/statistics/?period=2025&scope=region").get_data(as_text=True)
    cells = TD_RE.findall(html)
    assert len(cells) > 100
    medians = 0
    for _row, _column, value, shown in cells:
        value, shown = unescape(value), unescape(shown)
        if value == "x":
            assert shown == "x"
        elif "." in value:  # a median, one decimal
            medians += 1
            assert shown == format_decimal(float(value), "#,##0.0", locale=language)
            assert ("," in shown) == (language != "en"), shown
        else:
            assert shown == format_decimal(int(value), locale=language)
    assert medians > 0
    big = [unescape(shown) for _r, _c, value, shown in cells if value.isdigit() and int(value) >= 1000]
    separator = {"fr": "\u202f", "nl": ".", "en": ","}[language]
    assert big and all(separator in shown for shown in big)


def test_the_dashboard_has_a_contents_list_and_tables_that_scroll(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    _language(client, "en")
    html = client.get("/statistics/?period=2025&scope=region").get_data(as_text=True)
    contents = html[html.index('<nav id="contents"') : html.index("</nav>", html.index('<nav id="contents"'))]
    anchors = re.findall(r'href="#([^"]+)"', contents)
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert anchors and all(anchor in ids for anchor in anchors)
    groups = [a for a in anchors if a.startswith("group-")]
    tables = [a for a in anchors if not a.startswith("group-")]
    assert len(groups) >= 4
    assert set(tables) == {
        t["id"] for t in services.release_document(services.live_release("2025", "region"))["tables"]
    }
    # Each group is a heading of level 2, each table a heading of level 3 inside it.
    assert len(re.findall(r'<h2 class="stats-group-title">', html)) == len(groups)
    assert len(re.findall(r'<section id="[^"]+" class="stats-section"', html)) == len(tables)
    assert html.count('href="#contents"') == len(tables)
    # Every data table is in a focusable scrolling region named after it.
    table_count = html.count('<table class="table stats-table"')
    assert table_count >= 10
    regions = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="[^"]+">\s*<table ', html)
    assert len(regions) == table_count
    assert "css/stats.css" in html


def test_chart_labels_can_be_told_apart(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    html = client.get("/statistics/?period=2025&scope=region").get_data(as_text=True)
    for section_id in ("received_centre_status", "agreements_signed"):
        body = html[html.index(f'<section id="{section_id}"') :]
        svg = body[: body.index("</svg>")]
        labels = [unescape(t) for t in re.findall(r'<text x="164"[^>]*><tspan[^>]*>([^<]*)</tspan>', svg)]
        assert labels == ["CAI", "CRIPEL"], (section_id, labels)  # centre codes, not the long names cut
        assert "Centre régional d&#39;intégration de la province de Liège" in svg  # the full name in <title>
    # No chart label anywhere is a long label cut on one line: long labels wrap over tspans.
    for first_line in re.findall(r'text-anchor="end" fill="#0b0c0c"><tspan[^>]*>([^<]*)</tspan>', html):
        assert len(unescape(first_line)) <= 26


def _csv_rows(data: bytes, *, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


def test_the_spreadsheet_csv_follows_the_reader_and_the_machine_csv_stays(releases, login_as):
    client, _user = login_as(Role.COMMITTEE)
    for language, delimiter, decimal in (("fr", ";", ","), ("nl", ";", ","), ("en", ",", ".")):
        _csv_files(client, language, delimiter, decimal)


def _csv_files(client, language: str, delimiter: str, decimal: str) -> None:
    _language(client, language)
    release = services.live_release("2025", "region")
    page = client.get("/statistics/?period=2025&scope=region").get_data(as_text=True)
    assert f"/statistics/releases/{release.id}/spreadsheet.csv" in page
    assert f"/statistics/releases/{release.id}.csv" in page
    # The machine-readable file: codes, commas, no byte order mark, whatever the language.
    machine = client.get(f"/statistics/releases/{release.id}.csv")
    assert machine.status_code == 200 and machine.mimetype == "text/csv"
    assert not machine.data.startswith(b"\xef\xbb\xbf")
    machine_rows = _csv_rows(machine.data, delimiter=",")
    assert machine_rows[0] == [
        "period",
        "scope",
        "table",
        "title",
        "row",
        "row_label",
        "column",
        "column_label",
        "value",
    ]
    machine_cells = [row for row in machine_rows[1:] if len(row) == 9]
    assert {row[0] for row in machine_cells} == {"2025"} and {row[1] for row in machine_cells} == {"region"}
    # The spreadsheet file: a byte order mark, the locale's separator and decimal sign, words only.
    sheet = client.get(f"/statistics/releases/{release.id}/spreadsheet.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    assert f"-{language}.csv" in sheet.headers["Content-Disposition"]
    assert sheet.data.startswith(b"\xef\xbb\xbf")
    text = sheet.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert len(rows[0]) == 6
    if language == "en":
        assert rows[0] == ["Period", "Scope", "Table", "Row", "Column", "Value"]
    cells = [row for row in rows[1:] if len(row) == 6]
    assert len(cells) == len(machine_cells)
    for sheet_row, machine_row in zip(cells, machine_cells, strict=True):
        assert sheet_row[2] == machine_row[3] and sheet_row[3] == machine_row[5] and sheet_row[4] == machine_row[7]
        assert sheet_row[5] == machine_row[8].replace(".", decimal), (sheet_row, machine_row)
        assert CODE_RE.findall(" ".join(sheet_row[:5])) == []
    periods = {row[0] for row in cells}
    assert len(periods) == 1 and (language != "en" or periods == {"Year 2025"})
    assert any("," in row[5] for row in cells) == (decimal == ",")
    assert rows[-1][0].startswith("x : ")
