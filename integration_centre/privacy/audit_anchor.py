"""The sealed anchor a retention purge leaves where it cut the head of the audit chain.

``audit.verify_chain`` starts from it; ``audit_retention.purge`` moves it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from integration_centre.extensions import db
from integration_centre.privacy.erasure_models import AuditAnchor

ANCHOR_ID = 1
GENESIS = "0" * 64


def seal(key: bytes, seq: int, prev_mac: str, purged_before: datetime) -> str:
    """The anchor's MAC under the audit key."""
    message = f"audit-anchor:v1|{seq}|{prev_mac}|{purged_before.astimezone(UTC).isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def chain_start(key: bytes) -> tuple[int, str]:
    """(first sequence number, MAC it chains from): the anchor's, else (1, genesis).

    Raises ``ValueError`` when the anchor was altered (its seal does not verify).
    """
    anchor = db.session.get(AuditAnchor, ANCHOR_ID)
    if anchor is None:
        return 1, GENESIS
    if not hmac.compare_digest(seal(key, anchor.seq, anchor.prev_mac, anchor.purged_before), anchor.mac):
        raise ValueError("the anchor of the purged audit log was altered")
    return anchor.seq, anchor.prev_mac
