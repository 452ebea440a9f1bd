"""Merging two files moves the removed file's queued messages (address and text sealed under its
key) to the kept file, re-encrypted: an unsent reminder is still sent after the merge."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from integration_centre.core import outbox
from integration_centre.core.outbox import OutboxMessage, PersonalMessage
from integration_centre.extensions import db
from integration_centre.pathway import merge
from integration_centre.privacy import keys
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor


def test_a_merge_moves_the_sealed_messages_to_the_kept_file(app, agent, register):
    kept = register(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    removed = register(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    with access(agent, "test.reminder", [removed.id], action="write"):
        message = outbox.enqueue_personal(
            removed.id, outbox.SMS, "+32470000001", "Rendez-vous", "Rendez-vous demain à 9 h au bureau."
        )
    db.session.commit()
    message_id = message.id
    record = merge.merge_files(agent, kept, removed)
    db.session.commit()
    assert record.moved["outbox_messages"] == 1
    db.session.expire_all()
    personal = db.session.scalar(select(PersonalMessage).where(PersonalMessage.message_id == message_id))
    assert personal.person_id == kept.id
    assert keys.is_person_key_destroyed(removed.id)
    with access(Actor.system("outbox"), outbox.SEND_PURPOSE, [kept.id]):
        assert personal.recipient == "+32470000001"
        assert personal.body == "Rendez-vous demain à 9 h au bureau."
    # the unsent reminder is sent (read under the kept person's key), not given up
    report = outbox.send_due()
    assert report.sent == 1 and report.failed == 0
    assert db.session.get(OutboxMessage, message_id).sent_at is not None
