"""Issue 18, criterion 4, in a real browser: from the commune's list to the case, and to the
procedure for the person who never comes.

An agent of Namur imports a commune list of two persons (upload, columns, dry run, confirm); both
appear as announced. Person A (registered recently, Arabic) gets a reception appointment with an
Arabic interpreter; the convocation in Arabic, read back with ``pdftotext``, holds the date and
the office's address in Arabic script; A comes and the case opens from the appointment. Person B
(registered five months ago) never came: the duty-to-present date has passed and the agent starts
the non-compliance procedure by recording the notice."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date

from integration_centre import clock
from integration_centre.accounts.demo import demo_office
from integration_centre.agenda import services
from tests.e2e.harness import Pages
from tests.intake.conftest import niss_for
from tests.pdf_text import ARABIC_WORD, in_order, pdf_text

pytestmark = pytest.mark.e2e

HEADER = [
    "Nom", "Prénom", "Date de naissance", "Sexe", "Nationalité", "NISS", "Commune", "Adresse",
    "Date du titre de séjour", "Date d'inscription", "Langues", "Langue préférée", "Statut de séjour",
]  # fmt: skip
# Fictitious persons (synthetic national numbers with valid check digits).
A_FAMILY, A_GIVEN = "Zaitouni", "Rania"
B_FAMILY, B_GIVEN = "Qabbanour", "Tarek"


def _list_csv(today: date) -> bytes:
    """The commune's list: permit ordered 10 days before the registration at the municipality."""

    def ago(days: int) -> str:
        return f"{today - timedelta(days=days):%d/%m/%Y}"

    rows = [
        [A_FAMILY, A_GIVEN, "12/05/1994", "F", "SY", niss_for(date(1994, 5, 12), 6), "92094",
         "Rue de Bruxelles 20, 5000 Namur", ago(20), ago(10), "ar, en", "ar", "réfugié"],
        [B_FAMILY, B_GIVEN, "21/09/1989", "M", "SY", niss_for(date(1989, 9, 21), 13), "92094",
         "Rue Rogier 8, 5000 Namur", ago(160), ago(150), "ar", "ar", "réfugié"],
    ]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _appointment_day(today: date) -> date:
    """A Tuesday at least two weeks ahead (the demo's agenda fills next week only)."""
    day = today + timedelta(days=14)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _the_hour_comes(app, appointment_id: str) -> None:
    """The appointment's hour comes: the test moves the appointment an hour into the past (the
    booking rules refuse a past time, and the browser's session outlives no clock travel)."""
    import uuid

    from integration_centre.agenda.models import Appointment
    from integration_centre.extensions import db

    with app.app_context():
        item = db.session.get(Appointment, uuid.UUID(appointment_id))
        length = item.ends_at - item.starts_at
        item.starts_at = clock.utcnow().replace(microsecond=0) - timedelta(hours=1)
        item.ends_at = item.starts_at + length
        db.session.commit()


def _click(pages: Pages, locator) -> None:
    with pages.page.expect_navigation():
        locator.click()


def _announced_row(pages: Pages, family: str):
    """The announced list's row of ``family``, on whichever page of the list holds it (the shared
    demo office has more announced persons than one page as the browser tests add theirs); an empty
    locator on the last page when no page does."""
    page = pages.page
    number = 1
    while True:
        pages.goto(f"/announced?page={number}")
        row = page.locator("[data-testid=announced-row]", has_text=re.compile(family, re.I))
        if row.count() or page.locator("a[rel=next]").count() == 0:
            return row
        number += 1


def test_from_the_commune_list_to_the_case_and_to_the_procedure(pages: Pages, e2e_server, tmp_path) -> None:
    page = pages.page
    today = clock.today()
    pages.login("agent")

    # The commune's list: upload, columns, dry run, confirm.
    pages.goto("/imports/")
    page.set_input_files("input[name=file]", {"name": "liste.csv", "mimeType": "text/csv", "buffer": _list_csv(today)})
    pages.submit()
    assert pages.path.endswith("/columns"), pages.path
    _click(
        pages,
        page.locator("main form button[type=submit]", has_text="essai à blanc")
        .or_(page.locator("main form button[type=submit]", has_text="dry run"))
        .first,
    )
    page.wait_for_selector("[data-testid=counts]", timeout=15_000)
    pages.check_accessibility("the dry run's report")
    _click(pages, page.locator("form[action$='/confirm'] button"))
    page.wait_for_selector("[data-status=completed]", timeout=15_000)
    assert page.locator("[data-testid=created]").inner_text().strip().startswith("2"), page.content()
    pages.check_accessibility("the import's report")

    # Both persons appear as announced; B's date has passed, A's has not.
    pages.goto("/announced")
    pages.check_accessibility("the announced list")
    row_b = _announced_row(pages, B_FAMILY)
    assert row_b.count() == 1, page.content()
    assert row_b.locator(".status-error").count() == 1  # "Date passed"
    row_a = _announced_row(pages, A_FAMILY)
    assert row_a.count() == 1, page.content()
    assert row_a.locator(".status-error").count() == 0

    # Person A: book a reception appointment with an Arabic interpreter from the person's page.
    _click(pages, row_a.locator("th a"))
    _click(pages, page.locator("[data-testid=book-link]"))
    assert pages.path.startswith("/agenda/book")
    assert page.locator("#kind").input_value() == "reception"
    day = _appointment_day(today)
    page.locator("#day").fill(day.isoformat())
    page.locator("#start").select_option("15:00")
    page.locator("#interpreter_required").check()
    page.locator("#interpreter_language").select_option("ar")
    pages.submit()
    match = re.fullmatch(r"/agenda/appointments/([0-9a-f-]{36})", pages.path)
    assert match, (pages.path, page.locator("main").inner_text())
    appointment_id = match.group(1)
    assert page.locator("[data-testid=interpreter-status]").count() == 1

    # The convocation in Arabic, downloaded through the page's link and read back.
    href = page.locator("[data-testid=letters] a[hreflang=ar]").get_attribute("href")
    response = page.request.get(pages.url(href))
    assert response.ok and response.headers["content-type"].startswith("application/pdf")
    text = pdf_text(response.body(), tmp_path)
    weekday = format_date(day, "EEEE", locale="ar")
    month = format_date(day, "MMMM", locale="ar")
    assert ARABIC_WORD.fullmatch(weekday) and ARABIC_WORD.fullmatch(month)
    assert in_order(["التاريخ", weekday, month, str(day.year)], text), text
    with e2e_server.app.app_context():  # the demo office of Namur writes its address in Arabic
        address = (services.settings_of(demo_office().id).letter_addresses or {})["ar"]
    assert in_order(ARABIC_WORD.findall(address), text), text
    assert "15:00" in text

    # The day comes; the person comes; the case opens from the appointment.
    _the_hour_comes(e2e_server.app, appointment_id)
    page.reload()
    page.locator("#outcome-0").check()  # came
    _click(pages, page.locator("form[action$='/attendance'] button"))
    _click(pages, page.locator("[data-testid=open-case] button"))
    assert pages.path.startswith("/cases/"), pages.path
    assert A_FAMILY.casefold() in page.locator("main").inner_text().casefold()
    assert _announced_row(pages, A_FAMILY).count() == 0

    # Person B never came: after the date, the procedure starts with the notice.
    _click(pages, _announced_row(pages, B_FAMILY).locator("th a"))
    obliged = page.locator("[data-testid=announced-summary] dd").nth(2).inner_text().strip()
    assert obliged in ("oui", "yes"), obliged
    _click(pages, page.locator("[data-testid=start-noncompliance]"))
    page.locator("#notice-sent_on").fill(today.isoformat())
    page.locator("#notice-grace_days").fill("30")
    pages.submit()
    assert re.fullmatch(r"/announced/[0-9a-f-]{36}", pages.path), (pages.path, page.locator("main").inner_text())
    # "Non-compliance procedure running", and the button now continues it.
    assert page.locator("[data-testid=announced-summary] .status-warn").count() == 1, page.locator("main").inner_text()
    assert page.locator("[data-testid=start-noncompliance]").count() == 0
    assert page.locator(f"a[href$='/announced/{pages.path.rsplit('/', 1)[1]}/noncompliance']").count() == 1
    assert _announced_row(pages, B_FAMILY).locator(".status-warn").count() >= 1
    assert pages.csp_violations == []
