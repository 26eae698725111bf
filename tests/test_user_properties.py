"""A design's own properties (System.invariant, System.leads_to), knobs a design fixes, and rerun /
draw-it lines that the CLI accepts as printed.

The toy below is two threads and a lock: ``racy`` ignores the lock (mutual exclusion violated),
``locked`` lets thread b take the lock again and again (a_gets_in violated by a lasso), ``yielding``
makes b give way to a waiting a (both hold).  Nothing here is a catalog entry: every verdict comes
from the design's own declarations.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from scmcheck.cli import main
from scmcheck.model import System, not_
from scmcheck.model.lang.errors import InputError, ModelError, ScmcheckError
from scmcheck.properties.check import check, goals_for
from scmcheck.traces import itf, replay

ROOT = Path(__file__).resolve().parent.parent

TOY = '''
from scmcheck.model import System, all_of, not_
from scmcheck.model.designs import Knob
from scmcheck.model.service_api import user_design


def build(p, name="toy"):
    # the build records a parameter that is not a knob (threads), as a design's build may
    m = System(name, parameters={**p, "threads": 2})
    lock = m.bool("lock")
    st = {t: (m.bool(f"{t}_wants"), m.bool(f"{t}_in")) for t in ("a", "b")}
    for t in ("a", "b"):
        wants, inside = st[t]
        guard = [wants]
        if p["use_lock"]:
            guard.append(not_(lock))
        if p["b_yields"] and t == "b":
            guard.append(not_(st["a"][0]))
        m.action(f"{t}_request", f"thread_{t}", guard=all_of(not_(wants), not_(inside)), update={wants: True})
        m.action(f"{t}_enter", f"thread_{t}", guard=guard, update={wants: False, inside: True, lock: True})
        m.action(f"{t}_leave", f"thread_{t}", guard=inside, update={inside: False, lock: False})
    a_wants, a_in = st["a"]
    m.invariant("mutual_exclusion", not_(all_of(a_in, st["b"][1])), guarantee="Never both threads inside.",
                witness=a_in)
    m.leads_to("a_gets_in", a_wants, a_in, guarantee="A thread that asks to enter eventually enters.",
               rules=("000.1",))
    if p.get("unreachable_witness"):
        m.invariant("never_both_want_and_in", not_(all_of(a_wants, a_in)), guarantee="a is never both.",
                    witness=all_of(a_wants, a_in, lock))
    return m


KNOBS = (Knob("use_lock", True, "threads take the lock"), Knob("b_yields", False, "b gives way to a waiting a"))


def racy():
    return build({"use_lock": False, "b_yields": False}, "toy-racy")


def locked():
    return build({"use_lock": True, "b_yields": False}, "toy-locked")


def yielding():
    return build({"use_lock": True, "b_yields": True}, "toy-yielding")


def vacuous():
    return build({"use_lock": True, "b_yields": True, "unreachable_witness": True}, "toy-vacuous")


# a Design: use_lock and b_yields can be set; its build also records 'threads', which is no knob
design = user_design("toy-design", "the toy with knobs", build, knobs=KNOBS)
# use_lock is fixed by the build itself: --param use_lock must be refused, not silently ignored
labelled = user_design("toy-labelled", "no lock", lambda p: build({**p, "use_lock": False}),
                       knobs=KNOBS, expect=("mutual_exclusion",))
'''


@pytest.fixture()
def toy(tmp_path):
    path = tmp_path / "toy.py"
    path.write_text(TOY, encoding="utf-8")
    return path


def _module(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"toy_{abs(hash(str(path)))}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv, expect: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert expect in lines[0], lines[0]
    return lines[0]


OPTS = {"bmc": {"depth": 12}, "fuzz": {"runs": 30, "depth": 20}}


def by(results, pid):
    return {r.engine: r for r in results if r.property == pid}


# ---------------------------------------------------------------- every engine, through the Python API

def test_user_invariant_violated_by_every_engine_with_replaying_traces(toy):
    m = _module(toy).racy()
    results = check(m, goals_for(m, ["mutual_exclusion"]), ["explicit", "bmc", "fuzz"], OPTS)
    got = by(results, "mutual_exclusion")
    assert {e: r.verdict.value for e, r in got.items()} == {"explicit": "violated", "bmc": "violated",
                                                            "fuzz": "violated"}
    assert got["explicit"].trace.length == got["bmc"].trace.length == 4  # shortest: a asks, enters; b too
    assert got["fuzz"].trace.length >= 4
    for r in got.values():
        replay(m, r.trace, violates=goals_for(m, ["mutual_exclusion"])[0].invariant)
        last = m.as_dict(r.trace.states[-1])
        assert last["a_in"] and last["b_in"]


def test_user_invariant_proved_with_its_witness_reached(toy):
    m = _module(toy).locked()
    results = check(m, goals_for(m, ["mutual_exclusion"]), ["explicit", "bmc", "fuzz"], OPTS)
    got = by(results, "mutual_exclusion")
    assert got["explicit"].verdict.value == "proved" and got["explicit"].states == 8
    assert got["bmc"].verdict.value == "bounded"  # the toy runs for ever: no bound ends it
    assert got["fuzz"].verdict.value == "unknown"  # random search proves nothing
    for r in got.values():
        assert r.witness_steps == 2 and r.witness_note == "witness reached in 2 steps"


def test_user_invariant_with_unreachable_witness_is_vacuous(toy):
    m = _module(toy).vacuous()
    (r,) = check(m, goals_for(m, ["never_both_want_and_in"]), ["explicit"])
    assert r.verdict.value == "vacuous" and r.witness_note == "witness unreachable"


def test_user_leads_to_violated_by_a_lasso(toy):
    m = _module(toy).locked()
    (goal,) = goals_for(m, ["a_gets_in"])
    assert goal.kind == "leads_to" and goal.rules == ("000.1",)
    got = by(check(m, [goal], ["explicit", "bmc", "fuzz"], OPTS), "a_gets_in")
    assert got["explicit"].verdict.value == got["bmc"].verdict.value == "violated"
    assert got["fuzz"].verdict.value == "unknown"  # random runs do not decide eventually properties
    for engine in ("explicit", "bmc"):
        t = got[engine].trace
        assert t.loop is not None, "a liveness counterexample is a lasso"
        replay(m, t, violates=goal.leads_to)
        loop_states = [m.as_dict(s) for s in t.states[t.loop:]]
        assert all(s["a_wants"] and not s["a_in"] for s in loop_states)  # a waits for ever
        assert {s.process for s in t.steps[t.loop:]} == {"thread_b"}  # while b takes the lock again and again
    assert got["explicit"].trace.length == got["bmc"].trace.length
    assert any("weak fairness per thread" in a for a in got["explicit"].assumptions)


def test_user_leads_to_proved(toy):
    m = _module(toy).yielding()
    got = by(check(m, goals_for(m), ["explicit", "bmc"], OPTS), "a_gets_in")
    assert got["explicit"].verdict.value == "proved"
    assert got["explicit"].witness_note == "witness reached in 1 step"  # the witness defaults to the trigger
    assert got["bmc"].verdict.value == "bounded"


def test_user_leads_to_hold_restricts_the_loop(toy):
    m = _module(toy).locked()
    m.leads_to("a_gets_in_while_b_quiet", m["a_wants"], m["a_in"], hold=not_(m["b_wants"]),
               guarantee="If b stops asking, a waiting a eventually enters.")
    got = {r.property: r for r in check(m, goals_for(m), ["explicit", "bmc"], OPTS) if r.engine == "explicit"}
    assert got["a_gets_in"].verdict.value == "violated"  # b asks again and again
    assert got["a_gets_in_while_b_quiet"].verdict.value == "proved"  # every such loop has b asking


def test_goals_for_a_system_are_the_catalog_entries_that_apply_and_its_own(toy):
    m = _module(toy).locked()
    assert [g.id for g in goals_for(m)] == ["mutual_exclusion", "a_gets_in"]  # no catalog entry reads the toy
    with pytest.raises(ScmcheckError, match="unknown property 'nope'.*the design's own: mutual_exclusion, a_gets_in"):
        goals_for(m, ["nope"])
    other = _module(toy).racy()
    from scmcheck.properties import catalog

    with pytest.raises(ModelError, match="does not apply to model toy-racy"):
        catalog.declared(m)[0].goal(other)  # a design's property belongs to its own System


# ---------------------------------------------------------------- declarations refused, one line each

def _sys():
    m = System("decl")
    a = m.bool("a")
    m.int("n", 0, 3, 0)
    m.action("set_a", "t", guard=not_(a), update={a: True})
    return m, a


@pytest.mark.parametrize("declare, match", [
    (lambda m, a: m.invariant("x y", a, guarantee="g"), "a property id is 1 to 80 letters"),
    (lambda m, a: m.invariant("p", lambda s: s, guarantee="g"), "property p: the invariant is a function, not an expression"),
    (lambda m, a: m.invariant("p", True, guarantee="g"), "property p: the invariant is the Python value True"),
    (lambda m, a: m.leads_to("p", a, m["n"] + 1, guarantee="g"), r"property p: goal \(n \+ 1\) is an integer expression"),
    (lambda m, a: m.invariant("p", a, guarantee=""), "property p: guarantee = ''"),
    (lambda m, a: m.invariant("p", a, guarantee="g", rules=3), "property p: rules = 3 is not a tuple"),
    (lambda m, a: m.invariant("p", a, guarantee="g", witness="a"), "property p: witness is a str, not an expression"),
    (lambda m, a: m.invariant("p", System("other").bool("a"), guarantee="g"), "of another system"),
])
def test_bad_declarations_are_refused_at_once(declare, match):
    m, a = _sys()
    with pytest.raises(ModelError, match=match) as info:
        declare(m, a)
    assert "\n" not in str(info.value)
    assert m.declared_properties == ()


def test_duplicate_id_names_where_it_was_first_declared():
    m, a = _sys()
    m.invariant("p", a | not_(a), guarantee="first")
    with pytest.raises(ModelError, match=r"property id p is declared twice in decl \(first at .*test_user_properties.py, line \d+"):
        m.invariant("p", a, guarantee="second")


BAD = {
    "dup": ('m.invariant("p", a | not_(a), guarantee="x")\n    m.invariant("p", a, guarantee="y")',
            "property id p is declared twice"),
    "clash": ('m.invariant("stop_reaches_stopped", a, guarantee="x")',
              "property id stop_reaches_stopped is already a catalog property"),
    "badrule": ('m.invariant("p", a, guarantee="x", rules=("000.9",))',
                "property p: unknown rule number '000.9'"),
    "notexpr": ('m.invariant("p", lambda s: s, guarantee="x")', "property p: the invariant is a function"),
    "pybool": ('m.leads_to("p", a, 3 == 3, guarantee="x")', "property p: goal is the Python value True"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_user_properties_through_the_cli_are_one_line_exit_2(capsys, tmp_path, case):
    body, expect = BAD[case]
    src = tmp_path / "bad.py"
    src.write_text("from scmcheck.model import System, not_\n\n\ndef design():\n    m = System('bad')\n"
                   "    a = m.bool('a')\n    m.action('set_a', 't', guard=not_(a), update={a: True})\n"
                   f"    {body}\n    return m\n", encoding="utf-8")
    line = one_line_error(capsys, "check", f"{src}:design", "--out", tmp_path / "o", expect=expect)
    assert f"{src}, line " in line  # the line of the declaration
    if case == "badrule":
        assert "scmcheck list --rules" in line
    if case == "clash":
        assert "another id" in line
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- the CLI: check, exit codes, JSON, list

def test_cli_check_prints_and_saves_user_properties(capsys, toy, tmp_path):
    code, out, err = run(capsys, "check", f"{toy}:locked", "--out", tmp_path / "o")
    assert code == 1 and err == ""
    assert "PROVED    mutual_exclusion  explicit all 8 reachable states, witness reached in 2 steps" in out
    assert "VIOLATED  a_gets_in         explicit lasso of 4 steps" in out
    assert "counterexample to a_gets_in (rules 000.1): 4 steps, found by explicit; a lasso" in out
    saved = tmp_path / "o" / "toy-locked.a_gets_in.explicit.itf.json"
    assert saved.exists()
    data = json.loads(saved.read_text())
    assert data["loop"] is not None and data["#meta"]["scmcheck"]["property"] == "a_gets_in"
    assert "violated: a_gets_in" in out


@pytest.mark.parametrize("target, engine, status", [
    ("racy", "explicit", 1), ("racy", "fuzz", 1), ("yielding", "explicit", 0), ("yielding", "bmc", 0),
    ("yielding", "fuzz", 3),  # fuzz gives only unknown: incomplete
    ("vacuous", "explicit", 3),  # a vacuous property: incomplete
])
def test_cli_exit_codes(capsys, toy, tmp_path, target, engine, status):
    code, out, err = run(capsys, "check", f"{toy}:{target}", "--engine", engine, "--depth", "12", "--runs", "30",
                         "--out", tmp_path, "--json")
    assert code == status, (out, err)
    doc = json.loads(out)
    assert doc["exit"] == status
    assert {r["property"] for r in doc["results"]} >= {"mutual_exclusion", "a_gets_in"}


def test_cli_json_for_user_properties(capsys, toy, tmp_path):
    code, out, _ = run(capsys, "check", f"{toy}:locked", "--engine", "all", "--depth", "12", "--runs", "30",
                       "--out", tmp_path, "--json")
    assert code == 1
    res = {(r["property"], r["engine"]): r for r in json.loads(out)["results"]}
    lasso = res[("a_gets_in", "bmc")]
    assert lasso["verdict"] == "violated" and lasso["kind"] == "leads_to" and lasso["rules"] == ["000.1"]
    assert lasso["trace"]["loop"] is not None and Path(lasso["trace"]["file"]).exists()
    assert res[("a_gets_in", "fuzz")]["verdict"] == "unknown"
    assert res[("mutual_exclusion", "explicit")]["witness"] == {"reached": True, "steps": 2,
                                                               "note": "witness reached in 2 steps"}


def test_property_selects_user_properties(capsys, toy, tmp_path):
    code, out, _ = run(capsys, "check", f"{toy}:racy", "--property", "a_gets_in", "--out", tmp_path, "--json")
    assert code == 0
    assert [r["property"] for r in json.loads(out)["results"]] == ["a_gets_in"]
    line = one_line_error(capsys, "check", f"{toy}:racy", "--property", "b_gets_in", "--out", tmp_path,
                          expect="unknown property 'b_gets_in'")
    assert "mutual_exclusion, a_gets_in" in line
    one_line_error(capsys, "check", f"{toy}:racy", "--property", "stop_reaches_stopped", "--out", tmp_path,
                   expect="does not apply to model toy-racy")


def test_expect_may_name_a_user_property(capsys, toy, tmp_path):
    code, out, _ = run(capsys, "check", f"{toy}:labelled", "--out", tmp_path)
    assert code == 1
    assert "violated: mutual_exclusion (as labelled)" in out


def test_list_target_shows_user_properties_and_settable_knobs(capsys, toy):
    code, out, err = run(capsys, "list", f"{toy}:labelled")
    assert code == 0 and err == ""
    assert "design toy-labelled (model toy): violates mutual_exclusion" in out
    assert "  mutual_exclusion  [design's own; no rule] Never both threads inside." in out
    assert "  a_gets_in         [design's own; 000.1] A thread that asks to enter eventually enters." in out
    assert "b_yields = false" in out and "use_lock" not in out  # the build fixes use_lock
    code, out, _ = run(capsys, "list", f"{toy}:labelled", "--json")
    doc = json.loads(out)
    assert [k["name"] for k in doc["knobs"]] == ["b_yields"]
    own = [p for p in doc["properties"] if p["source"] == "design"]
    assert [(p["id"], p["kind"]) for p in own] == [("mutual_exclusion", "invariant"), ("a_gets_in", "leads_to")]
    assert own[0]["declared_at"].startswith(f"{toy}, line ")


def test_list_of_a_built_in_design(capsys):
    code, out, _ = run(capsys, "list", "service-no-stop-progress", "--json")
    assert code == 0
    doc = json.loads(out)
    names = [k["name"] for k in doc["knobs"]]
    assert "workers" in names and "progress_reports" not in names  # the design fixes progress_reports
    assert all(p["source"] == "catalog" for p in doc["properties"])


# ---------------------------------------------------------------- saved traces replay with show

@pytest.mark.parametrize("target, pid", [("racy", "mutual_exclusion"), ("locked", "a_gets_in")])
def test_saved_user_property_traces_replay_with_show(capsys, toy, tmp_path, target, pid):
    code, out, _ = run(capsys, "check", f"{toy}:{target}", "--engine", "all", "--depth", "12", "--runs", "30",
                       "--property", pid, "--out", tmp_path)
    assert code == 1
    files = sorted(tmp_path.glob(f"toy-{target}.{pid}.*.itf.json"))
    assert files
    for f in files:
        # a Python target is imported only when named
        one_line_error(capsys, "show", f, expect="--trust")
        code, out, err = run(capsys, "show", f, "--target", f"{toy}:{target}")
        assert code == 0, err
        assert f"counterexample to {pid}" in out and f"✗ {pid} is violated" in out
        code, out, err = run(capsys, "show", f, "--trust", "--format", "svg", "-o", tmp_path / "t.svg")
        assert code == 0 and (tmp_path / "t.svg").read_text().startswith("<svg"), err
    # the trace names a property of the design's own: a design without it refuses the file
    one_line_error(capsys, "show", files[0], "--target", f"{toy}:{'locked' if target == 'racy' else 'racy'}",
                   expect="cannot rebuild its model")


def test_show_refuses_a_trace_whose_property_the_design_does_not_declare(capsys, toy, tmp_path):
    run(capsys, "check", f"{toy}:racy", "--property", "mutual_exclusion", "--out", tmp_path)
    f = tmp_path / "toy-racy.mutual_exclusion.explicit.itf.json"
    data = json.loads(f.read_text())
    data["#meta"]["scmcheck"]["property"] = "mutual_exclusion2"
    f.write_text(json.dumps(data))
    one_line_error(capsys, "show", f, "--trust",
                   expect="field #meta.scmcheck.property = 'mutual_exclusion2' is not a catalog property")


# ---------------------------------------------------------------- knobs a design fixes

def test_a_knob_the_build_fixes_is_refused(capsys, toy, tmp_path):
    line = one_line_error(capsys, "check", f"{toy}:labelled", "--param", "use_lock=true", "--out", tmp_path,
                          expect="use_lock is fixed by design toy-labelled (use_lock = false, set by its build)")
    assert line.endswith("knobs you can set: b_yields")
    # the value it fixes is no change: accepted
    code, _, _ = run(capsys, "check", f"{toy}:labelled", "--param", "use_lock=false", "--out", tmp_path)
    assert code == 1


def test_a_name_that_is_no_knob_is_refused_with_what_can_be_set(capsys, toy, tmp_path):
    line = one_line_error(capsys, "check", f"{toy}:labelled", "--param", "threads=3", "--out", tmp_path,
                          expect="unknown knob 'threads' for design toy-labelled")
    assert line.endswith("knobs you can set: b_yields")
    line = one_line_error(capsys, "check", f"{toy}:design", "--param", "lock=1", "--out", tmp_path,
                          expect="unknown knob 'lock'")
    assert line.endswith("knobs you can set: use_lock, b_yields")


def test_a_fixed_system_takes_no_param(capsys, toy, tmp_path):
    one_line_error(capsys, "check", f"{toy}:racy", "--param", "use_lock=true", "--out", tmp_path,
                   expect="fixed System with no knobs")


def test_design_fixed_of_a_user_design_names_what_can_be_set():
    from scmcheck.model.designs import Design, Family, Knob

    fam = Family("fam", "doc", (Knob("x", 1, "x", 0, 3), Knob("y", False, "y")), lambda p: _sys()[0], ())
    d = Design("d", fam, {"x": 2}, (), "doc", fixed=("x",))
    with pytest.raises(InputError, match=r"^--param: x is fixed by design d \(x = 2\) and cannot be changed; "
                                         r"knobs you can set: y$"):
        d.build({"x": "3"})
    assert d.build({"x": "2", "y": "true"}) is not None


# ---------------------------------------------------------------- rerun and draw-it lines run as printed

def _printed(out: str, label: str) -> list:
    lines = [ln.split(label, 1)[1] for ln in out.splitlines() if ln.strip().startswith(label)]
    assert lines, out
    return [shlex.split(ln) for ln in lines]


@pytest.mark.parametrize("argv, pid", [
    # a design whose build records a parameter that is no knob (threads) and fixes one (use_lock)
    (("{toy}:labelled", "--param", "b_yields=true"), "mutual_exclusion"),
    (("{toy}:design", "--param", "use_lock=false", "--engine", "fuzz", "--runs", "30", "--seed", "3"),
     "mutual_exclusion"),
    # a built-in design with a knob set
    (("service-no-stop-progress", "--param", "workers=1"), "pending_progress_within_wait_hint"),
])
def test_printed_rerun_and_draw_lines_run_and_reproduce(capsys, toy, tmp_path, monkeypatch, argv, pid):
    argv = [a.format(toy=toy) for a in argv]
    monkeypatch.chdir(tmp_path)  # the draw-it line writes NAME.svg here
    code, out, err = run(capsys, "check", *argv, "--property", pid, "--out", "a")
    assert code == 1, err
    first = next(ln for ln in out.splitlines() if "VIOLATED" in ln and pid in ln)
    (rerun,) = _printed(out, "rerun:")
    assert rerun[:2] == ["scmcheck", "check"]
    given = [argv[i + 1] for i, a in enumerate(argv) if a == "--param"]
    # exactly the knobs set on the command line: never 'threads' (no knob) or a knob the design fixes
    assert [a.removeprefix("--param=") for a in rerun if a.startswith("--param")] == given, rerun
    code2, out2, err2 = run(capsys, *rerun[1:], "--out", "b", "--json")
    assert code2 == 1, err2
    (r,) = json.loads(out2)["results"]
    assert r["property"] == pid and r["verdict"] == "violated"
    assert f" of {r['trace']['length']} steps" in first
    (draw,) = _printed(out, "draw it:")
    assert draw[:2] == ["scmcheck", "show"]
    code3, out3, err3 = run(capsys, *draw[1:])
    assert code3 == 0, err3
    svg = tmp_path / draw[draw.index("-o") + 1]
    assert svg.read_text().startswith("<svg")
    assert f"{r['trace']['length']} steps, re-checked against" in out3
    assert "threads" not in out3  # a recorded non-knob parameter is not reported as changed


def test_show_refuses_a_trace_whose_recorded_parameters_the_design_does_not_build(capsys, toy, tmp_path):
    run(capsys, "check", f"{toy}:labelled", "--property", "mutual_exclusion", "--out", tmp_path)
    f = tmp_path / "toy-labelled.mutual_exclusion.explicit.itf.json"
    data = json.loads(f.read_text())
    data["#meta"]["scmcheck"]["parameters"]["threads"] = 3
    f.write_text(json.dumps(data))
    one_line_error(capsys, "show", f, "--trust",
                   expect="field #meta.scmcheck.parameters threads: recorded as 3, but design toy-labelled builds "
                          "threads = 2")


# ---------------------------------------------------------------- the worked examples

@pytest.mark.parametrize("target, status, violated", [
    ("user_invariants.py:buggy", 1, {"log_flushed_before_stopped"}),
    ("user_invariants.py:fixed", 0, set()),
    ("leads_to.py:buggy", 1, {"worker_exits_after_stop_event", "stop_reaches_stopped",
                              "pending_progress_within_wait_hint"}),
    ("leads_to.py:fixed", 0, set()),
])
def test_worked_examples(capsys, tmp_path, target, status, violated):
    code, out, err = run(capsys, "check", ROOT / "examples" / "properties" / target, "--out", tmp_path, "--json")
    assert code == status, err
    results = json.loads(out)["results"]
    assert {r["property"] for r in results if r["verdict"] == "violated"} == violated
    own = [r for r in results if r["property"] in ("log_flushed_before_stopped", "worker_exits_after_stop_event")]
    assert len(own) == 1
    if not violated:
        assert own[0]["verdict"] == "proved" and own[0]["witness"]["reached"]
    elif own[0]["kind"] == "leads_to":
        assert own[0]["trace"]["loop"] is not None
    for r in results:
        if r["trace"]:
            assert itf.load(Path(r["trace"]["file"])).property == r["property"]
