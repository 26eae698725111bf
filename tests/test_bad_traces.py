"""``scmcheck show`` on damaged or doctored trace files, through the real CLI.

Each bad file is refused with exit 2 and one stderr line naming the file and
the field, never a traceback; a trace whose property, design or target was
changed is refused rather than drawn as "re-checked".  A valid trace still
shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGN = "service-stopped-before-workers-exit"
PROPERTY = "stopped_only_after_threads_exit"


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scmcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("good")
    proc = _cli("check", DESIGN, "--property", PROPERTY, "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    (path,) = out.glob("*.itf.json")
    return path


def _refused(proc: subprocess.CompletedProcess, path: Path, *needles: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("scmcheck: error: "), lines[0]
    assert str(path) in lines[0], lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "re-checked" not in proc.stdout
    return lines[0]


def _meta(d: dict) -> dict:
    return d["#meta"]["scmcheck"]


def _var_index(d: dict, pred: Callable[[dict], bool]) -> int:
    return next(i for i, v in enumerate(_meta(d)["variables"]) if pred(v))


def _set_unit(d: dict) -> None:
    _meta(d)["variables"][_var_index(d, lambda v: "unit" in v)]["unit"] = "10"


def _unit_field(d: dict) -> str:
    return f"#meta.scmcheck.variables[{_var_index(d, lambda v: 'unit' in v)}].unit"


# (id, how to damage the parsed trace, the field the message must name)
CASES: list[tuple[str, Callable[[dict], Any], Any]] = [
    ("meta-list", lambda d: d.__setitem__("#meta", []), "field #meta "),
    ("parameters-list", lambda d: _meta(d).__setitem__("parameters", [1, 2]), "field #meta.scmcheck.parameters"),
    ("parameters-string", lambda d: _meta(d).__setitem__("parameters", "workers=2"),
     "field #meta.scmcheck.parameters"),
    ("property-list", lambda d: _meta(d).__setitem__("property", [PROPERTY]), "field #meta.scmcheck.property"),
    ("bigint-not-digits", lambda d: d["states"][1].__setitem__("checkpoint", {"#bigint": "zz"}),
     "field states[1].checkpoint.#bigint"),
    ("nondetpicks-list", lambda d: d["states"][1].__setitem__("mbt::nondetPicks", []),
     "field states[1].mbt::nondetPicks"),
    ("time-string", lambda d: d["states"][2]["#meta"].__setitem__("time", "10"), "field states[2].#meta.time"),
    ("time-null", lambda d: d["states"][2]["#meta"].__setitem__("time", None), "field states[2].#meta.time"),
    ("vars-string", lambda d: d.__setitem__("vars", "reported"), "field vars "),
    ("processes-string", lambda d: _meta(d).__setitem__("processes", "scm"), "field #meta.scmcheck.processes"),
    ("focus-object", lambda d: _meta(d).__setitem__("focus", {"main": 1}), "field #meta.scmcheck.focus"),
    ("rules-string", lambda d: _meta(d).__setitem__("rules", "000.3"), "field #meta.scmcheck.rules"),
    ("reads-string", lambda d: d["states"][1]["#meta"].__setitem__("reads", "control"),
     "field states[1].#meta.reads"),
    ("unit-string", _set_unit, _unit_field),
    ("kind-real", lambda d: _meta(d)["variables"][0].__setitem__("kind", "real"),
     "field #meta.scmcheck.variables[0].kind"),
    ("loop-string", lambda d: d.__setitem__("loop", "1"), "field loop"),
    ("loop-list", lambda d: d.__setitem__("loop", [1]), "field loop"),
    ("loop-float", lambda d: d.__setitem__("loop", 1.0), "field loop"),
]


@pytest.mark.parametrize("damage,field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_damaged_field_is_refused_by_name(good, tmp_path, damage, field):  # noqa: ANN001
    data = json.loads(good.read_text(encoding="utf-8"))
    expected = field(data) if callable(field) else field
    damage(data)
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    _refused(_cli("show", str(bad)), bad, expected.rstrip())


def test_non_utf8_file(good, tmp_path):  # noqa: ANN001
    bad = tmp_path / "latin1.itf.json"
    bad.write_bytes(good.read_bytes().replace(b'"design": "', b'"design": "\xe9', 1))
    _refused(_cli("show", str(bad)), bad, "not UTF-8", "offset")


def test_json_nested_200000_deep(tmp_path):  # noqa: ANN001
    bad = tmp_path / "deep.itf.json"
    depth = 200_000
    bad.write_text('{"vars": ' + "[" * depth + "]" * depth + ', "states": []}', encoding="utf-8")
    _refused(_cli("show", str(bad)), bad, "field vars[0][0][0]", "too deep")


def test_numbers_json_does_not_have(good, tmp_path):  # noqa: ANN001
    bad = tmp_path / "nan.itf.json"
    bad.write_text(good.read_text(encoding="utf-8").replace('"time": 0.0', '"time": NaN', 1), encoding="utf-8")
    _refused(_cli("show", str(bad)), bad, "NaN")


# ---------------------------------------------------------------- doctored, not damaged

def _doctored(good: Path, tmp_path: Path, change: Callable[[dict], Any]) -> Path:
    data = json.loads(good.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "doctored.itf.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_property_unknown_to_the_catalog(good, tmp_path):  # noqa: ANN001
    bad = _doctored(good, tmp_path, lambda d: _meta(d).__setitem__("property", "no_such_property"))
    _refused(_cli("show", str(bad)), bad, "field #meta.scmcheck.property", "no_such_property", "not a catalog")


def test_design_other_than_the_rebuilt_one(good, tmp_path):  # noqa: ANN001
    bad = _doctored(good, tmp_path, lambda d: _meta(d).__setitem__("design", "service-correct"))
    _refused(_cli("show", str(bad)), bad, "field #meta.scmcheck.design", "service-correct", DESIGN)


def test_target_swapped_for_another_design(good, tmp_path):  # noqa: ANN001
    bad = _doctored(good, tmp_path, lambda d: _meta(d).__setitem__("target", "service-correct"))
    _refused(_cli("show", str(bad)), bad, "service-correct", "field #meta.scmcheck.design")


@pytest.mark.parametrize("other", ["service-no-stop-progress", "controls-correct"])
def test_target_and_design_swapped_together(good, tmp_path, other):  # noqa: ANN001
    def swap(d: dict) -> None:
        _meta(d)["target"] = _meta(d)["design"] = other

    bad = _doctored(good, tmp_path, swap)
    _refused(_cli("show", str(bad)), bad, other, "field #meta.scmcheck.parameters")


def test_swap_to_the_base_design_names_the_knobs_it_changes(good, tmp_path):  # noqa: ANN001
    """What ``check service-correct --param wait_for_workers=false`` writes: shown, knobs named."""
    def swap(d: dict) -> None:
        _meta(d)["target"] = _meta(d)["design"] = "service-correct"

    trace = _doctored(good, tmp_path, swap)
    proc = _cli("show", str(trace), "-o", str(tmp_path / "t.txt"))
    assert proc.returncode == 0, proc.stderr
    assert "re-checked against service-correct with wait_for_workers=false" in proc.stdout


def test_relabelled_enum_values_are_refused(good, tmp_path):  # noqa: ANN001
    """Swapped enum names would replay (values are compared by index) but draw the wrong states."""
    def relabel(d: dict) -> None:
        var = _meta(d)["variables"][_var_index(d, lambda v: v["kind"] == "enum")]
        var["values"][0], var["values"][1] = var["values"][1], var["values"][0]

    bad = _doctored(good, tmp_path, relabel)
    _refused(_cli("show", str(bad)), bad, "field #meta.scmcheck.variables[")


def test_valid_trace_still_shows(good):  # noqa: ANN001
    proc = _cli("show", str(good))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert f"counterexample to {PROPERTY}" in proc.stdout


def test_valid_trace_draws_to_a_file(good, tmp_path):  # noqa: ANN001
    target = tmp_path / "t.svg"
    proc = _cli("show", str(good), "--format", "svg", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert f"re-checked against {DESIGN}" in proc.stdout and target.read_text().lstrip().startswith("<")
