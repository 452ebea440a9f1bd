"""Acceptance 3: definitions load and validate; version chosen by permit date; cases keep theirs."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from integration_centre.extensions import db
from integration_centre.pathway import definitions, services
from integration_centre.pathway.definitions import DEFINITIONS_DIR, DefinitionError, DefinitionRegistry


def test_all_definitions_load():
    registry = DefinitionRegistry.from_directories([DEFINITIONS_DIR])
    # Issue 16, rule 5: the 2014 and 2016 Walloon regimes were added.
    assert [d.key for d in registry.all()] == [
        "brussels-2022", "flanders-2022", "wallonia-2014", "wallonia-2016", "wallonia-2018", "wallonia-2025",
    ]  # fmt: skip
    w18, w25 = registry.get("wallonia", "2018"), registry.get("wallonia", "2025")
    assert w18.deadline("completion").months == 18
    assert w25.deadline("completion").months == 36
    assert w18.step("french_course").min_hours == 400 and w18.step("citizenship").min_hours == 60
    assert registry.get("flanders", "2022").deadline("completion") is None
    assert registry.get("brussels", "2022").eligibility["obligation_age"]["max"] == 65
    assert {r.code for r in w18.dispensation_reasons} == {
        "certificate_held", "medical", "belgian_diploma", "age", "work", "student",
        "association_agreement", "temporary_protection",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("permit", "version"),
    [
        (date(2014, 4, 1), "2014"),
        (date(2016, 5, 31), "2014"),
        (date(2016, 6, 1), "2016"),
        (date(2018, 11, 30), "2016"),
        (date(2018, 12, 1), "2018"),
        (date(2024, 12, 31), "2018"),
        (date(2025, 1, 1), "2025"),
        (None, "2025"),
    ],
)
def test_version_chosen_from_permit_order_date(permit, version):
    assert definitions.registry().applicable("wallonia", permit).version == version


def _write(tmp_path: Path, name: str, mutate) -> Path:
    document = yaml.safe_load((DEFINITIONS_DIR / "wallonia-2018.yaml").read_text(encoding="utf-8"))
    mutate(document)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["steps"][2].__setitem__("min_hours", -5), "steps[2].min_hours"),
        (lambda d: d["steps"][0].pop("confirmable_by"), "steps[0]"),
        (lambda d: d["steps"][1]["labels"].pop("nl"), "steps[1].labels"),
        (lambda d: d["deadlines"][1].__setitem__("clock_start", "birthday"), "deadlines[1].clock_start"),
        (lambda d: d["dispensation_reasons"][0].pop("legal_basis"), "dispensation_reasons[0]"),
        (lambda d: d["steps"][5].__setitem__("depends_on", ["nowhere"]), "steps[5].depends_on[0]"),
        (lambda d: d["steps"][0].__setitem__("depends_on", ["certificate"]), "steps.depends_on"),
        (lambda d: d["applies_to"].__setitem__("permit_ordered_from", "not a date"), "applies_to.permit_ordered_from"),
        (lambda d: d.__setitem__("colour", "blue"), "(top level)"),
    ],
)
def test_malformed_definition_names_file_and_field(tmp_path, mutate, field):
    path = _write(tmp_path, "wallonia-2018.yaml", mutate)
    with pytest.raises(DefinitionError) as error:
        definitions.load_file(path)
    message = str(error.value)
    assert message.startswith("wallonia-2018.yaml: ")
    assert field in message


def test_file_name_must_match_code_and_version(tmp_path):
    path = _write(tmp_path, "wallonia-1999.yaml", lambda d: None)
    with pytest.raises(DefinitionError, match=r"wallonia-1999\.yaml: code/version"):
        definitions.load_file(path)


def _install_newer_version(app, tmp_path) -> DefinitionRegistry:
    """Copy the shipped definitions, close wallonia-2025 and add wallonia-2027 (3 → 4 years)."""
    for path in DEFINITIONS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    current = yaml.safe_load((tmp_path / "wallonia-2025.yaml").read_text(encoding="utf-8"))
    current["applies_to"]["permit_ordered_until"] = "2026-12-31"
    (tmp_path / "wallonia-2025.yaml").write_text(yaml.safe_dump(current, allow_unicode=True), encoding="utf-8")

    def newer(document):
        document["version"] = "2027"
        document["applies_to"] = {"permit_ordered_from": "2027-01-01", "permit_ordered_until": None}
        document["deadlines"][1]["months"] = 48

    _write(tmp_path, "wallonia-2027.yaml", newer)
    registry = DefinitionRegistry.from_directories([tmp_path])
    app.extensions[definitions.EXTENSION_KEY] = registry
    return registry


def test_case_keeps_its_version_after_a_newer_one_is_installed(app, agent, register, tmp_path):
    newcomer = register(permit_order_date=date(2025, 2, 3))
    case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
    db.session.commit()
    assert (case.definition_code, case.definition_version) == ("wallonia", "2025")

    registry = _install_newer_version(app, tmp_path)
    try:
        assert registry.applicable("wallonia", date(2027, 5, 1)).version == "2027"
        db.session.expire_all()
        reloaded = db.session.get(type(case), case.id)
        assert reloaded.definition_version == "2025"
        assert services.definition_of(reloaded).deadline("completion").months == 36
        services.transition_case(agent, reloaded, "start", on=date(2025, 3, 2))
        db.session.commit()
        assert reloaded.definition_version == "2025"
        # A newcomer whose permit falls under the new rules gets the new version.
        later = register(family_name="Nouveau", permit_order_date=date(2027, 2, 1), registration_date=date(2027, 2, 2))
        assert services.open_case(agent, later, on=date(2027, 3, 1)).definition_version == "2027"
    finally:
        app.extensions.pop(definitions.EXTENSION_KEY, None)


def test_overlapping_versions_refused(tmp_path):
    for path in DEFINITIONS_DIR.glob("wallonia-*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    _write(
        tmp_path,
        "wallonia-2026.yaml",
        lambda d: (
            d.__setitem__("version", "2026"),
            d["applies_to"].update(permit_ordered_from="2026-01-01", permit_ordered_until=None),
        ),
    )
    with pytest.raises(DefinitionError, match="overlaps"):
        DefinitionRegistry.from_directories([tmp_path])
