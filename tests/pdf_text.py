"""A PDF read back as text (poppler's pdftotext), for the letters' tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ARABIC_WORD = re.compile("[\u0620-\u064a]+|[\u0660-\u0669]+")


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The text of ``pdf`` in reading order, bidi control marks removed."""
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return BIDI_MARKS.sub("", out.stdout)


def in_order(words: list[str], text: str) -> bool:
    """True when every word of ``words`` stands in ``text``, one after the other."""
    position = 0
    for word in words:
        found = text.find(word, position)
        if found < 0:
            return False
        position = found + len(word)
    return True
