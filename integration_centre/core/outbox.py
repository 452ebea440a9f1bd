"""The outbox: e-mails and text messages waiting to be sent, with retries and backoff.

Any package queues a message here (``enqueue`` for an organisation's address, no personal data;
``enqueue_personal`` for a message to a person, whose address and text are sealed under the
person's key); ``integration-centre outbox send`` sends what is due. It sits in ``core`` so that
sibling packages (operators, agenda) share one outbox without importing each other.

Each due message is sent on its own and its row updated at once: a failure leaves the message
queued with ``next_attempt_at`` pushed back (1, 2, 4… minutes, at most 6 hours); after
``MAX_ATTEMPTS`` failures it is marked failed and never retried. The error kept is the exception's
class and SMTP code only — never an address or a body. A person's message whose key was destroyed
(erasure) can no longer be read: it is given up at once.
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.clock import utcnow
from integration_centre.core import sms
from integration_centre.database import UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.privacy.errors import PrivacyError
from integration_centre.privacy.fields import EncryptedField

MAX_ATTEMPTS = 8
MAX_DELAY = timedelta(hours=6)
SMTP_TIMEOUT = 20
EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)
SEND_PURPOSE = "outbox.send"


class OutboxMessage(db.Model):
    """A message waiting to be sent by ``integration-centre outbox send``.

    ``recipient`` and ``body`` are in clear only for messages to organisations (no personal data);
    a message to a person has them empty here and sealed in its ``personal`` row."""

    __tablename__ = "operator_outbox_message"  # the name it had in ``operators``; the rows stay
    __table_args__ = (Index("ix_operator_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), default=EMAIL, server_default=EMAIL)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))

    personal: Mapped[PersonalMessage | None] = relationship(back_populates="message", uselist=False)


class PersonalMessage(UUIDPrimaryKeyMixin, db.Model):
    """The sealed part of a message to a person: address (e-mail or phone) and text."""

    __tablename__ = "outbox_personal_message"

    message_id: Mapped[int] = mapped_column(ForeignKey("operator_outbox_message.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    recipient_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    recipient = EncryptedField("str")
    body = EncryptedField("str")

    message: Mapped[OutboxMessage] = relationship(back_populates="personal")


def enqueue(recipient: str, subject: str, body: str, *, channel: str = EMAIL) -> OutboxMessage:
    """Queue a message to an organisation's address (it must hold no personal data)."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    message = OutboxMessage(channel=channel, recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


def enqueue_personal(person_id: uuid.UUID, channel: str, recipient: str, subject: str, body: str) -> OutboxMessage:
    """Queue a message to a person: address and text sealed under the person's key.

    The caller holds an access context for the person (the write is audited there)."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    message = OutboxMessage(channel=channel, recipient="", subject=subject, body="")
    personal = PersonalMessage(id=uuid.uuid4(), person_id=person_id, message=message)
    personal.recipient = recipient
    personal.body = body
    db.session.add_all([message, personal])
    return message


@dataclass
class SendReport:
    """What one run did (``pending``: e-mails waiting while SMTP is not configured)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    pending: int = 0


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures (exponential, capped)."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def due_messages(now: datetime, limit: int = 100, channel: str | None = None) -> list[OutboxMessage]:
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
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.session.scalars(query))


def _content(message: OutboxMessage) -> tuple[str, str]:
    """(recipient, body) in clear; a person's are opened under an audited system access."""
    personal = message.personal
    if personal is None:
        return message.recipient, message.body
    with access(Actor.system("outbox"), SEND_PURPOSE, [personal.person_id]):
        return personal.recipient, personal.body


def _email(message: OutboxMessage, sender: str, recipient: str, body: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = message.subject
    email.set_content(body)
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


def _failed(message: OutboxMessage, exc: Exception, now: datetime, report: SendReport, *, final: bool = False) -> None:
    message.last_error = _describe(exc)
    if final or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        report.failed += 1
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        report.retried += 1


def _sent(message: OutboxMessage, now: datetime, report: SendReport) -> None:
    message.sent_at = now
    message.last_error = None
    report.sent += 1


def send_due(now: datetime | None = None) -> SendReport:
    """Send every due message (one commit per message): e-mails through SMTP (without
    ``SMTP_HOST`` they wait), text messages through the SMS backend (``core.sms``)."""
    report = SendReport()
    now = now or utcnow()
    _send_sms(due_messages(now, channel=SMS), now, report)
    messages = due_messages(now, channel=EMAIL)
    if not current_app.config.get("SMTP_HOST"):
        report.pending = len(messages)
        return report
    connection = None
    for message in messages:
        message.attempts += 1
        try:
            recipient, body = _content(message)
        except PrivacyError as exc:
            _failed(message, exc, now, report, final=True)
            db.session.commit()
            continue
        try:
            if connection is None:
                connection = _connect()
            connection.send_message(_email(message, current_app.config["MAIL_FROM"], recipient, body))
        except (OSError, smtplib.SMTPException) as exc:
            _failed(message, exc, now, report)
            if connection is not None:
                _close(connection)
                connection = None
        else:
            _sent(message, now, report)
        db.session.commit()
    if connection is not None:
        _close(connection)
    return report


def _send_sms(messages: list[OutboxMessage], now: datetime, report: SendReport) -> None:
    if not messages:
        return
    backend = sms.backend()
    for message in messages:
        message.attempts += 1
        try:
            recipient, body = _content(message)
        except PrivacyError as exc:
            _failed(message, exc, now, report, final=True)
        else:
            try:
                backend.send(recipient, body)
            except sms.SMSError as exc:
                _failed(message, exc, now, report)
            else:
                _sent(message, now, report)
        db.session.commit()


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()


# ---------------------------------------------------------------------------------------------
# The person's rights: a merge moves the sealed messages to the kept file
# ---------------------------------------------------------------------------------------------


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the sealed messages of a merged-away file to the kept one, re-encrypted under the kept
    person's key (an unsent reminder stays readable; the removed key is destroyed afterwards)."""
    from integration_centre.privacy import person_merge

    return {"outbox_messages": person_merge.move_rows(PersonalMessage, removed_id, kept_id)}


def register_subject_data() -> None:
    """Register the outbox's merge handler with the privacy core.

    No export nor erasure hook: an access export lists the person's messages through its generic
    section (package ``core``: the address and text, decrypted, are the person's own data), and
    erasure scrubs their ciphertext and destroys the key (an unsent one is then given up)."""
    from integration_centre.privacy import person_merge

    person_merge.register_person_merge("outbox", merge_person)
