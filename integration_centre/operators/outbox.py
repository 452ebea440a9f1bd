"""The e-mail outbox used by the referrals' notifications (``integration-centre outbox send``).

The outbox itself (model, queueing, sending with retries) lives in ``core.outbox`` so that the
agenda can queue messages too; this module keeps the names the operators package always used.
"""

from __future__ import annotations

from integration_centre.core.outbox import (  # noqa: F401 — re-exported
    MAX_ATTEMPTS,
    MAX_DELAY,
    SMTP_TIMEOUT,
    OutboxMessage,
    SendReport,
    backoff,
    due_messages,
    enqueue,
    send_due,
)
