"""Server-rendered SVG charts and the one cell formatting shared by tables, charts and CSV.

No script and no style attribute (the CSP forbids both): colours are SVG presentation attributes.
Every bar carries its cell as ``data-row``/``data-column``/``data-value`` and a ``<title>`` so the
chart can be read by assistive technology and checked against the table beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal
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


def display_local(value: Any, locale: str) -> str:
    """Text of a published cell for people reading ``locale``: the neutral mark when hidden,
    thousands grouped and the decimal sign of the locale (``1 234``, ``612,5`` in French)."""
    if value is None:
        return MARK
    if isinstance(value, float):
        return format_decimal(value, "#,##0.0", locale=locale)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    return str(value)


def spreadsheet_number(value: Any, locale: str) -> str:
    """A cell for a spreadsheet set to ``locale``: no grouping (read as a number), the locale's
    decimal sign, the neutral mark when hidden."""
    if value is None:
        return MARK
    if isinstance(value, float):
        return format_decimal(value, "0.0", locale=locale)
    return str(value)


@dataclass(frozen=True)
class Grid:
    """A release table laid out for one locale: labels and displayed cells, totals last.

    ``cells`` is the machine-readable text (``612.5``, ``x``: the machine CSV and the
    ``data-value`` attributes), ``shown`` the same cell formatted for the locale (page, PDF),
    ``row_short`` the row labels for charts (a centre's code rather than its long name).
    """

    table_id: str
    title: str
    row_codes: list[str]
    row_labels: list[str]
    column_codes: list[str]
    column_labels: list[str]
    cells: dict[tuple[str, str], str]
    values: dict[tuple[str, str], Any]
    shown: dict[tuple[str, str], str]
    row_short: list[str]

    def row(self, code: str) -> list[str]:
        """Displayed cells of one row, in column order."""
        return [self.cells[(code, column)] for column in self.column_codes]


def grid(table: dict[str, Any], locale: str, total_label: str, short_labels: dict[str, str] | None = None) -> Grid:
    """Lay out a stored table (``status == "published"``) for ``locale``.

    ``short_labels`` maps row codes to the short labels charts use (e.g. centre id → centre code).
    """
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
        shown={key: display_local(value, locale) for key, value in values.items()},
        row_short=[(short_labels or {}).get(code, label) for code, label in rows],
    )


def bar_chart(data: Grid, *, title: str, hidden_text: str, width: int = 440) -> Markup:
    """Grouped horizontal bars of the inner cells (one group per row, one bar per column).

    Row labels are the short labels (centre codes) wrapped over up to three lines, never cut to
    the same first words; the full label is in each bar's ``<title>`` and in the table beside.
    """
    rows = [
        (code, label, short)
        for code, label, short in zip(data.row_codes, data.row_labels, data.row_short, strict=True)
        if code != TOTAL
    ]
    columns = [(c, label) for c, label in zip(data.column_codes, data.column_labels, strict=True) if c != TOTAL]
    numbers = [v for (r, c), v in data.values.items() if r != TOTAL and c != TOTAL and isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    label_width, bar_height, gap, line = 170, 14, 10, 14
    plot = width - label_width - 60
    longest = max((len(label) for _c, label in columns), default=0)
    per_line = 3 if longest <= 22 else 2 if longest <= 36 else 1
    legend_chars = (width // per_line - 30) // 7
    legend = [(_wrap(label, legend_chars, 2)) for _c, label in columns]
    legend_rows = [legend[i : i + per_line] for i in range(0, len(legend), per_line)]
    legend_height = sum(8 + line * max(len(lines) for lines in chunk) for chunk in legend_rows)
    wrapped = [_wrap(short, 25, 3) for _code, _label, short in rows]
    groups = [max(len(columns) * bar_height, len(lines) * line) for lines in wrapped]
    height = legend_height + sum(groups) + gap * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="chart-{escape(data.table_id)}-title" class="chart">',
        f'<title id="chart-{escape(data.table_id)}-title">{escape(title)}</title>',
    ]
    y = 6
    index = 0
    for chunk in legend_rows:
        for position, lines in enumerate(chunk):
            x = 10 + position * (width // per_line)
            parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>')
            parts.append(_text_lines(lines, x + 18, y + 11, line, 12))
            index += 1
        y += 8 + line * max(len(lines) for lines in chunk)
    y = legend_height + 4
    for (row_code, row_label, _short_label), lines, group in zip(rows, wrapped, groups, strict=True):
        parts.append(_text_lines(lines, label_width - 6, y + 11, line, 12, anchor="end"))
        bar_y = y
        for index, (column_code, column_label) in enumerate(columns):
            shown = data.cells[(row_code, column_code)]
            text = data.shown[(row_code, column_code)]
            value = data.values[(row_code, column_code)]
            length = 0 if value is None else max(1, round(plot * value / top)) if value else 0
            description = f"{row_label}, {column_label}: {text if value is not None else hidden_text}"
            parts.append(
                f'<g data-row="{escape(row_code)}" data-column="{escape(column_code)}" data-value="{escape(shown)}">'
                f"<title>{escape(description)}</title>"
                f'<rect x="{label_width}" y="{bar_y}" width="{length}" height="{bar_height - 2}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                f'<text x="{label_width + length + 4}" y="{bar_y + bar_height - 3}" font-size="11" '
                f'fill="#0b0c0c">{escape(text)}</text></g>'
            )
            bar_y += bar_height
        y += group + gap
    parts.append("</svg>")
    # Every interpolated text is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def column_chart(
    points: Sequence[tuple[str, Any]], *, title: str, chart_id: str, width: int = 520, locale: str = "en"
) -> Markup:
    """Vertical bars, one per labelled value (trends over releases, the funnel); labels wrapped."""
    numbers = [v for _, v in points if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    base, step = 200, max(30, (width - 40) // max(1, len(points)))
    wrapped = [_wrap(label, max(4, (step - 8) // 6), 3) for label, _value in points]
    height = base + 8 + 13 * max((len(lines) for lines in wrapped), default=1) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {max(width, 40 + step * len(points))} '
        f'{height}" width="100%" aria-labelledby="{escape(chart_id)}-title" class="chart">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<line x1="20" y1="{base}" x2="{20 + step * len(points)}" y2="{base}" stroke="#0b0c0c"/>',
    ]
    for index, ((label, value), lines) in enumerate(zip(points, wrapped, strict=True)):
        shown = display(value)
        text = display_local(value, locale)
        bar = 0 if value is None else round(170 * value / top)
        x = 24 + index * step
        parts.append(
            f'<g data-label="{escape(label)}" data-value="{escape(shown)}"><title>{escape(label)}: {escape(text)}'
            f'</title><rect x="{x}" y="{base - bar}" width="{step - 8}" height="{bar}" fill="{PALETTE[0]}"/>'
            f'<text x="{x}" y="{base - bar - 4}" font-size="11" fill="#0b0c0c">{escape(text)}</text>'
            f"{_text_lines(lines, x, base + 16, 13, 11)}</g>"
        )
    parts.append("</svg>")
    # Every interpolated text is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, cut at spaces; the last line kept
    shortened with "…" when the text needs more than ``max_lines``."""
    lines: list[str] = []
    current = ""
    pieces = [
        (piece, index > 0) for word in text.split() for index, piece in enumerate(re.split(r"(?<=-)", word)) if piece
    ]
    for word, glued in pieces:
        joiner = "" if glued else " "
        while len(word) > width:  # a word longer than a line is split
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        if current and len(current) + len(joiner) + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current}{joiner}{word}" if current else word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], (last if len(last) < width else last[: width - 1]) + "…"]
    return lines


def _text_lines(lines: Sequence[str], x: int, y: int, step: int, size: int, anchor: str = "start") -> str:
    """One ``<text>`` with a ``<tspan>`` per line (SVG has no automatic wrapping); escaped."""
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if index == 0 else step}">{escape(text)}</tspan>' for index, text in enumerate(lines)
    )
    anchor_attribute = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{x}" y="{y}" font-size="{size}"{anchor_attribute} fill="#0b0c0c">{spans}</text>'
