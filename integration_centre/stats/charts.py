"""Server-rendered SVG charts and the one cell formatting shared by tables, charts and CSV.

No script and no style attribute (the CSP forbids both): colours are SVG presentation attributes.
Every bar carries its cell as ``data-row``/``data-column``/``data-value`` and a ``<title>`` so the
chart can be read by assistive technology and checked against the table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from integration_centre.stats.disclosure import MARK

PALETTE = ("#1d5d90", "#d4791c", "#2e7d4f", "#8e3b8f", "#b0302f", "#5b6770", "#a08a00", "#3a8fb7")
TOTAL = "Total"


def display(value: Any) -> str:
    """Text of a published cell: the neutral mark when hidden, whole numbers without decimals."""
    if value is None:
        return MARK
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@dataclass(frozen=True)
class Grid:
    """A release table laid out for one locale: labels and displayed cells, totals last."""

    table_id: str
    title: str
    row_codes: list[str]
    row_labels: list[str]
    column_codes: list[str]
    column_labels: list[str]
    cells: dict[tuple[str, str], str]
    values: dict[tuple[str, str], Any]

    def row(self, code: str) -> list[str]:
        """Displayed cells of one row, in column order."""
        return [self.cells[(code, column)] for column in self.column_codes]


def grid(table: dict[str, Any], locale: str, total_label: str) -> Grid:
    """Lay out a stored table (``status == "published"``) for ``locale``."""
    rows = [(code, labels.get(locale) or labels["fr"]) for code, labels in table["rows"]] + [(TOTAL, total_label)]
    columns = [(code, labels.get(locale) or labels["fr"]) for code, labels in table["columns"]] + [(TOTAL, total_label)]
    values = {(r, c): v for r, c, v in table["cells"]}
    return Grid(
        table_id=table["id"],
        title=table["title"].get(locale) or table["title"]["fr"],
        row_codes=[r for r, _ in rows],
        row_labels=[label for _, label in rows],
        column_codes=[c for c, _ in columns],
        column_labels=[label for _, label in columns],
        cells={key: display(value) for key, value in values.items()},
        values=values,
    )


def bar_chart(data: Grid, *, title: str, hidden_text: str, width: int = 520) -> Markup:
    """Grouped horizontal bars of the inner cells (one group per row, one bar per column)."""
    rows = [(code, label) for code, label in zip(data.row_codes, data.row_labels, strict=True) if code != TOTAL]
    columns = [(c, label) for c, label in zip(data.column_codes, data.column_labels, strict=True) if c != TOTAL]
    numbers = [v for (r, c), v in data.values.items() if r != TOTAL and c != TOTAL and isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    label_width, bar_height, gap = 170, 14, 10
    plot = width - label_width - 60
    legend_height = 22 * ((len(columns) + 2) // 3)
    height = legend_height + len(rows) * (len(columns) * bar_height + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="chart-{escape(data.table_id)}-title" class="chart">',
        f'<title id="chart-{escape(data.table_id)}-title">{escape(title)}</title>',
    ]
    for index, (_code, label) in enumerate(columns):
        x, y = 10 + (index % 3) * (width // 3), 6 + 22 * (index // 3)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 11}" font-size="12" fill="#0b0c0c">{escape(label)}</text>')
    y = legend_height + 4
    for row_code, row_label in rows:
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height}" font-size="12" text-anchor="end" '
            f'fill="#0b0c0c">{escape(_short(row_label))}</text>'
        )
        for index, (column_code, column_label) in enumerate(columns):
            shown = data.cells[(row_code, column_code)]
            value = data.values[(row_code, column_code)]
            length = 0 if value is None else max(1, round(plot * value / top)) if value else 0
            description = f"{row_label}, {column_label}: {shown if value is not None else hidden_text}"
            parts.append(
                f'<g data-row="{escape(row_code)}" data-column="{escape(column_code)}" data-value="{escape(shown)}">'
                f"<title>{escape(description)}</title>"
                f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height - 2}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                f'<text x="{label_width + length + 4}" y="{y + bar_height - 3}" font-size="11" '
                f'fill="#0b0c0c">{escape(shown)}</text></g>'
            )
            y += bar_height
        y += gap
    parts.append("</svg>")
    # Every interpolated text is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def column_chart(points: Sequence[tuple[str, Any]], *, title: str, chart_id: str, width: int = 520) -> Markup:
    """Vertical bars, one per labelled value (trends over releases, the funnel)."""
    numbers = [v for _, v in points if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    height, base, step = 240, 200, max(30, (width - 40) // max(1, len(points)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {max(width, 40 + step * len(points))} '
        f'{height}" width="100%" aria-labelledby="{escape(chart_id)}-title" class="chart">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<line x1="20" y1="{base}" x2="{20 + step * len(points)}" y2="{base}" stroke="#0b0c0c"/>',
    ]
    for index, (label, value) in enumerate(points):
        shown = display(value)
        bar = 0 if value is None else round(170 * value / top)
        x = 24 + index * step
        parts.append(
            f'<g data-label="{escape(label)}" data-value="{escape(shown)}"><title>{escape(label)}: {escape(shown)}'
            f'</title><rect x="{x}" y="{base - bar}" width="{step - 8}" height="{bar}" fill="{PALETTE[0]}"/>'
            f'<text x="{x}" y="{base - bar - 4}" font-size="11" fill="#0b0c0c">{escape(shown)}</text>'
            f'<text x="{x}" y="{base + 16}" font-size="11" fill="#0b0c0c">{escape(_short(label, 12))}</text></g>'
        )
    parts.append("</svg>")
    # Every interpolated text is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
