"""Merging two files moves the referrals (operators' rows, through their merge handler) and the
reception records with the case; the operator still reaches its referral."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.operators.models import Referral
from integration_centre.pathway import merge, registration
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.reception.models import SocialAssessment
from tests.pathway.conftest import newcomer_data


def test_referrals_and_reception_rows_follow_the_case(agent, org, referral):
    removed_id = referral.person_id
    kept = registration.register_newcomer(
        agent, newcomer_data(), org["office"], confirm_duplicate=True, today=date(2025, 3, 2)
    )
    db.session.commit()
    record = merge.merge_files(agent, kept, db.session.get(Newcomer, removed_id))
    db.session.commit()
    assert record.moved["referrals"] == 1
    assert db.session.get(Referral, referral.id).person_id == kept.id
    assert db.session.get(Case, referral.case_id).person_id == kept.id
    assert all(row.person_id == kept.id for row in db.session.scalars(select(SocialAssessment)))
    assert db.session.scalar(select(Referral.id).where(Referral.person_id == removed_id)) is None
