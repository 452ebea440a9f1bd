"""The coordination committee's dashboard: releases only, never a live query.

Every route reads a stored release. The only parameters are a period and a scope that must name
a live release, and a table id that must be in the catalogue: anything else answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, get_template_attribute, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core import csv_writer
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.stats import charts, report, services
from integration_centre.stats.catalogue import catalogue
from integration_centre.stats.models import Release

bp = Blueprint("stats", __name__, url_prefix="/statistics")
home_bp = Blueprint("stats_home", __name__)  # the committee's home page, outside /statistics
BLUEPRINTS = [bp, home_bp]
FUNNEL = (
    ("received_centre_status", None, _l("Newcomers received")),
    ("reception_modules_completed", "social_assessment", _l("Social assessment completed")),
    ("agreements_signed", None, _l("Reception agreement signed")),
    ("cefr_latest_sex", None, _l("French training completed")),
    ("certificates_centre_status", None, _l("Certificate issued")),
)

_SECTIONS: dict[tuple[str, str], list[dict[str, Any]]] = {}  # rendered sections by (hash, locale)


@home_bp.get("/committee")
@roles_required(Role.COMMITTEE)
def committee_home():
    """The coordination committee's home page."""
    return render_template("stats/committee_home.html")


def _label(labels: dict[str, str]) -> str:
    return labels.get(current_language()) or labels["fr"]


def _selected_release() -> tuple[Release | None, list[Release]]:
    """The release named by ``period`` and ``scope`` (404 if they name none), else the latest."""
    live = services.releases()
    period, scope = request.args.get("period"), request.args.get("scope")
    if period is None and scope is None:
        regional = [r for r in live if r.scope == services.REGION]
        return (regional or live or [None])[0], live
    chosen = next((r for r in live if r.period == period and r.scope == (scope or services.REGION)), None)
    if chosen is None:
        abort(404)
    return chosen, live


def _release_by_id(release_id: int) -> Release:
    release = db.session.get(Release, release_id)
    if release is None:
        abort(404)
    return release


def _grids(document: dict[str, Any], digest: str) -> list[dict[str, Any]]:
    """The sections of a release for the current locale, charts and tables pre-rendered.

    A release never changes, so the result is cached by content hash and locale; do not modify it.
    """
    key = (digest, current_language())
    if key not in _SECTIONS:
        if len(_SECTIONS) >= 32:
            _SECTIONS.pop(next(iter(_SECTIONS)))
        _SECTIONS[key] = _rendered_sections(key[1], document)
    return _SECTIONS[key]


def _rendered_sections(locale: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    data_table = get_template_attribute("stats/_table.html", "data_table")
    sections = []
    for table in document["tables"]:
        section = {
            "id": table["id"],
            "title": _label(table["title"]),
            "definition": _label(table["definition"]),
            "unit": table["unit"],
            "status": table["status"],
            "measure": table["measure"],
            "grid": None,
            "chart": None,
            "table": None,
        }
        if table["status"] == "published" and table["rows"]:
            data = charts.grid(table, locale, _("Total"))
            section["grid"] = data
            section["chart"] = charts.bar_chart(data, title=section["title"], hidden_text=_("not shown"))
            section["table"] = data_table(data, section["title"])
        sections.append(section)
    return sections


def _options(live: list[Release]) -> tuple[list[str], list[tuple[str, str]]]:
    periods = sorted({r.period for r in live}, reverse=True)
    scopes = {}
    for release in live:
        scopes[release.scope] = _label(services.release_document(release)["scope_label"])
    ordered = sorted(scopes.items(), key=lambda item: (item[0] != services.REGION, item[1]))
    return periods, ordered


@bp.get("/")
@roles_required(Role.COMMITTEE)
def dashboard():
    """The tables and charts of one release."""
    release, live = _selected_release()
    periods, scopes = _options(live)
    if release is None:
        return render_template("stats/dashboard.html", release=None, periods=periods, scopes=scopes)
    document = services.release_document(release)
    return render_template(
        "stats/dashboard.html",
        release=release,
        document=document,
        scope_label=_label(document["scope_label"]),
        sections=_grids(document, release.content_hash),
        periods=periods,
        scopes=scopes,
    )


@bp.get("/releases/<int:release_id>.csv")
@roles_required(Role.COMMITTEE)
def download_csv(release_id: int):
    """Exactly the cells the dashboard shows for this release, one line per cell."""
    release = _release_by_id(release_id)
    document = services.release_document(release)
    rows = [["period", "scope", "table", "title", "row", "row_label", "column", "column_label", "value"]]
    for section in _grids(document, release.content_hash):
        data = section["grid"]
        if data is None:
            continue
        for row_code, row_label in zip(data.row_codes, data.row_labels, strict=True):
            for column_code, column_label in zip(data.column_codes, data.column_labels, strict=True):
                rows.append(
                    [
                        release.period,
                        release.scope,
                        data.table_id,
                        section["title"],
                        row_code,
                        row_label,
                        column_code,
                        column_label,
                        data.cells[(row_code, column_code)],
                    ]
                )
    rows.append([])
    rows.append([document["legend"]])
    filename = f"statistics-{release.period}-{release.scope.replace(':', '-')}.csv"
    return csv_writer.csv_response(rows, filename, no_store=False)


@bp.get("/releases/<int:release_id>.pdf")
@roles_required(Role.COMMITTEE)
def download_pdf(release_id: int):
    """The printable report of a release (the annual report for a year): the same cells as the page."""
    release = _release_by_id(release_id)
    document = services.release_document(release)
    content = report.render_pdf(
        document,
        _grids(document, release.content_hash),
        scope_label=_label(document["scope_label"]),
        published=release.created_at.strftime("%d/%m/%Y"),
        digest=release.content_hash,
    )
    filename = f"statistics-report-{release.period}-{release.scope.replace(':', '-')}.pdf"
    return Response(
        content, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _grand_total(document: dict[str, Any], table_id: str, row: str | None = None) -> tuple[bool, Any]:
    """(available, value) of a table's total (or of one row's total) in a release."""
    table = next((t for t in document["tables"] if t["id"] == table_id), None)
    if table is None or table["status"] != "published":
        return False, None
    wanted = (row or services.TOTAL, services.TOTAL)
    for r, c, value in table["cells"]:
        if (r, c) == wanted:
            return True, value
    return True, 0


@bp.get("/funnel")
@roles_required(Role.COMMITTEE)
def funnel():
    """From reception to certificate: how many people reached each milestone in the period."""
    release, live = _selected_release()
    periods, scopes = _options(live)
    steps = []
    chart = None
    if release is not None:
        document = services.release_document(release)
        for table_id, row, label in FUNNEL:
            available, value = _grand_total(document, table_id, row)
            steps.append({"label": str(label), "value": charts.display(value) if available else "—"})
        points = [(s["label"], None if s["value"] in ("x", "—") else int(s["value"])) for s in steps]
        chart = charts.column_chart(points, title=_("Pathway funnel"), chart_id="funnel")
    return render_template(
        "stats/funnel.html", release=release, steps=steps, chart=chart, periods=periods, scopes=scopes
    )


@bp.get("/trends")
@roles_required(Role.COMMITTEE)
def trends():
    """One table's grand total over the quarterly releases of a scope."""
    source = catalogue()
    counts = [i for i in source.indicators if i.measure == "count"]
    table_id = request.args.get("table", counts[0].id)
    indicator = source.get(table_id)
    if indicator is None or indicator.measure != "count":
        abort(404)
    live = services.releases()
    scopes = _options(live)[1]
    scope = request.args.get("scope", services.REGION)
    if scope not in {code for code, _label in scopes} and live:
        abort(404)
    quarterly = sorted((r for r in live if r.scope == scope and "-Q" in r.period), key=lambda r: r.period)
    points = []
    for release in quarterly:
        available, value = _grand_total(services.release_document(release), table_id)
        points.append({"period": release.period, "value": charts.display(value) if available else "—"})
    chart = charts.column_chart(
        [(p["period"], None if p["value"] in ("x", "—") else int(p["value"])) for p in points],
        title=indicator.label(current_language()),
        chart_id="trend",
    )
    return render_template(
        "stats/trends.html",
        indicator=indicator,
        title=indicator.label(current_language()),
        indicators=[(i.id, i.label(current_language())) for i in counts],
        points=points,
        chart=chart,
        scopes=scopes,
        scope=scope,
    )


@bp.get("/methodology")
@roles_required(Role.COMMITTEE)
def methodology():
    """The rules of the releases in plain words."""
    return render_template("stats/methodology.html", indicators=catalogue().indicators, locale=current_language())
