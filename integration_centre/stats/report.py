"""The printable report (PDF) of a release: the main indicators, drawn from the stored release.

The PDF uses the very same laid-out tables as the dashboard and the CSV (``charts.grid``): the same
cells, the same neutral mark for hidden figures, the same legend. Nothing is recomputed. The
Unicode font (DejaVu Sans) ships with the application in ``static/fonts``.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from integration_centre.core.pdf import FONT, Document
from integration_centre.stats.charts import PALETTE, TOTAL, Grid

MAX_COLUMNS = 8  # wider tables are split over several blocks of columns
# Tables print dark text on light backgrounds (contrast above 12:1 for every cell): a pale blue
# header, white and very light grey rows, light grey rules.
INK = (11, 12, 12)
HEADER_FILL = (222, 233, 244)
STRIPE_FILL = (245, 246, 247)
RULE = (177, 180, 182)
HEADINGS = FontFace(emphasis="BOLD", color=INK, fill_color=HEADER_FILL)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class _Report(Document):
    def __init__(self, title: str, footer: str) -> None:
        super().__init__(title, footer)

    def text_block(self, text: str, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid_table(self, data: Grid, caption: str) -> None:
        columns = list(zip(data.column_codes, data.column_labels, strict=True))
        for start in range(0, len(columns), MAX_COLUMNS):
            block = columns[start : start + MAX_COLUMNS]
            label_width = 58
            width = (self.epw - label_width) / len(block)
            self.set_font(FONT, "", 8)
            self.set_text_color(*INK)
            self.set_draw_color(*RULE)
            self.set_fill_color(255, 255, 255)
            with self.table(
                col_widths=(label_width, *([width] * len(block))),
                text_align=("LEFT", *(["RIGHT"] * len(block))),
                line_height=4.6,
                first_row_as_headings=True,
                headings_style=HEADINGS,
                cell_fill_color=STRIPE_FILL,
                cell_fill_mode=TableCellFillMode.ROWS,
            ) as table:
                header = table.row()
                header.cell(caption if start == 0 else "")
                for _code, label in block:
                    header.cell(label)
                for row_code, row_label in zip(data.row_codes, data.row_labels, strict=True):
                    row = table.row()
                    row.cell(row_label)
                    for column_code, _label in block:
                        row.cell(data.shown[(row_code, column_code)])
            self.ln(2)

    def bars(self, data: Grid, title: str) -> None:
        """Horizontal bars of the row totals (hidden totals drawn empty, marked like the table)."""
        rows = [(c, label) for c, label in zip(data.row_codes, data.row_short, strict=True) if c != TOTAL]
        numbers = [data.values[(c, TOTAL)] for c, _ in rows if isinstance(data.values.get((c, TOTAL)), int | float)]
        top = max(numbers, default=0) or 1
        if self.will_page_break(6 + 5 * len(rows)):
            self.add_page()
        self.set_font(FONT, "B", 8)
        self.cell(0, 5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 8)
        plot = self.epw - 70
        for code, label in rows:
            value = data.values.get((code, TOTAL))
            shown = data.shown[(code, TOTAL)]
            y = self.get_y()
            self.cell(58, 4.5, label if len(label) <= 40 else label[:39] + "…")
            if isinstance(value, int | float) and value:
                self.set_fill_color(*_rgb(PALETTE[0]))
                self.rect(self.l_margin + 58, y + 0.6, max(0.5, plot * value / top), 3.3, style="F")
                x = self.l_margin + 58 + max(0.5, plot * value / top) + 1
            else:
                x = self.l_margin + 59
            self.set_xy(x, y)
            self.cell(12, 4.5, shown, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word before ``limit`` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + " …"


def render_pdf(
    document: dict, sections: Sequence[dict], *, scope_label: str, period_label: str, published: str, digest: str
) -> bytes:
    """The PDF report of a release from its laid-out sections (see ``views._grids``)."""
    title = _("Statistics of the integration pathway — report %(period)s", period=period_label)
    pdf = _Report(title, f"{title} — {scope_label}")
    pdf.text_block(title, 17, bold=True, height=8)
    pdf.ln(1)
    pdf.text_block(scope_label, 12)
    pdf.text_block(_("Published on %(date)s. Fingerprint (SHA-256): %(hash)s", date=published, hash=digest), 8)
    pdf.ln(2)
    pdf.text_block(
        _(
            "Every figure comes from the protected release named above: the same figures as the "
            "dashboard and the CSV download. Figures count people unless a table says otherwise."
        ),
        9,
    )
    pdf.text_block("x : " + _("not shown, to protect the confidentiality of the people counted."), 9, bold=True)
    pdf.ln(3)
    for section in sections:
        if section["grid"] is None:
            continue
        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.text_block(section["title"], 12, bold=True, height=6)
        pdf.text_block(section["definition"], 8.5, height=4.3)
        pdf.ln(1)
        pdf.grid_table(section["grid"], _shortened(section["title"], 60))
        if section["measure"] == "count" and len(section["grid"].row_codes) > 2:
            pdf.bars(section["grid"], _("Row totals"))
        pdf.ln(3)
    withheld = [s["title"] for s in sections if s["grid"] is None and s["status"] in ("redesign", "yearly")]
    if withheld:
        pdf.text_block(_("Tables not published for this period"), 11, bold=True, height=6)
        for name in withheld:
            pdf.text_block(f"• {name}", 8.5, height=4.3)
    return bytes(pdf.output())
