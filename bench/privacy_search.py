"""Benchmark: blind-index search at N persons vs an indexed plaintext lookup and vs decrypt-and-scan.

    python bench/privacy_search.py [--persons 100000] [--queries 200] [--smoke]

The same database holds N encrypted persons (family name + birth date, wrapped person keys,
blind-index entries, 16 bits) and the same N persons in clear in an indexed table. A search is:
blind-index lookup joined to the person rows, one query for the candidates' keys, decryption
and exact comparison of the candidates (audit writes excluded: they are measured by the audit
tests, not here).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _privacy_common import bench_app
from sqlalchemy import Date, Index, LargeBinary, MetaData, String, Uuid, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from integration_centre.extensions import db
from integration_centre.privacy import blind_index, crypto, runtime
from integration_centre.privacy.access import Actor, access
from integration_centre.privacy.fields import EncryptedField
from integration_centre.privacy.models import BlindIndexEntry, PersonKey

ROUNDS = 5


class BenchBase(DeclarativeBase):
    metadata = MetaData()


class SearchPerson(BenchBase):
    __tablename__ = "bench_search_person"
    __privacy_person_attr__ = "id"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    family_name_ct: Mapped[bytes] = mapped_column(LargeBinary)
    birth_date_ct: Mapped[bytes] = mapped_column(LargeBinary)
    family_name = EncryptedField(kind="str")
    birth_date = EncryptedField(kind="date")


class PlainPerson(BenchBase):
    __tablename__ = "bench_plain_person"
    __table_args__ = (Index("ix_bench_plain_lookup", "family_name", "birth_date"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)


def populate(n: int, rng: random.Random) -> list[tuple[str, date]]:
    ring = runtime.keyring()
    runtime.ensure_checks()
    people = []
    for start in range(0, n, 5000):
        persons, plain, person_keys, entries = [], [], [], []
        for _ in range(min(5000, n - start)):
            pid = uuid.uuid4()
            family = f"Name{rng.randrange(n // 3 + 1)}"
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
            people.append((family, born))
            data_key = rng.randbytes(32)
            kek_id, wrapped = ring.wrap(data_key, person_id=pid, key_version=1)
            person_keys.append({"person_id": pid, "key_version": 1, "kek_id": kek_id, "wrapped": wrapped})
            place = {"table": "bench_search_person", "row_id": pid, "person_id": pid}
            persons.append(
                {
                    "id": pid,
                    "family_name_ct": crypto.encrypt_field(
                        data_key, 1, crypto.encode_value("str", family), column="family_name_ct", **place
                    ),
                    "birth_date_ct": crypto.encrypt_field(
                        data_key, 1, crypto.encode_value("date", born), column="birth_date_ct", **place
                    ),
                }
            )
            plain.append({"id": pid, "family_name": family, "birth_date": born})
            value = blind_index.index_value("family_dob", blind_index.normalise(family), born.isoformat())
            entries.append({"index_name": "family_dob", "person_id": pid, "value": value})
        db.session.execute(SearchPerson.__table__.insert(), persons)
        db.session.execute(PlainPerson.__table__.insert(), plain)
        db.session.execute(PersonKey.__table__.insert(), person_keys)
        db.session.execute(BlindIndexEntry.__table__.insert(), entries)
        db.session.commit()
    return people


def blind_search(actor: Actor, family: str, born: date) -> list[SearchPerson]:
    candidates = blind_index.candidates_query(family_name=family, birth_date=born)
    rows = db.session.execute(
        select(SearchPerson, PersonKey)
        .join(PersonKey, PersonKey.person_id == SearchPerson.id)
        .where(SearchPerson.id.in_(candidates))
    ).all()
    found = [person for person, _key in rows]
    with access(actor, "bench", []) as ctx:
        ctx.persons.update(p.id for p in found)  # audit excluded from the timing
        return [p for p in found if p.birth_date == born and blind_index.same_text(p.family_name, family)]


def plain_search(family: str, born: date) -> list[PlainPerson]:
    return db.session.scalars(
        select(PlainPerson).where(PlainPerson.family_name == family, PlainPerson.birth_date == born)
    ).all()


def scan_search(actor: Actor, family: str, born: date) -> int:
    rows = db.session.execute(select(SearchPerson.id, SearchPerson.family_name_ct, SearchPerson.birth_date_ct)).all()
    wrapped = dict(db.session.execute(select(PersonKey.person_id, PersonKey.wrapped)).all())
    ring = runtime.keyring()
    found = 0
    for pid, name_ct, born_ct in rows:
        data_key = ring.unwrap(wrapped[pid], kek_id=ring.primary_kek_id, person_id=pid, key_version=1)
        place = {"table": "bench_search_person", "row_id": pid, "person_id": pid}
        name = crypto.decode_value("str", crypto.decrypt_field(data_key, name_ct, column="family_name_ct", **place))
        if (
            name == family
            and crypto.decode_value("date", crypto.decrypt_field(data_key, born_ct, column="birth_date_ct", **place))
            == born
        ):
            found += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="tiny size (CI)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    n, queries = (2000, 50) if args.smoke else (args.persons, args.queries)
    rng = random.Random(20261123)
    app = bench_app(args.database_url)
    actor = Actor.system("bench")
    with app.app_context():
        BenchBase.metadata.drop_all(db.engine)
        BenchBase.metadata.create_all(db.engine)
        people = populate(n, rng)
        sample = [people[rng.randrange(n)] for _ in range(queries)]
        for family, born in sample[:5]:  # warm caches on both sides
            blind_search(actor, family, born)
            plain_search(family, born)
        plain_rounds, blind_rounds = [], []
        for _ in range(ROUNDS):
            start = time.process_time()
            for family, born in sample:
                assert len(plain_search(family, born)) >= 1
            plain_rounds.append((time.process_time() - start) / queries)
            start = time.process_time()
            for family, born in sample:
                assert len(blind_search(actor, family, born)) >= 1
                db.session.expunge_all()
            blind_rounds.append((time.process_time() - start) / queries)
        plain_s, blind_s = statistics.median(plain_rounds), statistics.median(blind_rounds)
        start = time.process_time()
        assert scan_search(actor, *sample[0]) >= 1
        scan_s = time.process_time() - start
        db.session.rollback()
        BenchBase.metadata.drop_all(db.engine)
    print(f"persons: {n}, queries: {queries}, index bits: {blind_index.DEFAULT_BITS}, CPU time, median of {ROUNDS}")
    print(f"indexed plaintext lookup: {plain_s * 1e3:.3f} ms/query")
    print(f"blind-index search (lookup + fetch + decrypt + filter): {blind_s * 1e3:.3f} ms/query")
    print(f"decrypt-and-scan: {scan_s * 1e3:.1f} ms/query")
    ratio, speedup = blind_s / plain_s, scan_s / blind_s
    print(f"ratio blind/plain: {ratio:.2f}x (target <= 2x) -> {'OK' if ratio <= 2 else 'OVER TARGET'}")
    print(
        f"speed-up vs decrypt-and-scan: {speedup:.0f}x (target >= 100x) -> {'OK' if speedup >= 100 else 'UNDER TARGET'}"
    )


if __name__ == "__main__":
    sys.exit(main())
