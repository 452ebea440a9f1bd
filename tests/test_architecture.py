"""The tree keeps its shape: no import cycle, one layers contract with no exception, one clock,
explicit wiring, modules of a readable size."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "integration_centre"
MAX_MODULE_LINES = 600


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges.get(module, ()):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in edges.get(module, ()):
                cycles.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def test_the_application_has_no_import_cycle():
    graph = grimp.build_graph("integration_centre")
    assert import_cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_in_a_throwaway_package(tmp_path, monkeypatch):
    package = tmp_path / "throwaway_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from throwaway_cycle import second\n")
    (package / "second.py").write_text("def later():\n    from throwaway_cycle import third\n")
    (package / "third.py").write_text("import throwaway_cycle.first\n")
    (package / "alone.py").write_text("import throwaway_cycle.first\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    cycles = import_cycles(grimp.build_graph("throwaway_cycle", cache_dir=None))

    assert cycles == [["throwaway_cycle.first", "throwaway_cycle.second", "throwaway_cycle.third"]]


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def test_one_layers_contract_covers_every_package_with_no_exception():
    contracts = _contracts()
    layers = [contract for contract in contracts if contract["type"] == "layers"]
    assert len(layers) == 1
    assert all("ignore_imports" not in contract for contract in contracts)
    named = {name.strip() for layer in layers[0]["layers"] for name in re.split(r"[|:]", layer)}
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages <= named


def test_lint_imports_passes():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "translations" not in path.parts)


def test_no_module_is_over_six_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_only_the_clock_reads_the_system_clock():
    reads = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|utcnow|today)\(")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _modules()
        if path.name != "clock.py" or path.parent != PACKAGE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert found == []


def test_no_import_hides_at_the_bottom_of_a_module():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "noqa: E402" in line
    ]
    assert found == []


@pytest.mark.parametrize("package", sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py")))
def test_every_package_wires_itself_through_register(package):
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "register" in functions
    assert [argument.arg for argument in functions["register"].args.args] == ["app"]


def test_every_module_says_what_it_owns():
    missing = [str(path.relative_to(ROOT)) for path in _modules() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert missing == []
