"""Issue 16, rule 9: the Flemish certificate rests on results, or on a declaration of effort.

Flanders (flanders-2022, ``certificate: basis: results``): civic orientation test passed and Dutch
at A2 or above; or, when they are not reached, an agent's declaration that the person made
sufficient efforts. Attendance alone (every step completed, test failed) is not enough. Wallonia
and Brussels keep the certificate of attendance.
"""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.services import StepChange
from integration_centre.pathway.states import CaseStatus, StepState
from integration_centre.reception import documents, services
from integration_centre.reception.models import Certificate
from tests.conftest import login
from tests.reception.helpers import pdf_text, pdftotext

ON = date(2025, 6, 2)
PERSON = {"family_name": "Vanbrabant", "given_names": "Quorvinda"}


@pytest.fixture
def flemish_case(agent, register):
    """Factory: a Flemish case whose steps are all completed (attended), with the given results."""

    def factory(*, civic: str = "pass", dutch: str = "A2"):
        newcomer = register(**PERSON)
        case = pathway.open_case(agent, newcomer, jurisdiction="flanders", on=date(2025, 3, 1))
        assert case.definition_code == "flanders"
        pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
        steps = [
            ("contract", StepChange(evidence=("signed_agreement",))),
            ("civic_orientation", StepChange(result=civic, hours="60")),
            ("dutch_course", StepChange(result=dutch, hours="240")),
            ("employment_registration", StepChange()),
        ]
        for code, change in steps:
            pathway.transition_step(agent, case, code, "start", on=ON)
            pathway.transition_step(agent, case, code, "complete", change, on=ON)
        # No participation need recorded: the participation step does not apply.
        pathway.transition_step(agent, case, "participation", "exempt", StepChange(reason="condition_not_met"), on=ON)
        db.session.commit()
        return case

    return factory


def test_definitions_say_what_the_certificate_rests_on():
    from integration_centre.pathway.definitions import registry

    bases = {d.key: d.certificate.basis for d in registry().all()}
    assert bases["flanders-2022"] == "results"
    assert {bases[k] for k in bases if not k.startswith("flanders")} == {"attendance"}
    rule = registry().get("flanders", "2022").certificate
    assert rule.declaration_of_effort is True
    assert rule.required_results == (
        {"step": "civic_orientation", "result": "pass"},
        {"step": "dutch_course", "min_level": "A2"},
    )


def test_attendance_with_the_test_failed_is_not_certified(agent, flemish_case):
    case = flemish_case(civic="fail", dutch="A2")
    assert all(s.state in (StepState.COMPLETED, StepState.EXEMPTED) for s in case.steps if s.step_code != "certificate")
    assert services.certificate_missing_steps(case) == []  # every step attended…
    with pytest.raises(PathwayError) as refused:
        services.issue_certificate(agent, case, on=ON)  # …but the civic orientation test failed
    message = refused.value.message
    assert "The certificate rests on results, not on attendance" in message
    assert "“Civic orientation (with a test)”: passed needed (recorded: failed)" in message
    assert "Dutch" not in message  # A2 reached: not listed
    assert "record a declaration of effort" in message
    db.session.rollback()
    assert db.session.query(Certificate).count() == 0
    # Nor can the certificate step be completed by hand, nor the case.
    with pytest.raises(PathwayError, match="rests on results"):
        pathway.transition_step(agent, case, "certificate", "start", on=ON)
        pathway.transition_step(agent, case, "certificate", "complete", on=ON)
    db.session.rollback()
    with pytest.raises(PathwayError):
        pathway.transition_case(agent, case, "complete", on=ON)
    db.session.rollback()
    assert case.status == CaseStatus.IN_PROGRESS


@pytest.mark.parametrize(("dutch", "certified"), [("pre_A1", False), ("A1", False), ("A2", True), ("B1", True)])
def test_dutch_must_reach_a2(agent, flemish_case, dutch, certified):
    case = flemish_case(civic="pass", dutch=dutch)
    unmet = pathway.unmet_results(case)
    if certified:
        assert unmet == []
        assert services.issue_certificate(agent, case, on=ON) is not None
    else:
        recorded = dutch.replace("_", " ")
        assert unmet == [f"“Dutch to A2 (with a test)”: level A2 or above needed (recorded: {recorded})"]
        with pytest.raises(PathwayError, match="level A2 or above needed"):
            services.issue_certificate(agent, case, on=ON)


def test_results_reached_certify_and_complete_the_case(client, agent, flemish_case):
    case = flemish_case(civic="pass", dutch="B1")
    certificate = services.issue_certificate(agent, case, on=ON)
    db.session.commit()
    pathway.transition_case(agent, case, "complete", on=ON)
    db.session.commit()
    assert case.status == CaseStatus.COMPLETED
    assert pathway.certificate_basis(case) == "results"
    login(client, agent)
    body = client.get(f"/certificates/{certificate.id}.pdf?lang=en").data
    for text in (pdf_text(body), pdftotext(body)):
        assert "Certificate of civic integration" in text
        assert "Certificate of attendance" not in text
        assert "Declaration of effort" not in text
        assert "with the results below" in text
        assert "passed" in text and "B1" in text
        assert "Quorvinda Vanbrabant" in text


def test_a_declaration_of_effort_certifies_and_the_certificate_says_so(client, agent, flemish_case):
    case = flemish_case(civic="fail", dutch="A1")
    step = pathway.declare_effort(agent, case, note="Attended every session; test failed twice.")
    db.session.commit()
    assert step.result == pathway.DECLARATION_OF_EFFORT
    assert "certificate.effort_declared" in [entry.action for entry in case.timeline]
    assert pathway.certificate_basis(case) == "declaration_of_effort"
    with pytest.raises(PathwayError, match="already recorded"):
        pathway.declare_effort(agent, case)
    db.session.rollback()

    certificate = services.issue_certificate(agent, case, on=ON)
    db.session.commit()
    pathway.transition_case(agent, case, "complete", on=ON)
    db.session.commit()
    assert case.status == CaseStatus.COMPLETED
    login(client, agent)
    body = client.get(f"/certificates/{certificate.id}.pdf?lang=en").data
    for text in (pdf_text(body), pdftotext(body)):
        assert "Certificate of civic integration" in text
        assert "Declaration of effort" in text
        assert "made sufficient efforts" in text
        assert "Certificate of attendance" not in text
        # The steps attended are listed with their results and hours: 60 h + 240 h = 300 h.
        assert "failed" in text and "A1" in text
        assert "Total hours: 300" in text


def test_no_declaration_of_effort_in_wallonia(agent, started_case):
    case = started_case()
    with pytest.raises(PathwayError, match="no declaration of effort"):
        pathway.declare_effort(agent, case)
    db.session.rollback()
    assert pathway.certificate_basis(case) == "attendance"
    assert pathway.unmet_results(case) == []


def test_walloon_certificate_unchanged(app):
    content = {
        "person": {"given_names": "Amira", "family_name": "Al-Hassan", "date_of_birth": "1995-03-14"},
        "centre": "CRI",
        "office": "Namur",
        "definition": {"en": "Integration pathway – Wallonia"},
        "modules": [
            {
                "code": "citizenship",
                "labels": {"en": "Citizenship training"},
                "state": "completed",
                "hours": "60",
                "started_on": "2025-04-01",
                "ended_on": "2025-06-01",
                "result": "fic",
            }
        ],
        "issued_on": ON,
        "revoked": False,
    }  # a snapshot taken before the basis was recorded: attendance
    with app.test_request_context():
        text = pdf_text(documents.certificate_pdf(content, "en", "https://x.example/verify/A", "AAAA"))
    assert "Certificate of attendance" in text
    assert "has followed the integration pathway (Integration pathway – Wallonia) and its modules:" in text
    assert "civic integration" not in text and "Declaration of effort" not in text
    assert "FIC" in text and "Total hours: 60" in text


@pytest.mark.parametrize(
    ("certificate", "error"),
    [
        ({"basis": "results"}, "certificate.required_results: a results-based certificate needs results"),
        ({"basis": "results", "required_results": [{"step": "nowhere", "result": "pass"}]}, "unknown step 'nowhere'"),
        (
            {"basis": "results", "required_results": [{"step": "contract", "min_level": "A2"}]},
            "required_results[0].min_level: step 'contract' records no CEFR level",
        ),
        (
            {"basis": "results", "required_results": [{"step": "civic_orientation", "result": "excellent"}]},
            "required_results[0].result: step 'civic_orientation' cannot record 'excellent'",
        ),
        ({"basis": "grades"}, "certificate.basis"),
    ],
)
def test_a_wrong_certificate_rule_names_the_field(certificate, error):
    import copy

    from integration_centre.pathway.definitions import DefinitionError, parse, registry

    document = copy.deepcopy(registry().get("flanders", "2022").raw)
    document["certificate"] = certificate
    with pytest.raises(DefinitionError) as failure:
        parse(document, "flanders-2022.yaml")
    assert error in str(failure.value)


def test_the_agent_declares_effort_on_the_pages(app, client, agent, flemish_case):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    case = flemish_case(civic="pass", dutch="A1")
    login(client, agent)
    issue = client.get(f"/cases/{case.id}/certificate/issue").get_data(as_text=True)
    assert "Issue the certificate of civic integration?" in issue
    assert "level A2 or above needed (recorded: A1)" in issue
    assert f"/cases/{case.id}/certificate/effort" in issue
    refused = client.post(f"/cases/{case.id}/certificate/issue", data={}, follow_redirects=True)
    assert "rests on results" in refused.get_data(as_text=True)
    assert db.session.query(Certificate).count() == 0

    page = f"/cases/{case.id}/certificate/effort"
    assert client.get(page).status_code == 200
    unconfirmed = client.post(page, data={"note": "Attended every lesson."})
    assert unconfirmed.status_code == 200
    assert "Tick the box to confirm the declaration." in unconfirmed.get_data(as_text=True)
    for bad in ("x" * 10_240, "a\x00b\x07c"):  # too long; control characters
        response = client.post(page, data={"note": bad, "confirm": "y"})
        assert response.status_code in (200, 400)
    assert not pathway.effort_declared(case)
    declared = client.post(page, data={"note": "Attended every lesson.", "confirm": "y"})
    assert declared.status_code == 302
    db.session.expire_all()
    assert pathway.effort_declared(case)
    issue = client.get(f"/cases/{case.id}/certificate/issue").get_data(as_text=True)
    assert "A declaration of effort is recorded" in issue
    assert client.post(f"/cases/{case.id}/certificate/issue", data={}).status_code == 302
    assert services.active_certificate(case) is not None


def test_no_declaration_page_in_wallonia(client, agent, started_case):
    case = started_case()
    login(client, agent)
    assert client.get(f"/cases/{case.id}/certificate/effort").status_code == 404
