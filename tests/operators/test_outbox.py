"""E-mail notifications: queued with the referral, sent by ``integration-centre outbox send`` to a
real (local, in-process) SMTP server, retried with backoff, no personal data in the subject."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators import outbox, services
from integration_centre.operators.models import OutboxMessage
from tests.operators.conftest import ON
from tests.operators.smtp_server import SMTPServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _queue_one(agent, org, case_ready, profiles):
    profile = services.get_profile(org["operator"].id)
    profile.notify_by_email = True
    db.session.commit()
    referral = services.refer(agent, case_ready(), "french_course", org["operator"].id, on=ON)
    db.session.commit()
    return referral


def test_a_new_referral_is_mailed_with_its_reference_only(app, agent, org, case_ready, profiles):
    referral = _queue_one(agent, org, case_ready, profiles)
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "ecole@test.example"
    assert message.subject == f"New referral {referral.reference}"
    for personal in ("Amira", "Al-Hassan", "amira@example.org", "+32 470"):
        assert personal not in message.subject and personal not in message.body
    with SMTPServer() as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        assert len(server.messages) == 1
        sender, recipients, email = server.messages[0]
        assert sender == app.config["MAIL_FROM"]
        assert recipients == ["ecole@test.example"]
        assert email["Subject"] == f"New referral {referral.reference}"
        # Sent once: a second run finds nothing due.
        again = app.test_cli_runner().invoke(args=["outbox", "send"])
        assert again.exit_code == 0 and "sent 0" in again.output
        assert len(server.messages) == 1
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_failures_are_retried_later_with_backoff_then_given_up(app, agent, org, case_ready, profiles):
    _queue_one(agent, org, case_ready, profiles)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())  # nobody listens there
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "to retry 1" in result.output
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempts == 1 and message.sent_at is None
    assert message.last_error == "ConnectionRefusedError"
    first_delay = message.next_attempt_at - utcnow()
    assert timedelta(seconds=30) < first_delay <= timedelta(minutes=1)
    # Not due yet: a run right now sends nothing and does not count an attempt.
    assert outbox.send_due().retried == 0
    with SMTPServer() as server:
        app.config.update(SMTP_PORT=server.port)
        server.refuse_next = 1  # temporary SMTP error (451) on the next attempt
        later = utcnow() + timedelta(minutes=2)
        assert outbox.send_due(now=later).retried == 1
        db.session.expire_all()
        message = db.session.scalar(select(OutboxMessage))
        assert message.attempts == 2 and message.last_error == "SMTPSenderRefused 451"
        assert message.next_attempt_at == later + timedelta(minutes=2)
        assert outbox.send_due(now=later + timedelta(minutes=3)).sent == 1
        assert len(server.messages) == 1
    assert [outbox.backoff(n) for n in (1, 2, 3, 12)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        outbox.MAX_DELAY,
    ]


def test_given_up_after_the_last_attempt(app, agent, org, case_ready, profiles):
    _queue_one(agent, org, case_ready, profiles)
    message = db.session.scalar(select(OutboxMessage))
    message.attempts = outbox.MAX_ATTEMPTS - 1
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())
    assert outbox.send_due().failed == 1
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).failed_at is not None
    assert outbox.send_due(now=utcnow() + timedelta(days=1)).failed == 0


def test_without_smtp_messages_stay_queued_and_the_command_says_so(app, agent, org, case_ready, profiles):
    _queue_one(agent, org, case_ready, profiles)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 2 and "not configured" in result.output
    assert db.session.scalar(select(OutboxMessage)).attempts == 0


def test_no_message_when_the_organisation_did_not_ask(app, referral):
    assert db.session.scalar(select(OutboxMessage)) is None
