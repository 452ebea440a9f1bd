"""Login, logout and role homes through HTTP."""

from integration_centre.accounts.models import Role
from tests.conftest import TEST_PASSWORD, login


def test_login_page_answers_in_french(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_agent_logs_in_and_reaches_home(client, make_user):
    user = make_user(Role.AGENT)
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent"
    assert client.get("/agent").status_code == 200
    assert client.get("/operator").status_code == 404


def test_wrong_password_and_unknown_user_answer_identically(client, make_user):
    user = make_user(Role.AGENT)
    wrong = client.post("/login", data={"email": user.email, "password": "not the password!"})
    unknown = client.post("/login", data={"email": "nobody@test.example", "password": TEST_PASSWORD})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.get_data(as_text=True).replace(user.email, "X") == unknown.get_data(as_text=True).replace(
        "nobody@test.example", "X"
    )
