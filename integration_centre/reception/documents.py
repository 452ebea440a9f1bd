"""PDF and CSV documents of the reception module: the reception agreement, the certificate of
attendance (with its verification QR code) and the notifications to third parties.

Text goes through Flask-Babel under the requested locale (French by default; English and Dutch
layouts), so the documents are translated like the pages. The Unicode font (DejaVu Sans, free
licence in ``static/fonts/LICENSE-DejaVu.txt``) ships with the package: nothing is downloaded
and no system font is needed.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import segno
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from integration_centre.core import csv_writer
from integration_centre.core.pdf import FONT, Document
from integration_centre.pathway import reference

DOCUMENT_LANGUAGES = ("fr", "en", "nl")


def document_language(value: str | None) -> str:
    """``value`` when a layout exists for it, else French."""
    return value if value in DOCUMENT_LANGUAGES else "fr"


class _Document(Document):
    """A4 portrait with the embedded font and a page footer."""

    def __init__(self, title: str, footer: str) -> None:
        super().__init__(title, footer, margin=20, top=18, footer_at=-14)

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, 5.2, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def rows(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.set_font(FONT, "", 9)
        with self.table(col_widths=widths, text_align="LEFT", line_height=5.2) as table:
            first = table.row()
            for cell in header:
                first.cell(cell)
            for values in rows:
                row = table.row()
                for cell in values:
                    row.cell(cell)
        self.ln(3)


def _date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "long")


def _hours(value) -> str:
    if value in (None, ""):
        return "—"
    number = Decimal(str(value)).normalize()
    return f"{number:f}".replace(".", ",")


def _result(value: str | None) -> str | None:
    """A step result as printed: CEFR levels spaced (pre A1), short codes in capitals (AOC)."""
    if not value:
        return None
    text = value.replace("_", " ")
    return text.upper() if text.isalpha() and text.islower() and len(text) <= 4 else text


def _outcome(value: str | None) -> str | None:
    """A module's result in words: a test passed or failed, else as ``_result`` prints it."""
    if value == "pass":
        return _("passed")
    if value == "fail":
        return _("failed")
    return _result(value)


def _output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------
# Reception agreement


def agreement_pdf(content: dict, language: str) -> bytes:
    """The reception agreement (convention d'accueil) as a PDF in ``language``."""
    language = document_language(language)
    with force_locale(language):
        person = content["person"]
        pdf = _Document(_("Reception agreement"), _("Reception agreement"))
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, f"{content['centre']}\n{content['office']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.heading(_("Reception agreement"))
        pdf.paragraph(content["definition"], bold=True)
        pdf.paragraph(_("Between the reception office %(office)s and:", office=content["office"]))
        identity = [
            [_("Name"), f"{person['family_name'] or ''} {person['given_names'] or ''}".strip()],
            [_("Date of birth"), _date(person["date_of_birth"])],
        ]
        if "niss" in person:  # the person's own copy (their space) leaves the number out
            identity.append([_("National register number"), person["niss"] or "—"])
        pdf.rows([_("Person"), ""], identity, (60, 110))
        pdf.paragraph(
            _(
                "The person commits to follow the steps of the integration pathway listed below, "
                "and the reception office commits to accompany the person, to find places with "
                "partner operators and to issue the certificate of attendance once the pathway "
                "is completed."
            )
        )
        pdf.heading(_("Steps of the pathway"), 12)
        rows = []
        for step in content["steps"]:
            hours = _("at least %(hours)s h", hours=_hours(step["min_hours"])) if step["min_hours"] else "—"
            duration = _("%(months)s months at most", months=step["max_months"]) if step["max_months"] else "—"
            if step["mandatory"]:
                kind = _("mandatory")
            elif step["conditional"]:
                kind = _("depending on the assessment")
            else:
                kind = _("needed for this person")
            rows.append([step["label"], kind, hours, duration])
        pdf.rows([_("Step"), _("Applies"), _("Hours"), _("Duration")], rows, (70, 40, 30, 30))
        pdf.heading(_("Deadlines"), 12)
        if content["deadlines"]:
            pdf.rows(
                [_("Deadline"), _("Date")],
                [[d["label"], _date(d["date"]) if d["date"] else _("set at signature")] for d in content["deadlines"]],
                (110, 60),
            )
        else:
            pdf.paragraph(_("No deadline: the person takes part voluntarily."))
        if content.get("legal_basis"):
            pdf.paragraph(_("Legal basis: %(basis)s", basis=content["legal_basis"]), size=8)
        pdf.ln(4)
        if content["signed_on"]:
            pdf.paragraph(_("Signed on %(date)s.", date=_date(content["signed_on"])), bold=True)
        else:
            pdf.paragraph(_("Date of signature: ____________________"))
        pdf.ln(6)
        y = pdf.get_y()
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(20, y)
        pdf.cell(80, 5, _("The person"))
        pdf.set_xy(110, y)
        pdf.cell(80, 5, _("For the reception office"))
        pdf.rect(20, y + 6, 75, 25)
        pdf.rect(110, y + 6, 75, 25)
        return _output(pdf)


# ---------------------------------------------------------------------------------------------
# Certificate of attendance


def qr_png(url: str) -> bytes:
    """A QR code (PNG) pointing at ``url``."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()


def certificate_pdf(content: dict, language: str, verify_url: str, formatted_code: str) -> bytes:
    """The certificate as a PDF in ``language`` (fr, en, nl): of attendance (Wallonia, Brussels),
    or of civic integration with its results or its declaration of effort (Flanders)."""
    language = document_language(language)
    with force_locale(language):
        person = content["person"]
        basis = content.get("basis") or "attendance"  # certificates issued before it was recorded
        title = _("Certificate of attendance") if basis == "attendance" else _("Certificate of civic integration")
        pdf = _Document(title, title)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, f"{content['centre']}\n{content['office']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        pdf.heading(title, 20)
        if basis == "declaration_of_effort":
            pdf.paragraph(_("Declaration of effort"), size=13, bold=True)
        if content.get("revoked"):
            pdf.set_text_color(180, 0, 0)
            pdf.paragraph(_("REVOKED — this certificate is no longer valid."), size=12, bold=True)
            pdf.set_text_color(0, 0, 0)
        pdf.paragraph(_("The integration centre %(centre)s certifies that", centre=content["centre"]))
        name = f"{person.get('given_names') or ''} {person.get('family_name') or ''}".strip()
        pdf.paragraph(name, size=14, bold=True)
        details = [_("born on %(date)s", date=_date(person.get("date_of_birth")))]
        if person.get("nationality"):
            details.append(
                _("nationality: %(country)s", country=reference.country_name(person["nationality"], language))
            )
        pdf.paragraph(", ".join(details))
        definition = content["definition"].get(language) or content["definition"].get("fr", "")
        if basis == "results":
            pdf.paragraph(
                _(
                    "has completed the civic integration pathway (%(pathway)s) with the results below:",
                    pathway=definition,
                )
            )
        elif basis == "declaration_of_effort":
            pdf.paragraph(
                _(
                    "has followed the civic integration pathway (%(pathway)s) and, as the reception office "
                    "declares, made sufficient efforts; the modules attended:",
                    pathway=definition,
                )
            )
        else:
            pdf.paragraph(_("has followed the integration pathway (%(pathway)s) and its modules:", pathway=definition))
        rows, total = [], Decimal(0)
        for module in content["modules"]:
            label = module["labels"].get(language) or module["labels"].get("fr") or module["code"]
            if module["state"] == "exempted":
                outcome = _("exempted")
                hours = "—"
            else:
                outcome = _outcome(module["result"]) or _("completed")
                hours = _hours(module["hours"]) if Decimal(module["hours"] or 0) else "—"
                total += Decimal(module["hours"] or 0)
            dates = (
                f"{_date(module['started_on'])} – {_date(module['ended_on'])}"
                if module["started_on"] and module["started_on"] != module["ended_on"]
                else _date(module["ended_on"])
            )
            rows.append([label, hours, dates, outcome])
        pdf.rows([_("Module"), _("Hours"), _("Dates"), _("Result")], rows, (62, 18, 62, 28))
        pdf.paragraph(_("Total hours: %(hours)s", hours=_hours(total)), bold=True)
        issued = _date(content["issued_on"])
        pdf.paragraph(_("Issued on %(date)s by %(office)s.", date=issued, office=content["office"]))
        pdf.ln(4)
        y = pdf.get_y()
        if y > 230:
            pdf.add_page()
            y = pdf.get_y()
        pdf.image(io.BytesIO(qr_png(verify_url)), x=20, y=y, w=34, h=34)
        pdf.set_xy(60, y + 2)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 6, _("Verification code: %(code)s", code=formatted_code), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(60)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(
            130,
            4.8,
            _("Anyone can check that this certificate is valid at %(url)s", url=verify_url),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return _output(pdf)


# ---------------------------------------------------------------------------------------------
# Notifications to third parties


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def notifications_csv(rows: list[dict]) -> str:
    """The minimal data of ``rows`` as CSV (name, NISS, agreement, certificate), through the one
    CSV writer (every field quoted, formulas neutralised)."""
    header = [_("Family name"), _("Given names"), _("NISS"), _("Agreement signed"), _("Certificate issued")]
    lines = [
        [row["family_name"], row["given_names"], row["niss"], _yes_no(row["agreement"]), _yes_no(row["certificate"])]
        for row in rows
    ]
    return csv_writer.to_csv([header, *lines], delimiter=";")


def notifications_pdf(rows: list[dict], *, recipient_label: str, office: str, centre: str, on: date) -> bytes:
    """A letter to the municipality or the CPAS listing the minimal data of ``rows``."""
    pdf = _Document(_("Notification of integration pathway status"), office)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 4.5, f"{centre}\n{office}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.paragraph(_("To: %(recipient)s", recipient=recipient_label), bold=True)
    pdf.paragraph(format_date(on, "long"))
    pdf.heading(_("Notification of integration pathway status"), 13)
    pdf.paragraph(
        _(
            "As provided by the regulations, we inform you of the integration pathway status of the "
            "persons below (minimal data: name, national register number, agreement, certificate)."
        )
    )
    pdf.rows(
        [_("Name"), _("NISS"), _("Agreement signed"), _("Certificate issued")],
        [
            [
                f"{row['family_name'] or ''} {row['given_names'] or ''}".strip(),
                row["niss"] or "—",
                _yes_no(row["agreement"]),
                _yes_no(row["certificate"]),
            ]
            for row in rows
        ],
        (60, 40, 35, 35),
    )
    return _output(pdf)
