"""The one base of the application's PDF documents (fpdf2, A4 portrait, embedded Unicode font).

DejaVu Sans (free licence in ``static/fonts/LICENSE-DejaVu.txt``) ships with the package, so the
documents render accents and the Dutch and French typography without downloading anything.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"


class Document(FPDF):
    """A4 portrait with the embedded font, margins, and a footer "<text> — page/pages"."""

    def __init__(self, title: str, footer: str, *, margin: float = 18, top: float = 16, footer_at: float = -12) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("integration_centre")
        self.set_auto_page_break(auto=True, margin=margin)
        self.set_margins(margin, top, margin)
        self._footer_text = footer
        self._footer_at = footer_at
        self.add_page()

    def footer(self) -> None:
        """The footer text and the page number on every page."""
        self.set_y(self._footer_at)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self._footer_text} — {self.page_no()}/{{nb}}", align="C")
