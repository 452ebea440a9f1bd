"""The coordination committee's dashboard: releases only, never a live query.

Every route reads a stored release. The only parameters are a period and a scope that must name
a live release (or ``release=<period>|<scope>``, as the page's chooser sends it), and a table id
that must be in the catalogue: anything else answers 404. The chooser offers only the
combinations that have a release, so everything it offers answers.
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
from integration_centre.stats.presentation import group_label, period_label, period_order
from integration_centre.stats.queries import short_labels

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
    """The release named by ``period`` and ``scope`` (or ``release=<period>|<scope>``; 404 if they
    name none), else the latest of the region."""
    live = services.releases()
    period, scope = request.args.get("period"), request.args.get("scope")
    choice = request.args.get("release")
    if choice is not None:
        period, separator, scope = choice.partition("|")
        if not separator:
            abort(404)
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
    groups = {indicator.id: indicator.group for indicator in catalogue().indicators}
    sections = []
    for table in document["tables"]:
        section = {
            "id": table["id"],
            "group": groups.get(table["id"], ""),
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
            short = short_labels(table.get("row_dimension", ""), [code for code, _labels in table["rows"]])
            data = charts.grid(table, locale, _("Total"), short)
            section["grid"] = data
            section["chart"] = charts.bar_chart(data, title=section["title"], hidden_text=_("not shown"))
            section["table"] = data_table(data, section["title"])
        sections.append(section)
    return sections


def _grouped(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sections in groups by theme (catalogue order), each group with an anchor and a title."""
    groups: list[dict[str, Any]] = []
    for section in sections:
        if not groups or groups[-1]["theme"] != section["group"]:
            theme = section["group"] or "other"
            title = group_label(theme)
            groups.append({"theme": section["group"], "id": f"group-{theme}", "title": title, "sections": []})
        groups[-1]["sections"].append(section)
    return groups


def _options(live: list[Release]) -> list[dict[str, Any]]:
    """What the chooser offers: each scope that has a release (the region first, then the centres
    by name), with its published periods, most recent first. Nothing else is offered."""
    language = current_language()
    by_scope: dict[str, dict[str, Any]] = {}
    for release in live:
        entry = by_scope.setdefault(
            release.scope,
            {"code": release.scope, "label": _label(services.release_document(release)["scope_label"]), "periods": []},
        )
        entry["periods"].append(release.period)
    scopes = sorted(by_scope.values(), key=lambda item: (item["code"] != services.REGION, item["label"]))
    for entry in scopes:
        entry["periods"] = [
            {"code": code, "label": period_label(code, language), "value": f"{code}|{entry['code']}"}
            for code in sorted(set(entry["periods"]), key=period_order, reverse=True)
        ]
    return scopes


def _scope_choices(options: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(entry["code"], entry["label"]) for entry in options]


@bp.get("/")
@roles_required(Role.COMMITTEE)
def dashboard():
    """The tables and charts of one release."""
    release, live = _selected_release()
    options = _options(live)
    if release is None:
        return render_template("stats/dashboard.html", release=None, options=options)
    document = services.release_document(release)
    return render_template(
        "stats/dashboard.html",
        release=release,
        document=document,
        scope_label=_label(document["scope_label"]),
        period_label=period_label(release.period, current_language()),
        groups=_grouped(_grids(document, release.content_hash)),
        options=options,
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


SPREADSHEET_DELIMITERS = {"fr": ";", "nl": ";"}  # a comma is the decimal sign there


@bp.get("/releases/<int:release_id>/spreadsheet.csv")
@roles_required(Role.COMMITTEE)
def download_spreadsheet(release_id: int):
    """The same cells for a spreadsheet in the reader's language: headers and labels in words, the
    locale's separator (``;`` in French and Dutch) and decimal sign, a UTF-8 byte order mark."""
    release = _release_by_id(release_id)
    document = services.release_document(release)
    language = current_language()
    period, scope = period_label(release.period, language), _label(document["scope_label"])
    rows: list[list[Any]] = [[_("Period"), _("Scope"), _("Table"), _("Row"), _("Column"), _("Value")]]
    for section in _grids(document, release.content_hash):
        data = section["grid"]
        if data is None:
            continue
        for row_code, row_label in zip(data.row_codes, data.row_labels, strict=True):
            for column_code, column_label in zip(data.column_codes, data.column_labels, strict=True):
                value = charts.spreadsheet_number(data.values.get((row_code, column_code)), language)
                rows.append([period, scope, section["title"], row_label, column_label, value])
    rows.append([])
    rows.append(["x : " + _("not shown, to protect the confidentiality of the people counted.")])
    filename = f"statistics-{release.period}-{release.scope.replace(':', '-')}-{language}.csv"
    return csv_writer.csv_response(
        rows, filename, delimiter=SPREADSHEET_DELIMITERS.get(language, ","), bom=True, no_store=False
    )


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
        period_label=period_label(release.period, current_language()),
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
    options = _options(live)
    language = current_language()
    steps = []
    chart = None
    if release is not None:
        document = services.release_document(release)
        for table_id, row, label in FUNNEL:
            available, value = _grand_total(document, table_id, row)
            steps.append(
                {
                    "label": str(label),
                    "value": charts.display_local(value, language) if available else "—",
                    "number": value if available and isinstance(value, int | float) else None,
                }
            )
        points = [(step["label"], step["number"]) for step in steps]
        chart = charts.column_chart(points, title=_("Pathway funnel"), chart_id="funnel", locale=language)
    return render_template(
        "stats/funnel.html",
        release=release,
        period_label=period_label(release.period, language) if release is not None else "",
        scope_label=_label(services.release_document(release)["scope_label"]) if release is not None else "",
        steps=steps,
        chart=chart,
        options=options,
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
    scopes = _scope_choices(_options(live))
    scope = request.args.get("scope", services.REGION)
    if scope not in {code for code, _label in scopes} and live:
        abort(404)
    language = current_language()
    quarterly = sorted((r for r in live if r.scope == scope and "-Q" in r.period), key=lambda r: r.period)
    points = []
    for release in quarterly:
        available, value = _grand_total(services.release_document(release), table_id)
        points.append(
            {
                "period": period_label(release.period, language),
                "value": charts.display_local(value, language) if available else "—",
                "number": value if available and isinstance(value, int | float) else None,
            }
        )
    chart = charts.column_chart(
        [(p["period"], p["number"]) for p in points],
        title=indicator.label(language),
        chart_id="trend",
        locale=language,
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
