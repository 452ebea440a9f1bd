"""Benchmark: encrypt + decrypt a 10-field person record for N persons, vs raw AESGCM calls.

    python bench/privacy_fields.py [--persons 10000] [--smoke]

Both sides encrypt and decrypt the same 10 values per person with a per-person 256-bit key and
a fresh nonce per field. Ours goes through ``EncryptedField`` (typed encoding, associated data,
access check, key cache). Person keys are created and the access context opened (one audit row
per person) before timing: those are per-person costs measured elsewhere, not per-field ones.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _privacy_common import bench_app
from sqlalchemy import LargeBinary, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from integration_centre.privacy import keys
from integration_centre.privacy.access import Actor, access
from integration_centre.privacy.fields import EncryptedField

ROUNDS = 3
FIELDS = {
    "family_name": ("str", "Van den Bossche"),
    "given_name": ("str", "Jan-Willem"),
    "birth_date": ("date", date(1984, 3, 14)),
    "niss": ("str", "84031412345"),
    "street": ("str", "Rue de Fer 12"),
    "city": ("str", "Namur"),
    "phone": ("str", "+32 470 12 34 56"),
    "email": ("str", "jan.willem@example.org"),
    "gender": ("str", "M"),
    "children": ("int", 3),
}


class BenchBase(DeclarativeBase):
    metadata = MetaData()


class BenchPerson(BenchBase):
    __tablename__ = "bench_person"
    __privacy_person_attr__ = "id"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)


for _name, (_kind, _value) in FIELDS.items():
    setattr(BenchPerson, f"{_name}_ct", mapped_column(LargeBinary, nullable=True))
    descriptor = EncryptedField(kind=_kind)
    descriptor.__set_name__(BenchPerson, _name)
    setattr(BenchPerson, _name, descriptor)


def raw_baseline(n: int, person_keys: list[bytes]) -> tuple[float, float]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    values = [str(v).encode() for _, v in FIELDS.values()]
    aad = b"bench"
    start, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        key = person_keys[i]
        blobs = []
        for value in values:
            nonce = os.urandom(12)
            blobs.append((nonce, AESGCM(key).encrypt(nonce, value, aad)))
        for nonce, blob in blobs:
            AESGCM(key).decrypt(nonce, blob, aad)
    return time.process_time() - start, time.perf_counter() - wall


def ours(n: int, ids: list[uuid.UUID]) -> tuple[float, float]:
    start, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        person = BenchPerson(id=ids[i])
        for name, (_kind, value) in FIELDS.items():
            setattr(person, name, value)
        person.__dict__.pop("_privacy_plaintext", None)  # force real decryption on read
        for name in FIELDS:
            getattr(person, name)
    return time.process_time() - start, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="tiny size (CI)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    n = 200 if args.smoke else args.persons
    app = bench_app(args.database_url)
    with app.app_context():
        from integration_centre.extensions import db
        from integration_centre.privacy.access import key_cache

        ids = [uuid.uuid4() for _ in range(n)]
        with access(Actor.system("bench"), "bench", ids, action="create"):
            for person_id in ids:
                keys.create_person_key(person_id)
            cache = key_cache()
            person_keys = [cache[person_id][1] for person_id in ids]
            db.session.flush()
            db.session.expunge_all()
            gc.collect()
            gc.disable()  # same conditions for both sides: no collector pauses in the timings
            try:
                rounds = [(raw_baseline(n, person_keys), ours(n, ids)) for _ in range(ROUNDS)]
            finally:
                gc.enable()
            raw_s = statistics.median(r[0] for r, _ in rounds)
            ours_s = statistics.median(o[0] for _, o in rounds)
            raw_w = statistics.median(r[1] for r, _ in rounds)
            ours_w = statistics.median(o[1] for _, o in rounds)
        db.session.rollback()
    ratio, wall_ratio = ours_s / raw_s, ours_w / raw_w
    print(f"persons: {n}, fields per person: {len(FIELDS)}, median of {ROUNDS} rounds, CPU / wall")
    print(f"raw AESGCM encrypt+decrypt: {raw_s:.3f} s / {raw_w:.3f} s ({raw_s / n * 1e6:.1f} µs/person CPU)")
    print(f"EncryptedField encrypt+decrypt: {ours_s:.3f} s / {ours_w:.3f} s ({ours_s / n * 1e6:.1f} µs/person CPU)")
    verdict = "OK" if max(ratio, wall_ratio) <= 3 else "OVER TARGET"
    print(f"ratio: CPU {ratio:.2f}x, wall {wall_ratio:.2f}x (target <= 3x) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
