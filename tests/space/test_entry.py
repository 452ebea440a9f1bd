"""Opening the space with the personal link and the date of birth; the space's confinement."""

from __future__ import annotations

from datetime import date

from tests.space.conftest import open_space


def test_the_right_birth_date_opens_the_space(space):
    page = space.get("/my/")
    assert page.status_code == 200
    assert "My space" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]


def test_a_wrong_birth_date_is_refused_and_counted(app, link):
    client = app.test_client()
    response = open_space(client, link[1], date(1990, 1, 1))
    assert response.status_code == 200
    assert "Tries left: 4" in response.get_data(as_text=True)
    assert client.get("/my/").status_code == 404


def test_a_space_session_reaches_nothing_else(space):
    assert space.get("/workspace/").status_code == 404
    assert space.get("/login").status_code == 404


def test_without_a_session_space_pages_answer_the_neutral_page(client):
    page = client.get("/my/")
    assert page.status_code == 404
    assert "This link does not work" in page.get_data(as_text=True)
