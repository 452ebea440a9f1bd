"""The coordinator's duplicate reviews: possible duplicates a registration found in another office.

A review holds file references only (the existing files' ids, the office and agent who ran the
check); the coordinator (the admin role) opens the files through a logged data-protection
request if needed, and marks the review done. Reviews are filed by
``registration.check_duplicates``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.models import DuplicateReview, Newcomer

STATUSES = ("open", "reviewed")


def _in_reach(actor: User):
    conditions = [DuplicateReview.id.is_not(None)]
    if actor.centre_id is not None:  # a centre's coordinator sees the reviews of their centre
        conditions.append(DuplicateReview.centre_id == actor.centre_id)
    return conditions


def reviews(actor: User, status: str = "open") -> list[DuplicateReview]:
    """The reviews of the coordinator's centre in ``status``, newest first."""
    require(actor.role == Role.ADMIN and status in STATUSES)
    return list(
        db.session.scalars(
            select(DuplicateReview)
            .where(*_in_reach(actor), DuplicateReview.status == status)
            .options(selectinload(DuplicateReview.office), selectinload(DuplicateReview.requested_by))
            .order_by(DuplicateReview.created_at.desc())
        )
    )


def file_offices(review_list: list[DuplicateReview]) -> dict[str, str]:
    """{file id: name of the office that registered it} for the files of ``review_list``."""
    ids = {uuid.UUID(pid) for review in review_list for pid in review.person_ids}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Newcomer.id, Office.name)
        .join(Office, Office.id == Newcomer.registered_by_office_id)
        .where(Newcomer.id.in_(ids))
    )
    return {str(person_id): name for person_id, name in rows}


def get_review(actor: User, review_id: uuid.UUID) -> DuplicateReview:
    """One review of the coordinator's centre (404 otherwise)."""
    require(actor.role == Role.ADMIN)
    review = db.session.scalar(select(DuplicateReview).where(*_in_reach(actor), DuplicateReview.id == review_id))
    require(review is not None)
    return review


def mark_reviewed(actor: User, review: DuplicateReview) -> DuplicateReview:
    """Close a review (the coordinator looked into it). Flushes, does not commit."""
    require(actor.role == Role.ADMIN)
    if review.status != "reviewed":
        review.status = "reviewed"
        review.reviewed_by_id = actor.id
        review.reviewed_at = utcnow()
        db.session.flush()
    return review
