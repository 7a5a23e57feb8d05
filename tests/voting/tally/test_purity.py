"""The tally engines stay pure Python: no module of ``voting.tally`` may import Django."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import voting.tally

pytestmark = pytest.mark.unit

PACKAGE = Path(voting.tally.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def _imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_source_imports_no_django(module: Path) -> None:
    assert "django" not in _imported_roots(module.read_text())


def test_importing_every_module_loads_no_django() -> None:
    names = [f"voting.tally.{path.stem}" for path in MODULES if path.stem != "__init__"]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    root = PACKAGE.parent.parent
    completed = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
    assert len(names) >= 9
