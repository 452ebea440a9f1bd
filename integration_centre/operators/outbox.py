"""Sending the e-mail outbox through SMTP, with retries and backoff (``integration-centre outbox send``).

Each due message is sent on its own and its row updated at once: a failure leaves the message
queued with ``next_attempt_at`` pushed back (1, 2, 4… minutes, at most 6 hours); after
``MAX_ATTEMPTS`` failures it is marked failed and never retried. The error kept is the exception's
class and SMTP code only — never an address or a body.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators.models import OutboxMessage
from integration_centre.pathway import messages as person_messages
from integration_centre.privacy.context import current_actor

MAX_ATTEMPTS = 8
MAX_DELAY = timedelta(hours=6)
SMTP_TIMEOUT = 20


@dataclass
class SendReport:
    """What one run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    pending: int = 0


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures (exponential, capped)."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def due_messages(now: datetime, limit: int = 100) -> list[OutboxMessage]:
    """Messages not sent, not given up, whose next attempt is due."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def queue(recipient: str, subject: str, body: str) -> None:
    """Queue one message (``pathway.messages`` queues a person's reminders through it)."""
    db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body))


def _email(message: OutboxMessage, sender: str, address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = address
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=SMTP_TIMEOUT)
    if config.get("SMTP_STARTTLS"):
        connection.starttls()
    if config.get("SMTP_USERNAME"):
        connection.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
    return connection


def _describe(exc: Exception) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]


def send_due(now: datetime | None = None) -> SendReport:
    """Send every due message (one commit per message). Without ``SMTP_HOST`` nothing is sent."""
    report = SendReport()
    now = now or utcnow()
    messages = due_messages(now)
    if not current_app.config.get("SMTP_HOST"):
        report.pending = len(messages)
        return report
    connection = None
    for message in messages:
        message.attempts += 1
        # A person's message names the person, not the address: it is read now, audited.
        address = person_messages.resolve_person_address(current_actor(), message.recipient)
        if not address:
            message.failed_at, message.last_error = now, "no address"  # the person was erased meanwhile
            report.failed += 1
            db.session.commit()
            continue
        try:
            if connection is None:
                connection = _connect()
            connection.send_message(_email(message, current_app.config["MAIL_FROM"], address))
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = _describe(exc)
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at = now
                report.failed += 1
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                report.retried += 1
            if connection is not None:
                _close(connection)
                connection = None
        else:
            message.sent_at = now
            message.last_error = None
            report.sent += 1
        db.session.commit()
    if connection is not None:
        _close(connection)
    return report


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
