"""Format-level properties: round trips, tamper detection, golden vectors, NIST AES-GCM vectors."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import cryptography_vectors
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from integration_centre.privacy import crypto
from integration_centre.privacy.errors import DecryptionError

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

KEY = bytes(range(32))
ROW = uuid.UUID(int=1)
PERSON = uuid.UUID(int=2)
PLACE = {"table": "newcomer", "column": "family_name_ct", "row_id": ROW, "person_id": PERSON}
TRICKY = st.one_of(
    st.text(),
    st.just(""),
    st.text().map(lambda s: s + "   "),
    st.text().map(lambda s: s + "***"),
    st.text().map(lambda s: s + "\x00\x00"),
    st.just("\x00"),
)


def _encrypt(value, kind: str = "str", bucket: int | None = None) -> bytes:
    return crypto.encrypt_field(KEY, 1, crypto.encode_value(kind, value, bucket), **PLACE)


def _decrypt(blob: bytes, kind: str = "str", **place):
    return crypto.decode_value(kind, crypto.decrypt_field(KEY, blob, **{**PLACE, **place}))


@given(TRICKY, st.sampled_from([None, 1, 16, 64]))
def test_round_trip_of_arbitrary_unicode_keeps_every_character(value, bucket):
    assert _decrypt(_encrypt(value, bucket=bucket)) == value


@given(st.dates())
def test_round_trip_dates(value):
    assert _decrypt(_encrypt(value, "date"), "date") == value


@given(st.integers())
def test_round_trip_ints(value):
    assert _decrypt(_encrypt(value, "int"), "int") == value


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_round_trip_json(value):
    assert _decrypt(_encrypt(value, "json"), "json") == value


def test_same_value_encrypts_differently_each_time():
    blobs = {_encrypt("Dupont") for _ in range(50)}
    assert len(blobs) == 50


def test_bucket_hides_the_length_of_short_values():
    assert len(_encrypt("F", bucket=16)) == len(_encrypt("X", bucket=16)) == len(_encrypt("other", bucket=16))


@pytest.mark.parametrize(
    "place",
    [
        {"row_id": uuid.UUID(int=99)},
        {"person_id": uuid.UUID(int=99)},
        {"column": "given_name_ct"},
        {"table": "case_note"},
    ],
)
def test_ciphertext_moved_elsewhere_fails(place):
    blob = _encrypt("Dupont")
    with pytest.raises(DecryptionError):
        _decrypt(blob, **place)


def test_every_bit_flip_fails():
    blob = _encrypt("Ab")
    for position in range(len(blob) * 8):
        tampered = bytearray(blob)
        tampered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DecryptionError):
            _decrypt(bytes(tampered))


def test_truncation_fails_at_every_length():
    blob = _encrypt("Dupont")
    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            _decrypt(blob[:length])


@pytest.mark.parametrize("offset, value", [(0, 0), (0, 2), (0, 255), (1, 0), (1, 2), (1, 255)])
def test_unknown_version_or_algorithm_byte_fails(offset, value):
    tampered = bytearray(_encrypt("Dupont"))
    tampered[offset] = value
    with pytest.raises(DecryptionError, match="unknown"):
        _decrypt(bytes(tampered))


def test_wrong_kind_is_refused_not_reinterpreted():
    with pytest.raises(DecryptionError):
        _decrypt(_encrypt("12"), "int")


def test_wrapped_key_is_bound_to_person_version_and_kek():
    kek = bytes(32)
    wrapped = crypto.wrap_key(kek, KEY, person_id=PERSON, key_version=1, kek_id="k1")
    assert crypto.unwrap_key(kek, wrapped, person_id=PERSON, key_version=1, kek_id="k1") == KEY
    for change in ({"person_id": ROW}, {"key_version": 2}, {"kek_id": "k2"}):
        args = {"person_id": PERSON, "key_version": 1, "kek_id": "k1", **change}
        with pytest.raises(DecryptionError):
            crypto.unwrap_key(kek, wrapped, **args)


GOLDEN = json.loads((Path(__file__).parent / "golden_vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", GOLDEN["fields"], ids=lambda v: f"{v['kind']}-{v['bucket']}")
def test_golden_field_vectors_decrypt_and_reencrypt_identically(vector):
    key = bytes.fromhex(vector["key_hex"])
    place = {
        "table": vector["table"],
        "column": vector["column"],
        "row_id": uuid.UUID(vector["row_id"]),
        "person_id": uuid.UUID(vector["person_id"]),
    }
    expected = date.fromisoformat(vector["value"]) if vector["kind"] == "date" else vector["value"]
    blob = bytes.fromhex(vector["ciphertext_hex"])
    assert crypto.decode_value(vector["kind"], crypto.decrypt_field(key, blob, **place)) == expected
    again = crypto.encrypt_field(
        key,
        vector["key_version"],
        crypto.encode_value(vector["kind"], expected, vector["bucket"]),
        nonce=bytes.fromhex(vector["nonce_hex"]),
        **place,
    )
    assert again == blob


@pytest.mark.parametrize("vector", GOLDEN["wrapped_keys"])
def test_golden_wrapped_key_vectors(vector):
    args = {
        "person_id": uuid.UUID(vector["person_id"]),
        "key_version": vector["key_version"],
        "kek_id": vector["kek_id"],
    }
    kek = bytes.fromhex(vector["kek_hex"])
    wrapped = bytes.fromhex(vector["wrapped_hex"])
    assert crypto.unwrap_key(kek, wrapped, **args).hex() == vector["data_key_hex"]
    assert (
        crypto.wrap_key(kek, bytes.fromhex(vector["data_key_hex"]), nonce=bytes.fromhex(vector["nonce_hex"]), **args)
        == wrapped
    )


def _nist_vectors(name: str) -> list[dict]:
    path = Path(cryptography_vectors.__file__).parent / "ciphers" / "AES" / "GCM" / name
    vectors, current, params = [], None, {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and "=" in line:
            key, value = line.strip("[]").split("=")
            params[key.strip()] = int(value)
        elif line.startswith("Count"):
            current = {"params": dict(params), "fail": False}
            vectors.append(current)
        elif current is not None and line == "FAIL":
            current["fail"] = True
        elif current is not None and "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            current[key] = bytes.fromhex(value)
    return [v for v in vectors if v["params"].get("IVlen") == 96 and v["params"].get("Taglen") == 128]


def test_aes_gcm_matches_nist_encrypt_vectors():
    vectors = _nist_vectors("gcmEncryptExtIV256.rsp")
    assert len(vectors) > 100
    for v in vectors:
        assert AESGCM(v["Key"]).encrypt(v["IV"], v["PT"], v["AAD"]) == v["CT"] + v["Tag"]


def test_aes_gcm_matches_nist_decrypt_vectors():
    vectors = _nist_vectors("gcmDecrypt256.rsp")
    assert any(v["fail"] for v in vectors) and any(not v["fail"] for v in vectors)
    for v in vectors:
        if v["fail"]:
            with pytest.raises(InvalidTag):
                AESGCM(v["Key"]).decrypt(v["IV"], v["CT"] + v["Tag"], v["AAD"])
        else:
            assert AESGCM(v["Key"]).decrypt(v["IV"], v["CT"] + v["Tag"], v["AAD"]) == v["PT"]
