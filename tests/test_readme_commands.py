"""The newcomer's two commands: stated once in README.md, installed from the hashed locks, run by CI.

``.ci/run`` reads the commands from README.md (``scripts/readme_commands.py``) and runs them in a
fresh virtual environment; these tests fail when the README, the locks and CI drift apart. The
``install`` test builds two fresh virtual environments from the runtime lock and compares them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from readme_commands import ReadmeError, readme_commands  # noqa: E402

LOCKS = {"run": ROOT / "requirements" / "runtime.txt", "test": ROOT / "requirements" / "dev.txt"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: Path) -> dict[str, set[str]]:
    """name → versions (one per environment marker) of every requirement in ``lock``; each has a hash."""
    pins: dict[str, set[str]] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8"))
    for entry in entries:
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        match = PIN.match(entry)
        assert match, f"{lock.name}: not an exact pin: {entry.splitlines()[0]!r}"
        assert "--hash=sha256:" in entry, f"{lock.name}: {match.group(1)} has no hash"
        pins.setdefault(_normalise(match.group(1)), set()).add(match.group(2))
    return pins


def _requirement_name(spec: str) -> str:
    return _normalise(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0])


@pytest.fixture(scope="module")
def commands() -> dict[str, str]:
    return readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_states_two_one_line_commands_from_the_locks(commands) -> None:
    run, test = commands["run"], commands["test"]
    assert run == (
        "pip install --require-hashes -r requirements/runtime.txt && pip install --no-deps . && "
        "integration-centre quickstart"
    )
    assert test.startswith("pip install --require-hashes -r requirements/dev.txt && pip install --no-deps -e . && ")
    assert test.endswith("pytest")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index(run) < 1500, "the two commands stand at the top of the README"
    assert "scripts/lock.sh" in readme, "the README says how to refresh the locks"


def test_the_extractor_refuses_a_readme_without_the_two_commands() -> None:
    with pytest.raises(ReadmeError, match="two"):
        readme_commands("# x\n\n## The two commands\n\n```sh\npip install .\n```\n")
    with pytest.raises(ReadmeError, match="one line"):
        readme_commands("## The two commands\n\n```sh\na\nb\n```\n\n```sh\nc\n```\n")
    with pytest.raises(ReadmeError, match="heading"):
        readme_commands("# nothing here\n")


def test_ci_runs_exactly_the_readme_commands_in_a_fresh_virtual_environment() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"python3 -m venv \"\$WORK/venv\"", ci), "CI builds a fresh virtual environment"
    assert "system-site-packages" not in ci
    assert 'RUN_COMMAND="$(python scripts/readme_commands.py run)"' in ci
    assert 'TEST_COMMAND="$(python scripts/readme_commands.py test)"' in ci
    assert 'bash -c "$RUN_COMMAND"' in ci and 'bash -c "$TEST_COMMAND"' in ci
    assert "http://127.0.0.1:5000/login" in ci, "CI checks that the demo is served"
    code = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    installs = [line for line in code if re.search(r"\bpip3? install\b", line)]
    assert installs == [], f"CI installs Python packages only through the README's commands: {installs}"
    # Activated venv: pytest, ruff… are the venv's, never the system interpreter's.
    assert not any("python3 -m pytest" in line or "python3 -m pip" in line for line in code)


def test_locks_pin_every_package_with_hashes_and_agree() -> None:
    runtime, dev = _pins(LOCKS["run"]), _pins(LOCKS["test"])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in project["dependencies"]:
        assert _requirement_name(spec) in runtime, f"{spec} is not in requirements/runtime.txt"
    for group in ("test", "dev"):
        for spec in project["optional-dependencies"][group]:
            assert _requirement_name(spec) in dev, f"{spec} is not in requirements/dev.txt"
    differing = {name: (version, dev.get(name)) for name, version in runtime.items() if dev.get(name) != version}
    assert differing == {}, "the test install must not change the runtime packages"


def _fresh_install(target: Path) -> str:
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    python = target / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--require-hashes", "-r", str(LOCKS["run"])],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    frozen = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--all", "--exclude", "pip", "--exclude", "setuptools"],
        check=True,
        capture_output=True,
        text=True,
    )
    return frozen.stdout


@pytest.mark.install
def test_two_fresh_installs_from_the_lock_are_identical(tmp_path) -> None:
    first = _fresh_install(tmp_path / "one")
    second = _fresh_install(tmp_path / "two")
    assert first == second
    pins = _pins(LOCKS["run"])
    frozen = {_normalise(name): version for name, version in (line.split("==", 1) for line in first.splitlines())}
    unlocked = {name: version for name, version in frozen.items() if version not in pins.get(name, ())}
    assert unlocked == {}, "every installed package is a locked version"
    conditional = {_normalise(m.group(1)) for m in re.finditer(r"^(\S+)==\S+ ;", LOCKS["run"].read_text(), re.M)}
    assert set(pins) - set(frozen) <= conditional, "every unconditional pin is installed"
