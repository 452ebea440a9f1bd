"""Issue 15, finding 10e: the search drops the blind index's false candidates.

With a deliberately tiny index (1 bit), persons with the same name but another birth date share
the index value of the one searched for: the candidates include them, and only the decryption
of the candidates (the post-decryption filter) can tell them apart. A search that skipped that
filter would return them all.
"""

from __future__ import annotations

from datetime import date

from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import blind_index
from integration_centre.workspace import services

BORN = date(1995, 3, 14)
OTHER_BIRTH_DATES = [date(1990 + n, 1 + n, 1 + n) for n in range(8)]


def test_tiny_index_false_candidates_are_dropped_at_the_search_level(app, agent, register):
    app.config["PRIVACY_INDEX_BITS"] = 1  # every value collides with about half of the others
    target = register(date_of_birth=BORN)
    others = [register(date_of_birth=born) for born in OTHER_BIRTH_DATES]
    namesakes = [register(given_names="Samira", date_of_birth=BORN)]  # same family name and birth date

    # The index alone cannot tell them apart: the candidates hold persons who are not the one searched.
    candidates = {
        row.id
        for row in blind_index.candidate_rows(Newcomer, family_name="Al-Hassan", given_name="Amira", birth_date=BORN)
    }
    assert target.id in candidates
    assert candidates & {o.id for o in others}, "the 1-bit index gave no false candidate: the test proves nothing"

    found = services.search_persons(agent, family_name="al hassan", given_names="AMIRA", birth_date=BORN)
    assert [r.person_id for r in found] == [target.id]
    assert [(r.family_name, r.given_names, r.date_of_birth) for r in found] == [("Al-Hassan", "Amira", BORN)]

    # Without the given names, the family name and birth date still decide: the namesake born the
    # same day is a true match, every person born another day is dropped.
    found = services.search_persons(agent, family_name="Al-Hassan", birth_date=BORN)
    assert {r.person_id for r in found} == {target.id, namesakes[0].id}
    assert {r.date_of_birth for r in found} == {BORN}
