"""The committee's dashboard: releases only, the same cells in HTML, SVG and CSV, 404 elsewhere."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.stats import services
from tests.stats.releases_seed import seed

PERIOD = "2026-Q2"
STATS_URLS = ["/statistics/", "/statistics/funnel", "/statistics/trends", "/statistics/methodology"]
TD_RE = re.compile(r'<td class="num" data-row="([^"]*)" data-column="([^"]*)" data-value="([^"]*)">[^<]*</td>')
SVG_RE = re.compile(r'<g data-row="([^"]*)" data-column="([^"]*)" data-value="([^"]*)">')
TABLE_RE = re.compile(r'<table class="table stats-table" data-table="([^"]+)">(.*?)</table>', re.S)
SECTION_RE = re.compile(r'<section id="([^"]+)" class="stats-section"(.*?)</section>', re.S)


@pytest.fixture
def release(app, org):
    seed(persons=1200)
    result = services.publish(PERIOD)
    db.session.commit()
    return result.release


def test_html_table_chart_and_csv_show_the_same_cells(release, login_as):
    client, _user = login_as(Role.COMMITTEE)
    html = client.get(f"/statistics/?period={PERIOD}&scope=region").get_data(as_text=True)
    html_cells: dict[str, dict] = {}
    chart_cells: dict[str, dict] = {}
    for section_id, body in SECTION_RE.findall(html):
        tables = TABLE_RE.findall(body)
        if not tables:
            continue
        html_cells[section_id] = {(unescape(r), unescape(c)): unescape(v) for r, c, v in TD_RE.findall(tables[0][1])}
        chart_cells[section_id] = {(unescape(r), unescape(c)): unescape(v) for r, c, v in SVG_RE.findall(body)}
    assert len(html_cells) >= 5
    response = client.get(f"/statistics/releases/{release.id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    csv_cells: dict[str, dict] = {}
    for line in csv.DictReader(io.StringIO(response.get_data(as_text=True))):
        if line.get("table"):
            csv_cells.setdefault(line["table"], {})[(line["row"], line["column"])] = line["value"]
    assert csv_cells == html_cells
    for table_id, cells in html_cells.items():
        inner = {key: value for key, value in cells.items() if "Total" not in key}
        assert chart_cells[table_id] == inner, table_id
    stored = {t["id"]: t for t in services.release_document(release)["tables"]}
    for table_id, cells in html_cells.items():
        for row, column, value in stored[table_id]["cells"]:
            assert cells[(row, column)] == (
                "x" if value is None else str(value) if isinstance(value, int) else f"{value:.1f}"
            )
    assert "x" in {v for cells in html_cells.values() for v in cells.values()}
    assert "not shown, to protect the confidentiality" in html or "confidentialit" in html


def test_no_route_takes_filters_outside_releases_and_catalogue(release, login_as):
    client, _user = login_as(Role.COMMITTEE)
    assert client.get("/statistics/?period=2019-Q1&scope=region").status_code == 404
    assert client.get(f"/statistics/?period={PERIOD}&scope=centre:NOPE").status_code == 404
    assert client.get(f"/statistics/?release={PERIOD}").status_code == 404
    assert client.get("/statistics/?release=2019-Q1|region").status_code == 404
    assert client.get(f"/statistics/?release={PERIOD}|region").status_code == 200
    assert client.get("/statistics/trends?table=persons").status_code == 404
    assert client.get("/statistics/releases/999999.csv").status_code == 404
    for url in STATS_URLS:
        assert client.get(url).status_code == 200, url
    assert client.get("/statistics/trends?table=received_centre_status&scope=region").status_code == 200


def _sample_url(rule) -> str:
    """A URL of ``rule`` with plausible values for its arguments (UUIDs, ids, codes)."""
    values = {}
    for argument in rule.arguments:
        converter = rule._converters.get(argument)
        name = type(converter).__name__ if converter is not None else ""
        if name == "IntegerConverter":
            values[argument] = 1
        elif name == "UUIDConverter":
            values[argument] = "00000000-0000-4000-8000-000000000001"
        else:
            values[argument] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_committee_sees_only_statistics(release, login_as, app):
    """Every endpoint open to the committee is a statistics page (or its home page, or its own
    account pages, open to every role); every other non-public route answers 404, whatever the
    method."""
    from integration_centre.accounts.permissions import ALL_ROLES, PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS

    public_blueprints = app.extensions.get(PUBLIC_BLUEPRINTS, set())  # the person's space: its own session

    client, _user = login_as(Role.COMMITTEE)
    reachable = []
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in public_blueprints:
            continue
        roles = getattr(app.view_functions[rule.endpoint], "_allowed_roles", None)
        if roles is not None and Role.COMMITTEE in roles:
            # The committee's home page only leads to the statistics.
            assert (
                rule.endpoint.startswith("stats.") or rule.endpoint == "stats_home.committee_home" or roles == ALL_ROLES
            )

            continue
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            checked += 1
            if rule.endpoint.startswith("api."):
                # The REST API authenticates API tokens, never a browser session (and tokens belong
                # to agents or operators): the committee's session gets 401 and no data.
                if response.status_code != 401 or response.mimetype != "application/problem+json":
                    reachable.append((method, url, response.status_code))
            elif response.status_code != 404:
                reachable.append((method, url, response.status_code))
    assert checked > 20
    assert reachable == []


@pytest.mark.parametrize("role", [Role.AGENT, Role.OPERATOR, Role.ADMIN])
def test_other_roles_get_404(release, login_as, role):
    client, _user = login_as(role)
    for url in [*STATS_URLS, f"/statistics/releases/{release.id}.csv"]:
        assert client.get(url).status_code == 404, (role, url)


def test_empty_state_without_release(app, login_as):
    client, _user = login_as(Role.COMMITTEE)
    page = client.get("/statistics/")
    assert page.status_code == 200
    assert "stats publish" in page.get_data(as_text=True)


def test_demo_loader_publishes_and_is_idempotent(app, org):
    from integration_centre.demo import DemoReport
    from integration_centre.stats import demo

    first = DemoReport(password="x" * 20)
    demo.load(first)
    db.session.commit()
    assert first.created["statistics facts"] > 10000 and first.created["statistics releases"] >= 6
    second = DemoReport(password="x" * 20)
    demo.load(second)
    assert not any(second.created.values())
