"""The administrator's day (issue 17): home page, navigation grouped by task, user menu, the audit
log for humans, a compact header on a phone, visible focus and red buttons that stay red."""

from __future__ import annotations

from tests.e2e.harness import Pages

ADMIN_GROUPS = ["accounts", "network", "pathways", "personal_data", "audit", "languages"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# WCAG relative luminance and contrast ratio of two computed ``rgb(…)`` colours, in the page.
CONTRAST_JS = """
([a, b]) => {
  const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = parse(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
"""


def contrast(pages: Pages, first: str, second: str) -> float:
    return pages.page.evaluate(CONTRAST_JS, [first, second])


def style(pages: Pages, selector: str, prop: str) -> str:
    return pages.page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")


def test_admin_home_grouped_navigation_and_user_menu(pages: Pages) -> None:
    pages.page.set_viewport_size(DESKTOP)
    pages.login("admin")
    assert pages.path == "/admin/"
    cards = pages.page.locator("main .admin-card")
    assert [cards.nth(i).get_attribute("data-nav-group") for i in range(cards.count())] == ADMIN_GROUPS
    assert pages.page.locator("main .count-badge").count() >= 2, "cheap counts on the cards"
    groups = pages.page.locator("nav.main-nav li.nav-group")
    assert [groups.nth(i).get_attribute("data-nav-group") for i in range(groups.count())] == ADMIN_GROUPS
    nav_box = pages.page.locator("nav.main-nav").bounding_box()
    assert nav_box["height"] < 60, f"one row of navigation, not three ({nav_box['height']} px)"
    pages.screenshot("admin-home-1366")
    pages.check_accessibility("admin home")

    # The brand link leads home.
    pages.goto("/admin/users")
    with pages.page.expect_navigation():
        pages.page.locator("a.brand").click()
    assert pages.path == "/admin/"

    # A group opens as a disclosure; its pages are one more click away.
    audit_group = pages.page.locator("li.nav-group[data-nav-group=audit]")
    audit_link = audit_group.locator("a[href='/admin/audit/']")
    assert not audit_link.is_visible()
    audit_group.locator("summary").click()
    assert audit_link.is_visible()
    pages.screenshot("admin-nav-group-open-1366")
    pages.check_accessibility("admin navigation, a group open")
    with pages.page.expect_navigation():
        audit_link.click()
    assert pages.path == "/admin/audit/"
    assert "nav-group-current" in (audit_group.get_attribute("class") or "")

    # The user menu holds the account pages and the log-out button.
    pages.open_user_menu()
    menu = pages.page.locator("details.user-menu")
    assert menu.locator("a[href='/account/password']").is_visible()
    assert menu.locator("a[href='/account/security']").is_visible()
    assert menu.locator("form.logout-form button").is_visible()
    assert pages.page.locator("nav.main-nav a[href='/account/password']").count() == 0
    pages.screenshot("admin-user-menu-1366")
    pages.check_accessibility("user menu open")
    # With the small script: Escape closes the menu and gives the focus back to its button, and
    # a click elsewhere closes an open group (without the script both still work as disclosures).
    menu.locator("a[href='/account/password']").focus()
    pages.page.keyboard.press("Escape")
    assert not menu.evaluate("element => element.open")
    assert pages.page.evaluate("document.activeElement.classList.contains('user-menu-toggle')")
    audit_group.locator("summary").click()
    assert audit_link.is_visible()
    pages.page.locator("main h1").click()
    assert not audit_link.is_visible()


def test_audit_log_reads_as_words_with_names_on_request(pages: Pages) -> None:
    pages.page.set_viewport_size(DESKTOP)
    pages.login("admin")
    pages.goto("/admin/audit/")
    rows = pages.page.locator("table.audit-table tbody tr")
    assert rows.count() > 0
    body = pages.page.locator("table.audit-table tbody").inner_text()
    for code in ("referral.suggest", "case.view", "dashboard.list", "system:", "person "):
        assert code not in body, f"raw code {code!r} on the audit page"
    assert pages.page.locator("table.audit-table .file-number").count() > 0, "persons shown by file number"
    assert pages.page.locator(".audit-person").count() == 0, "no name before asked"
    pages.screenshot("admin-audit-log-1366")
    pages.check_accessibility("audit log")

    with pages.page.expect_navigation():
        pages.page.locator("a[data-names=show]").click()
    assert pages.page.locator(".audit-person").count() > 0, "the persons' names on request"
    pages.screenshot("admin-audit-log-names-1366")
    pages.check_accessibility("audit log with names")

    # Filter by the file number shown on a line.
    number = pages.page.locator("table.audit-table .file-number").first.get_attribute("data-file-number")
    pages.page.locator("input[name=person]").fill(number)
    with pages.page.expect_navigation():
        pages.page.locator("form.audit-filters button[type=submit]").click()
    numbers = pages.page.locator("table.audit-table .file-number")
    assert numbers.count() > 0
    assert {numbers.nth(i).get_attribute("data-file-number") for i in range(numbers.count())} == {number}


def test_phone_header_is_compact_and_pages_fit(pages: Pages) -> None:
    pages.page.set_viewport_size(PHONE)
    pages.login("admin")
    header = pages.page.locator("header.site-header").bounding_box()
    assert header["height"] <= PHONE["height"] * 0.33, f"the header takes {header['height']} px of 844"
    toggle = pages.page.locator("nav.main-nav summary.nav-menu-toggle")
    assert toggle.is_visible()
    assert not pages.page.locator("nav.main-nav li.nav-group").first.is_visible()
    pages.screenshot("admin-home-390")
    pages.check_accessibility("admin home at 390 px")
    for path in ("/admin/", "/admin/audit/"):
        pages.goto(path)
        width = pages.page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide at 390"
    pages.screenshot("admin-audit-log-390")
    pages.check_accessibility("audit log at 390 px")

    toggle = pages.page.locator("nav.main-nav summary.nav-menu-toggle")
    toggle.click()
    group = pages.page.locator("nav.main-nav li.nav-group[data-nav-group=personal_data]")
    assert group.is_visible()
    group.locator("summary").click()
    assert group.locator("a").first.is_visible()
    assert pages.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    pages.screenshot("admin-menu-open-390")
    pages.check_accessibility("menu open at 390 px")
    pages.logout()


def test_focus_indicators_contrast_and_red_buttons_stay_red(pages: Pages) -> None:
    pages.page.set_viewport_size(DESKTOP)
    pages.login("admin")
    pages.goto("/admin/users")
    nav_background = style(pages, "nav.main-nav", "backgroundColor")
    header_background = style(pages, "header.site-header", "backgroundColor")

    # A focused top-level navigation link: dark text on yellow, the yellow standing out on the blue.
    link = pages.page.locator("nav.main-nav a[href='/admin/']")
    link.focus()
    pages.page.keyboard.press("Shift+Tab")
    pages.page.keyboard.press("Tab")
    assert pages.page.evaluate("document.activeElement.getAttribute('href')") == "/admin/"
    color = pages.page.evaluate("getComputedStyle(document.activeElement).color")
    background = pages.page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert contrast(pages, color, background) >= 4.5, (color, background)
    assert contrast(pages, background, nav_background) >= 3, (background, nav_background)
    pages.screenshot("admin-focus-nav-link")

    # A focused group disclosure, the brand link and a language button: the same.
    for selector, around in (
        ("li.nav-group[data-nav-group=audit] > details > summary", nav_background),
        ("a.brand", header_background),
        ("form.language-switch button", header_background),
        ("details.user-menu > summary", header_background),
    ):
        target = pages.page.locator(selector).first
        target.focus()
        pages.page.keyboard.press("Shift+Tab")
        pages.page.keyboard.press("Tab")
        assert pages.page.evaluate("e => document.activeElement === e", target.element_handle()), selector
        color = pages.page.evaluate("getComputedStyle(document.activeElement).color")
        background = pages.page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
        assert contrast(pages, color, background) >= 4.5, (selector, color, background)
        assert contrast(pages, background, around) >= 3, (selector, background, around)

    # Inputs and buttons on the white page: a yellow ring with a dark ring around it.
    pages.goto("/admin/audit/")
    field = pages.page.locator("input[name=person]")
    field.focus()
    pages.page.keyboard.press("Shift+Tab")
    pages.page.keyboard.press("Tab")
    outline = pages.page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    shadow = pages.page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline.startswith("rgb(255, 221, 0)") and shadow.startswith("rgb(27, 27, 27)"), (outline, shadow)
    assert contrast(pages, "rgb(27, 27, 27)", "rgb(255, 255, 255)") >= 3

    # A destructive button keeps its red on hover (it turned green before).
    pages.page.evaluate(
        """() => { const b = document.createElement('button'); b.className = 'button button-warning';
        b.id = 'probe-warning'; b.type = 'button'; b.textContent = 'Supprimer';
        document.querySelector('main .container').prepend(b); }"""
    )
    pages.page.locator("#probe-warning").hover()
    red, green, blue = (
        int(v) for v in style(pages, "#probe-warning", "backgroundColor").strip("rgba()").split(",")[:3]
    )
    assert red > 100 and green < 60 and blue < 60, (red, green, blue)
