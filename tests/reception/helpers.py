"""Helpers: take a Wallonia case through the reception module up to the certificate."""

from __future__ import annotations

import io
import subprocess
from datetime import date

from pypdf import PdfReader

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.services import StepChange
from integration_centre.reception import services


def do_reception(agent, case, *, level: str = "B1", on: date = date(2025, 3, 5)) -> None:
    """Assessment, session, positioning test, one task done, agreement signed (committed)."""
    services.record_assessment(agent, case, {"housing": "flat search", "notes": "first meeting"}, on=on)
    services.record_session(
        agent,
        case,
        held_on=on,
        format="group",
        themes=["fundamental_rights", "residence"],
        language="fr",
        interpreter=True,
        hours="3",
        today=on,
    )
    services.record_positioning_test(agent, case, tested_on=on, level=level, today=on)
    task = services.add_task(agent, case, kind="health_insurance", title="Mutuelle", due_on=on, today=on)
    services.complete_task(agent, task, on=on)
    services.sign_agreement(agent, case, signed_on=on, today=on)
    db.session.commit()


def finish_training(agent, case, *, on: date = date(2025, 9, 1)) -> None:
    """Citizenship training done (agent-confirmed, 60 h); steps that do not apply exempted."""
    pathway.transition_step(agent, case, "citizenship", "start", on=on)
    pathway.transition_step(
        agent,
        case,
        "citizenship",
        "complete",
        StepChange(hours="60", evidence=("attendance_record",), result="aoc"),
        on=on,
    )
    for code in ("french_course", "orientation"):
        step = case.step(code)
        if step.state == "pending":
            definition = pathway.definition_of(case)
            if pathway.step_required(case, definition.step(code), definition) is False:
                pathway.transition_step(agent, case, code, "exempt", StepChange(reason="condition_not_met"), on=on)
    db.session.commit()


def pdf_text(body: bytes) -> str:
    """The text of a PDF, as pypdf extracts it (whitespace collapsed)."""
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdftotext(body: bytes) -> str:
    """The text of a PDF, as poppler's pdftotext extracts it (whitespace collapsed)."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())
