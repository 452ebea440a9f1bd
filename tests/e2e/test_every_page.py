"""Every page of every role, in French, English and Dutch, on a 390 px wide phone (issue #17, 2–4).

For each demo role the test logs in, discovers the pages reachable by GET from the navigation and
the links of the pages found (same origin; no log-out, no downloads; ids collapsed so that one page
of each kind is visited, at most ``MAX_PATTERNS`` kinds per role), then opens each of them in fr,
en and nl at 390 px and checks:

- text: no code on screen (snake_case words, ``pre_A1``, rule-version ids such as
  ``wallonia-2025``, audit purposes such as ``referral.suggest``), and no English UI words in the
  French and Dutch pages (``ENGLISH_WORDS``); text inside ``code``/``pre``/``kbd``/``samp`` and in
  elements of another ``lang`` (the language switch) is not screen text;
- width: ``document.scrollingElement.scrollWidth <= 390`` (every language: Dutch words are longer);
- axe-core with the WCAG 2.2 AA tags, no serious or critical violation (French pages);
- focus: a few elements reached with Tab (the header once, the start of ``main`` on every page)
  have a focus indicator of at least 3:1 against what surrounds them, and readable text (4.5:1,
  3:1 when large) on their focused background (French pages).

Every failure of a role is collected, grouped by what failed, and reported at once with the pages.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.harness import AXE_SCRIPT, BLOCKING_IMPACTS, HOME_PATHS, Pages

pytestmark = pytest.mark.e2e

ROLES = ("agent", "operator", "committee", "admin")
LANGUAGES = ("fr", "en", "nl")
WIDTH = 390
MAX_PATTERNS = 60
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
HEADER_TABS = 9  # skip link, brand, language buttons, log-out, the first navigation links
MAIN_TABS = 4

# Paths never followed: leaving the session, or not pages.
SKIPPED_PATH = re.compile(r"^/(static/|logout|login|favicon)|\.(pdf|csv|xlsx|zip|png|jpe?g|svg|json)$", re.I)
# A path segment that is an id (number, uuid, token, file number, rule version): collapsed.
ID_SEGMENT = re.compile(r"\d|^[0-9a-f]{8,}$|^[A-Za-z0-9_-]{20,}$")

# --- code patterns (every language) --------------------------------------------------------------
CODE_PATTERNS = {
    "snake_case code": re.compile(r"(?<![\w@./\\-])[a-z]+_[a-z_]*[a-z](?![\w@])"),
    "level code": re.compile(r"\b[a-z]+_[A-Z]\d\b"),  # pre_A1
    "rule-version id": re.compile(r"(?<![\w./-])[a-z]+(?:-[a-z]+)*-20\d\d\b(?!-)"),
    "dotted code": re.compile(r"(?<![\w@/.-])[a-z]{3,}\.[a-z][a-z_]{2,}(?![\w@/.-])"),
}
FILE_EXTENSIONS = {"pdf", "csv", "xlsx", "png", "svg", "json", "html", "txt", "zip", "jpg", "jpeg", "docx"}
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|(?<![\w])/[\w<>{}.:/-]*[\w>}]")

# --- English words that never appear in French or Dutch screen text ------------------------------
# Single words match case-sensitively as whole words (capitalised UI words; lower-case function
# words), phrases case-insensitively. Left out on purpose: words that are also French or Dutch
# (open, status, details, test, module, session, date, total, filter, help, week, case, note,
# comment, agent, operator, centre, office, deadline, privacy, account, export, download, update,
# home, dashboard, inbox, score, print, sent, change, email, login, service, organisation, issue,
# token, "art.", "is", "was", "of", "in", "on").
ENGLISH_WORDS = [
    # function words
    "the",
    "The",
    "and",
    "with",
    "for",
    "not",
    "your",
    "Your",
    "this",
    "This",
    "that",
    "from",
    "have",
    "are",
    "will",
    "should",
    "must",
    "which",
    "when",
    "there",
    "their",
    "any",
    "only",
    "without",
    "before",
    "after",
    "yet",
    "been",
    "than",
    "into",
    "these",
    "those",
    "please",
    "Please",
    # buttons and actions
    "Save",
    "Cancel",
    "Back",
    "Search",
    "Submit",
    "Delete",
    "Edit",
    "Next",
    "Previous",
    "Continue",
    "Confirm",
    "Close",
    "Show",
    "Hide",
    "View",
    "Add",
    "Remove",
    "Send",
    "Sign",
    "Choose",
    "Select",
    "Apply",
    "Reset",
    "Clear",
    "Create",
    "Record",
    "Refer",
    "Accept",
    "Decline",
    "Withdraw",
    "Suspend",
    "Resume",
    "Revoke",
    "Verify",
    "Mark",
    "Find",
    "Merge",
    "Transfer",
    "Assign",
    "Generate",
    # states and common nouns
    "Overdue",
    "Pending",
    "Done",
    "Completed",
    "Started",
    "Planned",
    "Referred",
    "Exempted",
    "Failed",
    "Cancelled",
    "Accepted",
    "Declined",
    "Withdrawn",
    "Abandoned",
    "Suspended",
    "Closed",
    "Received",
    "Created",
    "Updated",
    "Yes",
    "None",
    "Unknown",
    "Required",
    "Optional",
    "New",
    "All",
    "More",
    "Steps",
    "Step",
    "Referrals",
    "Referral",
    "Evidence",
    "Hours",
    "hours",
    "days",
    "Agreement",
    "Certificate",
    "Tasks",
    "Task",
    "Reason",
    "Other",
    "Language",
    "Languages",
    "Level",
    "Result",
    "Results",
    "Period",
    "Scope",
    "Year",
    "Month",
    "Today",
    "Yesterday",
    "ago",
    "Settings",
    "Users",
    "User",
    "Security",
    "Statistics",
    "Requests",
    "Request",
    "Rights",
    "Retention",
    "Erased",
    "Upcoming",
    "Name",
    "Address",
    "Phone",
    "Nationality",
    "Person",
    "People",
    "Newcomer",
    "File",
    "Files",
    "Reception",
    "Pathway",
    "Definitions",
    "Definition",
    "Network",
    "Directory",
    "Caseload",
    "Outcome",
]
ENGLISH_PHRASES = [
    "First version",
    "GDPR",
    "not yet recorded",
    "in progress",
    "not needed",
    "Log out",
    "Sign out",
    "First name",
    "Family name",
    "Date of birth",
    "Birth date",
    "Still to do",
]
ENGLISH_PATTERN = re.compile(
    r"(?<![\w'’-])(?:" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w'’-])"
    r"|(?i:(?<!\w)(?:" + "|".join(re.escape(p) for p in ENGLISH_PHRASES) + r")(?!\w))"
)

# Screen text: visible text nodes and the names given in attributes, outside code samples and
# outside elements marked with another language (the language switch names "English").
TEXT_JS = """() => {
  const base = (document.documentElement.lang || '').split('-')[0];
  const skip = 'script,style,noscript,template,code,pre,kbd,samp,[translate="no"]';
  const cache = new Map();
  const readable = (el) => {
    if (cache.has(el)) return cache.get(el);
    let ok = !el.closest(skip);
    if (ok) {
      const owner = el.closest('[lang]');
      if (owner && owner !== document.documentElement && owner.lang.split('-')[0] !== base) ok = false;
    }
    if (ok) {
      const box = el.closest('select') || el;
      ok = box.checkVisibility({visibilityProperty: true}) || !!el.closest('.visually-hidden');
    }
    cache.set(el, ok);
    return ok;
  };
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (text && node.parentElement && readable(node.parentElement)) parts.push(text);
  }
  const named = '[aria-label],[placeholder],[title],img[alt],input[type=submit][value]';
  for (const el of document.body.querySelectorAll(named)) {
    if (!readable(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      const value = el.getAttribute(name);
      if (value) parts.push(value);
    }
    if (el.matches('input[type=submit]')) parts.push(el.value);
  }
  return [document.title].concat(parts).join('\\n');
}"""

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""

WIDTH_JS = "() => document.scrollingElement.scrollWidth"

# The focused element: its focus indicator against what surrounds it, and its text on its background.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement || el.tagName === 'MAIN') return null;
  // Focus inside the browser's own shadow parts (a date field's calendar button) leaves the field
  // itself unfocused: its indicator is the browser's, not the page's.
  if (!el.matches(':focus')) return null;
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const blend = (c, under) => ({
    r: c.r * c.a + under.r * (1 - c.a), g: c.g * c.a + under.g * (1 - c.a),
    b: c.b * c.a + under.b * (1 - c.a), a: 1});
  const background = (start) => {
    const layers = [];
    for (let n = start; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const c of layers.reverse()) colour = blend(c, colour);
    return colour;
  };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (x, y) => { const a = lum(x), b = lum(y); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const hex = (c) => '#' + [c.r, c.g, c.b].map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  const cs = getComputedStyle(el);
  const around = background(el.parentElement);
  const own = background(el);
  const indicators = [];
  if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) {
    const c = parse(cs.outlineColor);
    if (c && c.a > 0) indicators.push(['outline ' + hex(blend(c, around)), ratio(blend(c, around), around)]);
  }
  for (const m of (cs.boxShadow || '').matchAll(/rgba?\\([^)]+\\)/g)) {
    const c = parse(m[0]);
    if (c && c.a > 0) indicators.push(['shadow ' + hex(blend(c, around)), ratio(blend(c, around), around)]);
  }
  if (hex(own) !== hex(around)) indicators.push(['background ' + hex(own), ratio(own, around)]);
  const best = indicators.reduce((a, b) => (b[1] > a[1] ? b : a), ['none', 1]);
  const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  const size = parseFloat(cs.fontSize), weight = parseInt(cs.fontWeight, 10) || 400;
  const large = size >= 24 || (size >= 18.66 && weight >= 700);
  const colour = blend(parse(cs.color) || {r: 0, g: 0, b: 0, a: 1}, own);
  const names = typeof el.className === 'string' ? el.className.trim() : '';
  const classes = names ? '.' + names.split(/\\s+/).join('.') : '';
  const where = el.closest('header') ? 'header' : (el.closest('nav') ? 'nav' : (el.closest('main') ? 'main' : 'page'));
  return {
    element: `${where} ${el.tagName.toLowerCase()}${classes}`, text,
    indicator: best[0], indicatorRatio: best[1], around: hex(around),
    textRatio: text ? ratio(colour, own) : null, textColour: hex(colour), ownBackground: hex(own),
    textMinimum: large ? 3 : 4.5,
  };
}"""


def url_pattern(path: str, query: str) -> str:
    """The kind of page: id-like path segments collapsed, query keys kept without their values."""
    segments = ["<id>" if ID_SEGMENT.search(s) else s for s in path.split("/")]
    keys = sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)})
    return "/".join(segments) + (("?" + "&".join(keys)) if keys else "")


def screen_text_failures(text: str, language: str) -> list[tuple[str, str, str]]:
    """(check, found text, its context) for every code pattern, and English word in French and Dutch pages."""
    cleaned = EMAIL_OR_URL.sub(" ", text)
    found: set[tuple[str, str, str]] = set()
    for check, pattern in CODE_PATTERNS.items():
        for match in pattern.finditer(cleaned):
            word = match.group(0)
            if check == "dotted code" and word.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS:
                continue
            context = cleaned[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ⏎ ")
            found.add((check, word, f"“…{context}…”"))
    if language != "en":
        for match in ENGLISH_PATTERN.finditer(cleaned):
            start, end = match.span()
            context = cleaned[max(0, start - 30) : end + 30].replace("\n", " ⏎ ")
            found.add((f"English word in {language}", f"{match.group(0)!r}", f"“…{context}…”"))
    return sorted(found)


class Crawl:
    """The pages of one role and the failures found on them, grouped by what failed."""

    def __init__(self, pages: Pages, role: str) -> None:
        self.pages = pages
        self.role = role
        self.origin = pages.server.url
        self.failures: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.examples: dict[tuple[str, str], str] = {}

    def fail(self, check: str, detail: str, where: str, example: str = "") -> None:
        if where not in self.failures[(check, detail)]:
            self.failures[(check, detail)].append(where)
        if example:
            self.examples.setdefault((check, detail), example)

    def local_path(self, href: str) -> str | None:
        """The path and query of a same-origin page link, or None for anything not to follow."""
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or SKIPPED_PATH.search(parts.path):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def open(self, path: str) -> bool:
        """Open a page; False (with a failure when it is an error) when it is not an HTML page."""
        try:
            response = self.pages.goto(path)
        except Exception as exc:  # noqa: BLE001 - a download aborts the navigation: not a page
            if "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc):
                return False
            self.fail("navigation", f"{type(exc).__name__}: {str(exc).splitlines()[0]}", path)
            return False
        if response is None:
            return False
        if response.status >= 400:
            self.fail("HTTP status", f"{response.status} for a link offered to {self.role}", path)
            return False
        return "text/html" in (response.headers.get("content-type") or "")

    def discover(self, check) -> list[str]:
        """BFS from the home page over page links; one page per kind, at most MAX_PATTERNS kinds.

        ``check(number)`` runs on each page found (the checks of the discovery's language).
        """
        home = HOME_PATHS[self.role]
        queue, seen, found = [home], {url_pattern(home, "")}, []
        while queue and len(found) < MAX_PATTERNS:
            path = queue.pop(0)
            if not self.open(path):
                continue
            check(len(found))
            found.append(self.pages.path)
            for href in self.pages.page.evaluate(LINKS_JS):
                local = self.local_path(href)
                if local is None:
                    continue
                parts = urlsplit(local)
                pattern = url_pattern(parts.path, parts.query)
                if pattern not in seen:
                    seen.add(pattern)
                    queue.append(local)
        return list(dict.fromkeys(found))

    def check_text_and_width(self, language: str) -> None:
        page, url = self.pages.page, self.pages.path
        for check, detail, example in screen_text_failures(page.evaluate(TEXT_JS), language):
            self.fail(check, detail, url, example)
        width = page.evaluate(WIDTH_JS)
        if width > WIDTH:
            self.fail(f"page wider than {WIDTH} px", f"scrollWidth {width} px ({language})", url)

    def check_axe(self) -> None:
        results = self.pages.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        for violation in results["violations"]:
            if violation.get("impact") in BLOCKING_IMPACTS:
                targets = ", ".join(str(node.get("target")) for node in violation["nodes"][:3])
                detail = f"[{violation['impact']}] {violation['id']}: {violation['help']} — {targets}"
                self.fail("axe-core WCAG 2.2 AA", detail, self.pages.path)

    def check_focus(self, *, header: bool) -> None:
        page, url = self.pages.page, self.pages.path
        states = []
        if header:
            page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
            for _ in range(HEADER_TABS):
                page.keyboard.press("Tab")
                states.append(page.evaluate(FOCUS_JS))
        if page.evaluate("() => { const m = document.querySelector('main'); if (m) m.focus(); return !!m; }"):
            for _ in range(MAIN_TABS):
                page.keyboard.press("Tab")
                states.append(page.evaluate(FOCUS_JS))
        for state in filter(None, states):
            name = f"{state['element']} “{state['text']}”"
            if state["indicatorRatio"] < 3:
                detail = (
                    f"{name}: focus indicator {state['indicator']} on {state['around']} is "
                    f"{state['indicatorRatio']:.2f}:1 (< 3:1)"
                )
                self.fail("focus contrast", detail, url)
            if state["textRatio"] is not None and state["textRatio"] < state["textMinimum"]:
                detail = (
                    f"{name}: focused text {state['textColour']} on {state['ownBackground']} is "
                    f"{state['textRatio']:.2f}:1 (< {state['textMinimum']}:1)"
                )
                self.fail("focus contrast", detail, url)

    def check_csp(self) -> None:
        for message in self.pages.csp_violations:
            self.fail("CSP violation", message[:200], self.pages.path)
        self.pages.csp_violations.clear()

    def report(self, visited: list[str], seconds: float) -> str:
        lines = [
            f"{self.role}: {len(self.failures)} distinct failures on {len(visited)} pages × {len(LANGUAGES)} "
            f"languages at {WIDTH} px ({seconds:.0f} s). Pages: {', '.join(visited)}",
        ]
        for (check, detail), urls in sorted(self.failures.items()):
            more = f" (+{len(urls) - 4} more)" if len(urls) > 4 else ""
            example = f" e.g. {self.examples[(check, detail)]}" if (check, detail) in self.examples else ""
            lines.append(f"- {check}: {detail}{example}\n    on {', '.join(urls[:4])}{more}")
        return "\n".join(lines)


@pytest.fixture
def phone_pages(browser, e2e_server, request):
    """A fresh browser profile 390 px wide, with axe-core in every page (as ``browser_context``)."""
    context = browser.new_context(
        base_url=e2e_server.url, locale="fr-BE", viewport={"width": WIDTH, "height": 844}, has_touch=False
    )
    context.add_init_script(path=str(AXE_SCRIPT))
    context.set_default_timeout(15_000)
    yield Pages(context.new_page(), e2e_server, request.node.name)
    context.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_in_every_language_on_a_phone(phone_pages: Pages, role: str) -> None:
    started = time.monotonic()
    phone_pages.login(role)
    assert phone_pages.html_lang() == "fr"
    crawl = Crawl(phone_pages, role)

    def check_in_french(number: int) -> None:
        crawl.check_text_and_width("fr")
        crawl.check_axe()
        crawl.check_focus(header=number == 0)
        crawl.check_csp()

    visited = crawl.discover(check_in_french)
    assert visited, f"{role}: no page discovered"
    for language in LANGUAGES[1:]:
        phone_pages.goto(HOME_PATHS[role])
        phone_pages.switch_language(language)
        assert phone_pages.html_lang() == language
        for path in visited:
            if crawl.open(path):
                crawl.check_text_and_width(language)
                crawl.check_csp()
    phone_pages.goto(HOME_PATHS[role])
    if phone_pages.html_lang() != "fr":
        phone_pages.switch_language("fr")  # the demo user's language back as it was
    report = crawl.report(visited, time.monotonic() - started)
    print(report)
    assert not crawl.failures, report
