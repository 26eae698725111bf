"""Imports run one way (DESIGN.md): engines know the modelling language, never a
concrete model; models never import engines or traces; rendering never imports
engines.  And the distribution installs only the `scmcheck` import name."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_PACKAGE = "scmcheck.model.lang"  # the modelling language: expressions, systems, clock, temporal semantics


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_engines_import_only_the_modelling_language():
    for f in (ROOT / "properties" / "engines").glob("*.py"):
        for mod in imports(f):
            if mod.startswith("scmcheck.model"):
                assert mod == "scmcheck.model" or mod.startswith(LANGUAGE_PACKAGE + "."), \
                    f"{f.name} imports the concrete model {mod}"


def test_models_never_import_engines_properties_or_traces():
    for f in (ROOT / "model").rglob("*.py"):
        for mod in imports(f):
            assert not mod.startswith(("scmcheck.properties", "scmcheck.traces")), f"{f.name} imports {mod}"


def test_rendering_never_imports_engines():
    for f in (ROOT / "traces").glob("*.py"):
        for mod in imports(f):
            assert not mod.startswith("scmcheck.properties"), f"{f.name} imports {mod}"


def test_only_scmcheck_is_installed_as_a_top_level_name(tmp_path):
    top = importlib.metadata.distribution("scmcheck").read_text("top_level.txt") or ""
    assert top.split() == ["scmcheck"]
    probe = ("import importlib.util as u, scmcheck.model, scmcheck.properties, scmcheck.traces;"
             "print([n for n in ('model', 'properties', 'traces') if u.find_spec(n)])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
