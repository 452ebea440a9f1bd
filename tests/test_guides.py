"""Issue 19, acceptance 6: the user guides build (no browser needed here).

Every Markdown page under ``docs/guide/`` is rendered to HTML with markdown-it-py (CommonMark and
tables, as GitHub shows them). In the HTML, every relative link must reach an existing file, and
an ``#anchor`` a heading of its page (GitHub's heading ids); every image must exist. The French
and English guides have the same pages, and every image they show is a screenshot the browser
test ``tests/e2e/test_guide_screenshots.py`` takes (and re-takes at each run, so none is stale;
that test also checks the images were written by its run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

ROOT = Path(__file__).resolve().parents[1]
GUIDE_DIR = ROOT / "docs" / "guide"
IMAGES_DIR = GUIDE_DIR / "images"
LANGUAGES = ("fr", "en")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def github_anchor(text: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces become hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


class _PageParser(HTMLParser):
    """Collects the links, images and heading anchors of one rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []
        self.anchors: set[str] = set()
        self._heading: list[str] | None = None
        self._seen: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.anchors.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        elif tag == "img":
            self.images.append(values.get("src") or "")
        elif tag in HEADINGS:
            self._heading = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS and self._heading is not None:
            anchor = github_anchor("".join(self._heading))
            count = self._seen.get(anchor, 0)
            self._seen[anchor] = count + 1
            self.anchors.add(anchor if count == 0 else f"{anchor}-{count}")
            self._heading = None


@dataclass
class GuideBuild:
    """What building the guides found: pages rendered, images shown, and every problem."""

    pages: int = 0
    html: dict[Path, str] = field(default_factory=dict)
    images: set[Path] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def render(path: Path) -> str:
    """One guide page as HTML (CommonMark with tables, as on GitHub)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(path.read_text(encoding="utf-8"))


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def build_guides(folder: Path = GUIDE_DIR, *, written_after: float | None = None) -> GuideBuild:
    """Render every page under ``folder`` and check its links, anchors and images.

    With ``written_after`` (a time stamp), the screenshots under ``docs/guide/images/`` must also
    have been modified after it: written by the current test run.
    """
    build = GuideBuild()
    parsed: dict[Path, _PageParser] = {}
    for page in sorted(folder.rglob("*.md")):
        build.html[page] = render(page)
        parsed[page.resolve()] = _parse(build.html[page])
        build.pages += 1

    def anchors_of(target: Path) -> set[str]:
        if target not in parsed:
            parsed[target] = _parse(render(target))
        return parsed[target].anchors

    for page, parser in list(parsed.items()):
        where = page.relative_to(ROOT)
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("//"):
                continue  # an address outside the repository: not checked offline
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if ROOT not in target.parents and target != ROOT:
                build.problems.append(f"{where}: link {href!r} leaves the repository")
            elif not target.exists():
                build.problems.append(f"{where}: link {href!r}: no file {target.relative_to(ROOT)}")
            elif parts.fragment:
                if target.suffix != ".md":
                    build.problems.append(f"{where}: link {href!r}: an anchor in a file that is not Markdown")
                elif unquote(parts.fragment) not in anchors_of(target):
                    build.problems.append(f"{where}: link {href!r}: no heading #{parts.fragment} in {target.name}")
        for src in parser.images:
            parts = urlsplit(src)
            if parts.scheme or parts.netloc:
                build.problems.append(f"{where}: image {src!r} is not in the repository")
                continue
            image = (page.parent / unquote(parts.path)).resolve()
            if not image.is_file():
                build.problems.append(f"{where}: image {src!r}: no file {image.relative_to(ROOT)}")
                continue
            build.images.add(image)
            screenshot = IMAGES_DIR.resolve() in image.parents
            if written_after is not None and screenshot and image.stat().st_mtime < written_after:
                build.problems.append(f"{where}: image {src!r} was not written by this test run")
    return build


def _expected_screenshots() -> set[str]:
    from tests.e2e.test_guide_screenshots import LANGUAGES as SHOT_LANGUAGES
    from tests.e2e.test_guide_screenshots import WALKS

    names = {"login"} | {name for walk in WALKS.values() for name, _ in walk}
    return {f"{language}/{name}.png" for language in SHOT_LANGUAGES for name in names}


def test_every_guide_page_renders_and_its_links_and_images_resolve() -> None:
    build = build_guides()
    assert not build.problems, "the guides do not build:\n" + "\n".join(build.problems)
    assert build.pages >= 2 * 5
    for page, html in build.html.items():
        assert "<h1>" in html, f"{page.relative_to(ROOT)} has no title"


def test_the_french_and_english_guides_have_the_same_pages() -> None:
    pages = {
        language: {page.relative_to(GUIDE_DIR / language) for page in (GUIDE_DIR / language).rglob("*.md")}
        for language in LANGUAGES
    }
    assert pages["fr"] and pages["fr"] == pages["en"]
    assert {"index.md", "administrator.md"} <= {str(page) for page in pages["fr"]}


def test_the_guides_show_only_this_test_suites_screenshots_each_in_its_language() -> None:
    build = build_guides()
    images = IMAGES_DIR.resolve()
    shown = {str(image.relative_to(images)) for image in build.images if images in image.parents}
    assert shown <= _expected_screenshots(), f"images no test takes: {sorted(shown - _expected_screenshots())}"
    assert shown == _expected_screenshots(), f"screenshots no page shows: {sorted(_expected_screenshots() - shown)}"
    for page, html in build.html.items():
        language = page.relative_to(GUIDE_DIR).parts[0]
        for src in _parse(html).images:
            assert f"images/{language}/" in src, f"{page.relative_to(ROOT)} shows {src} from another language"


def test_the_readme_links_the_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for language in LANGUAGES:
        assert f"docs/guide/{language}/index.md" in readme
