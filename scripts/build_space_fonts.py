"""Build the web fonts of the person's space (``static/fonts/web/*.woff2``) with fontTools.

    python scripts/build_space_fonts.py [--noto DIR]

Each font is cut down to the scripts the space shows in it (the ``unicode-range`` of its
``@font-face`` in ``static/css/space-fonts.css`` says the same) and compressed as WOFF2:

- DejaVu Sans (``static/fonts``): Latin and Cyrillic (fr nl en tr es so, uk ru);
- Noto Naskh Arabic (``static/fonts``): Arabic, Persian and Pashto (ar fa ps), every
  OpenType feature kept so that the letters join and the marks sit in place;
- Noto Sans Ethiopic: Tigrinya (ti), from Debian's ``fonts-noto-core`` (20201225-1;
  ``--noto`` the folder holding ``NotoSansEthiopic-*.ttf``, default where Debian installs it).

All three are free fonts (licences in ``static/fonts/LICENSE-*.txt``); nothing is fetched at run
time: the pages load the fonts from the application itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "integration_centre" / "static" / "fonts"
WEB = FONTS / "web"
# The same ranges as the @font-face rules of static/css/space-fonts.css.
LATIN_CYRILLIC = (
    "U+0000-024F,U+0300-036F,U+0400-052F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-21FF,"
    "U+2212,U+2713,U+2715,U+25CF,U+FEFF,U+FFFD"
)
ARABIC = "U+0600-06FF,U+0750-077F,U+0870-089F,U+08A0-08FF,U+200C-200F,U+2010-2011,U+204F,U+25CC,U+FB50-FDFF,U+FE70-FEFF"
ETHIOPIC = "U+1200-139F,U+2D80-2DDF,U+AB00-AB2F,U+1E7E0-1E7FF"


def _unicodes(ranges: str) -> list[int]:
    codes: list[int] = []
    for part in ranges.split(","):
        bounds = part.removeprefix("U+").split("-")
        start = int(bounds[0], 16)
        end = int(bounds[-1], 16)
        codes.extend(range(start, end + 1))
    return codes


def build(source: Path, target: Path, ranges: str) -> None:
    """Subset ``source`` to ``ranges`` (every layout feature kept) and write it as WOFF2."""
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_unicodes(ranges))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--noto", type=Path, default=Path("/usr/share/fonts/truetype/noto"))
    args = parser.parse_args()
    WEB.mkdir(parents=True, exist_ok=True)
    for weight in ("", "-Bold"):
        build(FONTS / f"DejaVuSans{weight}.ttf", WEB / f"DejaVuSans{weight}-latin-cyrillic.woff2", LATIN_CYRILLIC)
    for weight in ("Regular", "Bold"):
        build(FONTS / f"NotoNaskhArabic-{weight}.ttf", WEB / f"NotoNaskhArabic-{weight}.woff2", ARABIC)
        build(args.noto / f"NotoSansEthiopic-{weight}.ttf", WEB / f"NotoSansEthiopic-{weight}.woff2", ETHIOPIC)


if __name__ == "__main__":
    main()
