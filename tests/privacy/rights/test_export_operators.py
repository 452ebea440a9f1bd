"""The access export holds the person's referrals to operators, with their history (operators exporter)."""

from __future__ import annotations

import jsonschema

from integration_centre.rights import export
from integration_centre.rights import requests as rights
from tests.operators.conftest import case_ready, profiles, referral  # noqa: F401  (fixtures)


def test_export_lists_the_referrals_and_their_history(admin, referral):  # noqa: F811
    item = rights.record_request(admin, referral.person_id, "portability", referral.sent_on, today=referral.sent_on)
    document = export.build(admin, item)
    jsonschema.Draft202012Validator(export.schema(), format_checker=jsonschema.FormatChecker()).validate(document)
    exported = document["data"]["operators"]["referrals"]
    assert [r["reference"] for r in exported] == [referral.reference]
    assert exported[0]["operator"] == "École de Namur" and exported[0]["state"] == "sent"
    assert exported[0]["history"] and exported[0]["history"][0]["action"]
