"""The space session reaches nothing else: staff pages, error pages, the API and unknown URLs
answer 404 to it (never a redirect to the staff login); an ended session confines nothing."""

from __future__ import annotations

from integration_centre.extensions import db
from integration_centre.space import links


def test_staff_routes_error_pages_and_the_api_answer_404_not_a_redirect(space):
    for path in ("/", "/login", "/agent", "/cases/00000000-0000-4000-8000-000000000000", "/no-such-page",
                 "/admin", "/healthz", "/api/v1/token", "/api/no-such-route"):  # fmt: skip
        response = space.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "Location" not in response.headers
    api = space.get("/api/v1/token")
    assert api.content_type == "application/problem+json"
    assert space.post("/language", data={"locale": "nl"}).status_code == 404
    assert "This link does not work" in space.get("/agent").get_data(as_text=True)  # the space's neutral page
    assert space.get("/static/css/space.css").status_code == 200


def test_an_ended_space_session_no_longer_confines_the_browser(space, link):
    links.revoke(link[0])
    db.session.commit()
    assert space.get("/my/").status_code == 404
    assert space.get("/login").status_code == 200  # the staff login page works again in this browser
