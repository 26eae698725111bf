"""``scmcheck export --format promela`` (model/lang/promela.py, scmcheck/export.py).

Fast tests read the Promela text of tiny systems (no SPIN needed).  Slow tests
(``-m slow``) run SPIN -- installing it with ``apt-get install -y spin`` when it
is missing and we may -- and hold it to scmcheck: on every built-in design, at
two sizes of its family's size knob (controls has none: one size), pan's
"states, stored" equals the explicit engine's reachable state count, offset 0
(model/lang/promela.py says why), and the invariants SPIN finds violated are
exactly those the explicit engine finds violated.
"""

from __future__ import annotations

import enum
import os
import re
import shutil
import subprocess

import pytest

from scmcheck.cli import main
from scmcheck.export import build_pan, run_pan
from scmcheck.model.designs import registry
from scmcheck.model.lang.errors import InputError, ModelError
from scmcheck.model.lang.expr import TRUE, all_of, min_, not_
from scmcheck.model.lang.promela import Promela, pan_figures, to_promela
from scmcheck.model.lang.system import System


class Mode(enum.IntEnum):
    IDLE = 0
    BUSY = 1


def toy() -> System:
    """Three actions over an enum, a family of two bools and an int; ``swap`` needs temporaries."""
    m = System("toy", "a toy")
    mode = m.enum("mode", Mode, Mode.IDLE)
    w = [m.bool(f"w[{i}]", i == 0) for i in range(2)]
    x = m.int("x", 0, 3, 0)
    m.action("start", "p", mode == Mode.IDLE, {mode: Mode.BUSY, x: min_(x + 1, 3)})
    m.action("swap", "p", mode == Mode.BUSY, {w[0]: w[1], w[1]: w[0]})
    m.action("stop", "q", all_of(mode == Mode.BUSY, not_(w[0])), {mode: Mode.IDLE})
    return m


def options(text: str) -> list[str]:
    return re.findall(r"^  :: d_step \{ (.*)$", text, flags=re.M)


# ---------------------------------------------------------------- the text

def test_each_action_is_one_d_step_and_deadlock_is_the_else_option():
    m = toy()
    pm = to_promela(m, [("x_small", m["x"] <= 3)])
    opts = options(pm.text)
    assert [o.split("/*")[1].split(" by ")[0].strip() for o in opts[:-1]] == ["start", "swap", "stop"]
    assert opts[-1].startswith("else -> check_properties()")
    assert pm.text.count("d_step {") == 4 and pm.text.count("active proctype") == 1
    assert pm.text.count("{") == pm.text.count("}") and pm.text.count("(") == pm.text.count(")")
    assert "#define Mode_BUSY 1" in pm.text and "byte mode = Mode_IDLE;" in pm.text
    assert "bool w_0 = true;" in pm.text and "byte x = 0;" in pm.text


def test_updates_read_the_state_before_the_step():
    pm = to_promela(toy())
    body = pm.text.split("/* swap by p */")[1].split("}")[0]
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    first_write = min(i for i, ln in enumerate(lines) if re.match(r"w_[01] = ", ln))
    temps = [i for i, ln in enumerate(lines) if ln.startswith("new_")]
    assert temps and max(temps) < first_write, lines  # both old values are read before either is written


def test_invariants_are_tagged_assertions_in_every_option():
    m = toy()
    pm = to_promela(m, [("x_small", m["x"] <= 2), ("idle_first", m["mode"] == Mode.IDLE)])
    assert pm.properties == ("x_small", "idle_first")
    assert set(pm.tags.values()) == {"x_small", "idle_first"}
    assert "assert(prop_x_small || (x <= 2));" in pm.text
    assert pm.text.count("check_properties();") == 3  # one per action; the else option calls it too


def test_nested_minima_stay_linear_through_derived_variables():
    """A guard over min(min(...)) would repeat each argument twice per level in Promela's (a <= b -> a : b)."""
    def chain(n: int) -> System:
        m = System("chain")
        xs = [m.int(f"x[{i}]", 0, 9, i % 10) for i in range(n)]
        low = xs[0]
        for x in xs[1:]:
            low = min_(x + 1, low + 1)
        m.action("step", "p", low < 9, {xs[0]: min_(xs[0] + 1, 9)})
        return m

    small, big = to_promela(chain(5)), to_promela(chain(40))
    assert len(big.text) < 12 * len(small.text)  # linear, not 2**40
    assert big.derived > 0 and "der_" in big.text.split(" -> ")[0].split("d_step {")[-1]  # the guard reads one


def test_names_are_made_safe():
    m = System("names")
    t = m.bool("timeout")
    d = m.int("do[3]", 0, 300, 0)
    m.action("a", "p", not_(t), {t: True, d: 7})
    text = to_promela(m).text
    assert "bool timeout_2 = false;" in text and "short do_3 = 0;" in text
    assert "/* timeout */" in text  # the model's own name stays beside the renamed one


def test_range_checks_only_where_an_update_may_leave_the_range():
    m = System("ranges")
    x, y = m.int("x", 0, 2, 0), m.int("y", 0, 2, 0)
    m.action("inc_x", "p", TRUE, {x: x + 1})
    m.action("inc_y", "p", y < 2, {y: min_(y + 1, 2)})
    pm = to_promela(m)
    assert set(pm.tags.values()) == {"range:x"}
    assert "assert(range_x || (0 <= new_x && new_x <= 2));" in pm.text


def test_write_only_variables_are_named():
    m = System("monitor")
    x, seen = m.int("x", 0, 2, 0), m.bool("seen")
    m.action("inc", "p", x < 2, {x: x + 1, seen: True})
    pm = to_promela(m)
    assert pm.write_only == ("seen",) and "spin -a -o2" in pm.text
    assert to_promela(m, [("seen_means_moved", not_(seen) | (x > 0))]).write_only == ()


def test_values_beyond_32_bits_are_refused():
    m = System("huge")
    x = m.int("x", 0, 2**40, 0)
    m.action("a", "p", x < 1, {x: 1})
    with pytest.raises(ModelError, match="32-bit"):
        to_promela(m)


PAN = """pan:1: assertion violated (prop_x_small||(x<=2)) (at depth 4)
pan:2: assertion violated (range_x||((0<=new_x)&&(new_x<=2))) (at depth 9)
State-vector 68 byte, depth reached 39, errors: 2
       94 states, stored
  173.972	total actual memory usage
pan: elapsed time 0.01 seconds
"""


def test_pan_output_is_read():
    pm = Promela("", {"prop_x_small": "x_small", "range_x": "range:x"})
    assert pm.violated(PAN) == {"x_small", "range:x"}
    f = pan_figures(PAN)
    assert (f["states"], f["errors"], f["depth"], f["memory_mb"], f["seconds"]) == (94, 2, 39, 173.972, 0.01)
    assert not f["depth_too_small"]


# ---------------------------------------------------------------- the command

def test_export_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "sub" / "s.pml"
    assert main(["export", "service-correct", "--format", "promela", "-o", str(out), "--param", "workers=3"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out} (promela: ") and "spin -a -o2" in said
    text = out.read_text()
    assert "workers=3" in text and "left out" in text and "time_can_advance" in text
    assert "stop_reaches_stopped (liveness" in text
    for pid in ("stopped_only_after_threads_exit", "handler_returns_within_30s"):
        assert f"assert(prop_{pid} || " in text
    assert [p.name for p in out.parent.iterdir()] == ["s.pml"]  # no temporary file left behind


def test_export_command_to_stdout_and_one_property(capsys):
    assert main(["export", "service-correct", "--property", "handler_returns_within_30s"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("/* service: exported by scmcheck") and text.count("assert(prop_") == 1


@pytest.mark.parametrize("argv, words", [
    (["--property", "stop_reaches_stopped"], ["--property stop_reaches_stopped", "invariants only"]),
    (["--property", "time_can_advance"], ["--property time_can_advance", "invariants only"]),
    (["--property", "nope"], ["--property nope", "unknown property"]),
    (["--param", "workers=0"], ["workers", "out of range"]),
    (["--format", "tla"], ["--format", "invalid choice"]),
])
def test_export_command_refuses_bad_input_in_one_line(argv, words, capsys):
    assert main(["export", "service-correct", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err


def test_export_command_refuses_a_folder_as_output(tmp_path, capsys):
    assert main(["export", "service-correct", "-o", str(tmp_path)]) == 2
    assert "-o" in capsys.readouterr().err


# ---------------------------------------------------------------- SPIN (slow)

SIZE_KNOB = {"service": ("workers", (2, 3)), "com_server": ("clients", (1, 2)), "shutdown": ("services", (2, 3))}


def _cases() -> list:
    out = []
    for d in registry().values():
        knob, sizes = SIZE_KNOB.get(d.family.name, (None, (None,)))
        for size in sizes:
            out.append(pytest.param(d.name, knob, size, id=f"{d.name}-{knob}={size}" if knob else d.name))
    return out


@pytest.fixture(scope="module")
def spin() -> None:
    """SPIN and gcc on PATH; installs SPIN (a Debian package) when it is missing and we are root."""
    if shutil.which("spin") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "spin"], capture_output=True, timeout=600)
    if shutil.which("spin") is None:
        pytest.skip("SPIN is not installed and could not be installed (apt-get install -y spin, as root)")
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: pan, SPIN's verifier, is C")


def _spin(pm: Promela, folder) -> tuple:
    # -O0: these models compile in a second instead of three; the optimisation level changes no count.
    return run_pan(build_pan(pm.text, folder, optimize="-O0"), options=("-c0", "-w20"))


def _scmcheck(system) -> tuple:
    """(reachable states, invariants the explicit engine finds violated)."""
    from scmcheck.properties.check import goals_for
    from scmcheck.properties.engines import explicit
    from scmcheck.properties.result import Goal

    goals = [g for g in goals_for(system) if g.kind == "invariant"]
    # A goal that always holds keeps the search going after every invariant is violated: the whole graph.
    res = explicit.run(system, goals + [Goal("_all", (), TRUE)], keep_graph=False)
    return res[-1].states, {r.property for r in res[:-1] if r.verdict.value == "violated"}, goals


@pytest.mark.slow
@pytest.mark.parametrize("name, knob, size", _cases())
def test_spin_agrees_with_scmcheck(name, knob, size, spin, tmp_path):
    design = registry()[name]
    try:
        system = design.build({knob: size} if knob else {})
    except InputError as exc:
        pytest.skip(f"{name} does not take {knob}={size}: {exc}")
    states, violated, goals = _scmcheck(system)
    pm = to_promela(system, [(g.id, g.invariant) for g in goals])
    output, figures = _spin(pm, tmp_path)
    assert figures["states"] == states, f"SPIN stored {figures['states']} states, scmcheck reached {states}"
    assert pm.violated(output) == violated
    assert figures["errors"] >= len(violated) and (figures["errors"] == 0) == (not violated)


@pytest.mark.slow
def test_spin_checks_one_property_at_a_time(spin, tmp_path, capsys):
    target = "service-stopped-before-workers-exit"
    for pid, bad in (("stopped_only_after_threads_exit", True), ("no_control_after_stop", False)):
        out = tmp_path / f"{pid}.pml"
        assert main(["export", target, "--property", pid, "-o", str(out)]) == 0
        output, figures = run_pan(build_pan(out.read_text(), tmp_path / pid, optimize="-O0"), options=("-c0",))
        assert (figures["errors"] > 0) == bad and ("assertion violated (prop_" + pid in output) == bad
    capsys.readouterr()


@pytest.mark.slow
def test_spin_reports_a_value_out_of_range_where_scmcheck_stops(spin, tmp_path):
    from scmcheck.properties.engines import explicit
    from scmcheck.properties.result import Goal

    m = System("overflow")
    x = m.int("x", 0, 2, 0)
    m.action("inc", "p", TRUE, {x: x + 1})
    with pytest.raises(ModelError, match="outside its range"):
        explicit.run(m, [Goal("_all", (), TRUE)])
    pm = to_promela(m)
    output, _ = _spin(pm, tmp_path)
    assert pm.violated(output) == {"range:x"}


@pytest.mark.slow
def test_spin_sees_no_error_in_a_deadlock(spin, tmp_path):
    """x counts to 3 and stops: scmcheck stutters there (4 states); pan reports no invalid end state, and
    checks the invariants in that state too (x < 3 fails only there, where no step is enabled)."""
    m = System("stops")
    x = m.int("x", 0, 3, 0)
    m.action("inc", "p", x < 3, {x: x + 1})
    output, figures = _spin(to_promela(m, [("below_four", x < 4)]), tmp_path / "holds")
    assert figures["states"] == 4 and figures["errors"] == 0 and "pan:1:" not in output
    pm = to_promela(m, [("below_three", x < 3)])
    output, figures = _spin(pm, tmp_path / "fails")
    assert figures["states"] == 4 and pm.violated(output) == {"below_three"}
    assert "invalid end state" not in output.split("Full statespace")[0]  # before the summary: no such error


@pytest.mark.slow
def test_spin_compiles_names_that_are_promela_c_or_pan_words(spin, tmp_path):
    """Model names that are Promela keywords (timeout), C keywords (int, long) or pan.c's own names (now,
    max, rand) are renamed; the model compiles and SPIN counts scmcheck's states."""
    m = System("words")
    t, i, lg = m.bool("timeout"), m.int("int", 0, 2, 0), m.bool("long")
    now, top, rnd = m.bool("now"), m.int("max", 0, 1, 0), m.bool("rand")
    m.action("inc", "p", i < 2, {i: i + 1, now: not_(now), rnd: now})
    m.action("flip", "p", not_(t), {t: True, lg: t, top: 1})
    states, _, _ = _scmcheck(m)
    _, figures = _spin(to_promela(m, [("small", i <= 2)]), tmp_path)
    assert figures["states"] == states
