"""The person's space in their language, on a phone (390 px): a person whose preferred language
is Arabic opens their personal link; the space is in Arabic, right to left, without horizontal
scroll, in the Arabic font the application ships (the letters joined); axe-core finds nothing in
French nor in Arabic; the language picker switches the space to French and to Tigrinya.

Screenshots: ``reports/e2e/space-*.png`` (the Arabic home page also in the test's tmp dir).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from tests.e2e.harness import AXE_SCRIPT, Pages

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, e2e_server, request) -> Iterator[Pages]:
    """A fresh browser profile on a 390 px wide phone screen, with axe-core in every page."""
    context = browser.new_context(base_url=e2e_server.url, locale="fr-BE", viewport=PHONE, device_scale_factor=2)
    context.add_init_script(path=str(AXE_SCRIPT))
    context.set_default_timeout(10_000)
    yield Pages(context.new_page(), e2e_server, request.node.name)
    context.close()


def _arabic_speaker_with_a_link(app) -> tuple[str, date]:
    """A demo person whose preferred language becomes Arabic, and a new personal link: (token, birth date)."""
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Newcomer
    from integration_centre.privacy.access import access
    from integration_centre.privacy.context import Actor
    from integration_centre.space import demo, links

    with app.app_context():
        demo_link = links.live_link(demo.demo_token())  # the quickstart's link: other tests open it
        others = select(Newcomer.id).order_by(Newcomer.id)
        if demo_link is not None:
            others = others.where(Newcomer.id != demo_link.person_id)
        person_id: uuid.UUID = db.session.scalars(others).first()
        with access(Actor(id="e2e", role="system"), "test.setup", [person_id]):
            person = db.session.get(Newcomer, person_id)
            person.preferred_language = "ar"
            born = person.date_of_birth
        _link, token = links.issue(person_id, office_id=person.registered_by_office_id, issued_by_id=None)
        db.session.commit()
    return token, born


def _no_horizontal_scroll(pages: Pages) -> None:
    widths = pages.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert max(widths[:2]) <= PHONE["width"], f"horizontal scroll at 390 px: {widths}"


def _axe_clean(pages: Pages, name: str) -> None:
    violations = pages.check_accessibility(name)
    assert not violations, f"axe-core on {name}: " + "; ".join(f"{v['id']} ({v['impact']})" for v in violations)


def _html(pages: Pages) -> tuple[str, str]:
    html = pages.page.locator("html")
    return html.get_attribute("lang") or "", html.get_attribute("dir") or ""


def _choose_language(pages: Pages, code: str) -> None:
    pages.page.locator("details.space-languages > summary").click()
    with pages.page.expect_navigation():
        pages.page.locator(f"form.space-language-form button[value={code}]").click()


def _arabic_font_used(pages: Pages) -> dict:
    """Whether the shipped Arabic face loaded, and whether it joins letters (shaping): the same
    letters kept apart by zero-width non-joiners measure differently when they join."""
    return pages.page.evaluate(
        """async () => {
            await document.fonts.ready;
            const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Noto Naskh Arabic');
            const canvas = document.createElement('canvas').getContext('2d');
            canvas.font = '32px "Noto Naskh Arabic"';
            const joined = canvas.measureText('مساحتي').width;
            const apart = canvas.measureText('م\\u200cس\\u200cا\\u200cح\\u200cت\\u200cي').width;
            const h1 = getComputedStyle(document.querySelector('h1')).fontFamily;
            return {
                loaded: faces.some(f => f.status === 'loaded'),
                check: document.fonts.check('16px "Noto Naskh Arabic"', 'مساحتي'),
                joined, apart, h1,
            };
        }"""
    )


def test_the_space_in_arabic_on_a_phone_and_the_language_picker(phone: Pages, tmp_path) -> None:
    token, born = _arabic_speaker_with_a_link(phone.server.app)

    # The link's page, before the date of birth: French (nobody is known yet), axe-clean.
    phone.goto(f"/my/link/{token}")
    assert _html(phone) == ("fr", "ltr")
    _no_horizontal_scroll(phone)
    phone.screenshot("space-open-fr")
    _axe_clean(phone, "space open (fr)")

    phone.page.locator("input[name=birth_date]").fill(born.isoformat())
    phone.submit()
    assert phone.path == "/my/"

    # The person's preferred language: Arabic, right to left, no horizontal scroll, the shipped font.
    assert _html(phone) == ("ar", "rtl")
    assert phone.page.locator("h1").inner_text() == "مساحتي"
    _no_horizontal_scroll(phone)
    font = _arabic_font_used(phone)
    assert font["loaded"] and font["check"], font
    assert "Noto Naskh Arabic" in font["h1"], font
    assert abs(font["joined"] - font["apart"]) > 1, f"the Arabic letters are not joined: {font}"
    phone.page.screenshot(path=str(tmp_path / "space-home-ar.png"), full_page=True)
    phone.screenshot("space-home-ar")
    _axe_clean(phone, "space home (ar)")
    # The header mirrors: the brand at the right, the tools at the left.
    brand = phone.page.locator(".space-brand").bounding_box()
    tools = phone.page.locator(".space-header-tools").bounding_box()
    assert brand["x"] > tools["x"], (brand, tools)

    # The picker: large targets, every language named in its own language, no horizontal scroll.
    phone.page.locator("details.space-languages > summary").click()
    options = phone.page.locator("form.space-language-form button.space-language-option")
    assert options.count() == 11
    for index in range(options.count()):
        box = options.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    assert phone.page.locator("button.space-language-option[lang=ti]").inner_text() == "ትግርኛ"
    _no_horizontal_scroll(phone)
    phone.screenshot("space-picker-ar")
    _axe_clean(phone, "space language picker (ar)")
    phone.page.locator("details.space-languages > summary").click()

    # Switch to French: left to right, axe-clean.
    _choose_language(phone, "fr")
    assert phone.path == "/my/"
    assert _html(phone) == ("fr", "ltr")
    assert phone.page.locator("h1").inner_text() == "Mon espace"
    _no_horizontal_scroll(phone)
    phone.screenshot("space-home-fr")
    _axe_clean(phone, "space home (fr)")

    # Tigrinya, in the shipped Ethiopic font.
    _choose_language(phone, "ti")
    assert _html(phone) == ("ti", "ltr")
    assert phone.page.evaluate(
        """async () => { await document.fonts.ready;
            const family = f => f.family.replace(/"/g, '');
            return document.fonts.check('16px "Noto Sans Ethiopic"', 'ትግርኛ')
                && [...document.fonts].some(f => family(f) === 'Noto Sans Ethiopic' && f.status === 'loaded'); }"""
    )
    _no_horizontal_scroll(phone)
    phone.screenshot("space-home-ti")

    # Back to Arabic, then leave: the goodbye page stays in Arabic.
    _choose_language(phone, "ar")
    with phone.page.expect_navigation():
        phone.page.locator("header form button[type=submit]", has_text="خروج").click()
    assert _html(phone) == ("ar", "rtl")
    _no_horizontal_scroll(phone)
    phone.screenshot("space-goodbye-ar")
    _axe_clean(phone, "space goodbye (ar)")


@pytest.mark.parametrize(("code", "direction"), [("fr", "ltr"), ("ar", "rtl")])
def test_the_neutral_page_in_french_and_arabic(phone: Pages, code: str, direction: str) -> None:
    """An unknown link's page (no person known): the picker works there too."""
    phone.goto(f"/my/link/{uuid.uuid4().hex}")
    if code != "fr":
        _choose_language(phone, code)
    assert _html(phone) == (code, direction)
    _no_horizontal_scroll(phone)
    phone.screenshot(f"space-neutral-{code}")
    _axe_clean(phone, f"space neutral page ({code})")


def test_the_link_page_in_arabic_with_a_wrong_date(phone: Pages) -> None:
    """The page asking for the date of birth, switched to Arabic before anyone is known; a wrong
    date: the error in Arabic, right to left, axe-clean, no horizontal scroll."""
    token, born = _arabic_speaker_with_a_link(phone.server.app)
    phone.goto(f"/my/link/{token}")
    _choose_language(phone, "ar")
    assert phone.path == f"/my/link/{token}"
    assert _html(phone) == ("ar", "rtl")
    assert phone.page.locator("h1").inner_text() == "افتح مساحتي"
    _no_horizontal_scroll(phone)
    _axe_clean(phone, "space open (ar)")
    phone.page.locator("input[name=birth_date]").fill(born.replace(year=born.year - 1).isoformat())
    phone.submit()
    error = phone.page.locator(".field-error")
    assert "هذا التاريخ غير صحيح" in error.inner_text()
    assert not phone.page.locator(".field-error .visually-hidden").is_visible() or (
        phone.page.locator(".field-error .visually-hidden").bounding_box()["width"] <= 1
    )
    _no_horizontal_scroll(phone)
    phone.screenshot("space-open-ar-wrong-date")
    _axe_clean(phone, "space open, wrong date (ar)")
