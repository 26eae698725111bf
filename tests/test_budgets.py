"""Budgets: BMC's and explicit's timeouts, fuzz's runs and seed, fuzz's files.

Both directions for each budget: one that is enough gives the real verdict
(the same as without a budget), a small one gives ``unknown`` -- and in time:
a timeout is one deadline for the whole run, so the wall time stays within the
budget plus a little slack (``SLACK``), whatever the engine was doing.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import pytest
import z3

from scmcheck.model.designs import built_in
from scmcheck.model.lang.clock import Clock
from scmcheck.model.lang.expr import not_
from scmcheck.model.lang.system import System
from scmcheck.properties import catalog
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.properties.result import Goal, Verdict

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN

SLACK = 1.5  # seconds past the budget a run may take to wind down (loaded CI machines)


def timed(fn, *args, **kwargs):
    t = time.monotonic()
    out = fn(*args, **kwargs)
    return out, time.monotonic() - t


def counter(n: int) -> System:
    """x counts 0..n and may drop back to 0: runs never end, x == n first after n steps."""
    m = System("counter", "x counts up to n")
    x = m.int("x", 0, n, 0, "the count")
    m.action("count_inc", "counter", x < n, {x: x + 1})
    m.action("count_reset", "counter", x > 0, {x: 0})
    return m


def grid(n: int) -> System:
    """Two counters 0..n: (n+1)^2 states, x == y == n first after 2n steps."""
    m = System("grid", "two counters")
    x, y = m.int("x", 0, n, 0), m.int("y", 0, n, 0)
    m.action("inc_x", "a", x < n, {x: x + 1})
    m.action("inc_y", "b", y < n, {y: y + 1})
    return m


def many_candidates(n: int) -> System:
    """The environment picks v = 1..n while nothing is pending, then a client interrogates and the
    handler must answer at once: each (v, pending) is a time-lock candidate for BMC at depth 2, with its
    own closure (answering lets time pass), so depth 2 refutes n candidates one solver call at a time."""
    m = System("many_candidates", time_unit=1.0)
    v, pending = m.int("v", 0, n, 0), m.bool("pending")
    clk = Clock(m, 1.0)
    for i in range(1, n + 1):
        m.action(f"pick_{i}", "env", not_(pending), {v: i})
    m.action("interrogate", "scm", not_(pending), {pending: True})
    clk.urgent(m.action("answer", "handler", pending, {pending: False}))
    clk.tick()
    m.environment_process("env", "scm")
    return m


def design_goals(name: str):
    m = built_in(name).build({})
    return m, [p.goal(m) for p in catalog.applicable(m)]


def time_lock() -> Goal:
    return Goal("time_can_advance", (), time_lock=True)


# ---------------------------------------------------------------- BMC

@pytest.mark.parametrize("timeout", [None, math.inf, 60.0])
def test_bmc_enough_budget_gives_the_real_verdict(timeout):
    m = counter(5)
    top, fits = Goal("never_top", (), m["x"] != 5), Goal("in_range", (), m["x"] <= 5)
    r = bmc.run(m, [top, fits], depth=8, timeout=timeout)
    assert (r[0].verdict, r[0].bound, r[0].trace.length) == (V, 5, 5)
    assert (r[1].verdict, r[1].bound) == (B, 8)
    # Proved (no path longer than 4 steps) as without a budget.
    g = grid(2)
    (p,) = bmc.run(g, [Goal("in_range", (), g["x"] <= 2)], depth=10, timeout=timeout)
    assert (p.verdict, p.bound) == (P, 4)


def test_bmc_enough_budget_on_a_design_gives_the_pinned_lengths():
    # tests/test_controls_model.py pins these shortest lengths.
    m, goals = design_goals("controls-ignores-stop-xp")
    goals = [g for g in goals if g.id in ("no_control_after_stop", "stop_accepted_leads_to_stop_pending")]
    res = {r.property: r for r in bmc.run(m, goals, depth=8, timeout=600.0)}
    assert len(res) == 2
    assert res["no_control_after_stop"].verdict == V and res["no_control_after_stop"].trace.length == 7
    assert res["stop_accepted_leads_to_stop_pending"].trace.length == 7


@pytest.mark.parametrize("design, decided", [
    ("shutdown-slow-raised-wait-to-kill", {}),  # correct: nothing to find
    # Decided within the budget on a fast machine, unknown on a slow one; never another length.
    ("controls-ignores-stop-xp", {"no_control_after_stop": 7, "stop_accepted_leads_to_stop_pending": 7,
                                  "stop_reaches_stopped": 7}),  # explicit's shortest lasso is 7 steps too
])
def test_bmc_timeout_is_one_deadline_for_the_whole_run(design, decided):
    m, goals = design_goals(design)
    res, wall = timed(bmc.run, m, goals, depth=60, timeout=2.0)
    assert wall < 2.0 + SLACK, f"timeout=2 took {wall:.2f} s"
    timed_out = [r for r in res if r.verdict == U]
    assert timed_out, "depth 60 cannot be reached in 2 s: some goal must be unknown"
    for r in res:
        if r.verdict == V:
            assert decided.get(r.property) == r.trace.length, r.property
        else:
            assert r.verdict == U and "timeout of 2 s reached at depth" in r.reason, (r.property, r.reason)
    # The same depth for every goal left open, and the depths before it were fully checked.
    reasons = {r.reason.split(";")[0] for r in timed_out}
    assert len(reasons) == 1
    k = int(reasons.pop().rsplit(" ", 1)[1])
    assert all(r.bound == k - 1 for r in timed_out) and k >= 1


def test_bmc_timeout_reached_inside_the_time_lock_candidate_loop(monkeypatch):
    monkeypatch.setattr(bmc, "MAX_REFUTED", 10**6)
    # Without a budget depth 2 refutes 200 candidates (seconds); the deadline stops it part-way.
    (r,), wall = timed(bmc.run, many_candidates(200), [time_lock()], depth=3, timeout=0.5)
    assert wall < 0.5 + SLACK
    assert r.verdict == U and r.reason.startswith("timeout of 0.5 s reached at depth 2")
    assert r.bound == 1 and 1 <= r.extra["refuted_candidates"] < 201


def test_bmc_time_lock_candidates_with_enough_budget(monkeypatch):
    monkeypatch.setattr(bmc, "MAX_REFUTED", 10**6)
    m = many_candidates(15)
    (free,) = bmc.run(m, [time_lock()], depth=3)
    (r,) = bmc.run(many_candidates(15), [time_lock()], depth=3, timeout=600.0)
    assert (r.verdict, r.bound, r.extra["refuted_candidates"]) == (free.verdict, free.bound, 16) == (B, 3, 16)


def test_bmc_timeout_before_the_first_step():
    m = counter(3)
    (r,), wall = timed(bmc.run, m, [Goal("never_top", (), m["x"] != 3)], depth=5, timeout=1e-9)
    assert wall < SLACK
    assert r.verdict == U and r.bound is None and r.reason == "timeout of 1e-09 s reached at depth 0"


def pigeonhole(n: int):
    """n pigeons in n-1 holes: unsat, and hard for a SAT solver."""
    s = z3.SolverFor("QF_FD")
    x = [[z3.Bool(f"p{i}h{j}") for j in range(n - 1)] for i in range(n)]
    for row in x:
        s.add(z3.Or(row))
    for j in range(n - 1):
        for a in range(n):
            for b in range(a + 1, n):
                s.add(z3.Not(z3.And(x[a][j], x[b][j])))
    return s


def test_every_solver_call_gets_the_time_left():
    s = pigeonhole(14)
    d = bmc._Deadline(0.5)
    t = time.monotonic()
    with pytest.raises(bmc._Timeout):
        d.solve(s)
    assert time.monotonic() - t < 0.5 + SLACK
    # Nothing left: the next call does not start.
    with pytest.raises(bmc._Timeout):
        d.solve(s)
    # No budget, an infinite one: no deadline (and no z3 timeout overflow).
    assert bmc._Deadline(None).end is None and bmc._Deadline(math.inf).end is None
    small = z3.SolverFor("QF_FD")
    small.add(z3.Bool("a"))
    assert bmc._Deadline(math.inf).solve(small) == z3.sat
    assert bmc._Deadline(1e12).solve(small) == z3.sat  # far beyond z3's 32-bit milliseconds


# ---------------------------------------------------------------- explicit

@pytest.mark.parametrize("timeout", [None, math.inf, 60.0])
def test_explicit_enough_budget_gives_the_real_verdict(timeout):
    m = grid(30)
    corner = Goal("not_corner", (), (m["x"] + m["y"]) < 60)
    fits = Goal("in_range", (), m["x"] <= 30)
    r = explicit.run(m, [corner, fits], timeout=timeout)
    assert (r[0].verdict, r[0].trace.length) == (V, 60)
    assert (r[1].verdict, r[1].states) == (P, 31 * 31)


def test_explicit_small_budget_gives_unknown_in_time():
    m = grid(2000)  # four million states
    (r,), wall = timed(explicit.run, m, [Goal("in_range", (), m["x"] <= 2000)], timeout=0.3, keep_graph=False)
    assert wall < 0.3 + SLACK
    assert r.verdict == U and "timeout of 0.3 s reached" in r.reason


# ---------------------------------------------------------------- fuzz

FUZZ_DEPTH = 20


@pytest.mark.parametrize("runs", [1, 7, 20])
def test_fuzz_makes_exactly_the_runs_asked_for(runs):
    m = counter(50)  # x == 50 is out of reach in 20 steps: every run is made
    (r,) = fuzz.run(m, [Goal("never_top", (), m["x"] != 50)], depth=FUZZ_DEPTH, runs=runs)
    assert r.verdict == U
    assert r.extra["runs"] == r.extra["complete"] == runs and r.extra["reruns"] == 0
    assert 0 < r.steps <= runs * FUZZ_DEPTH
    assert r.reason.startswith(f"no violation in {runs} random runs ({r.steps:,} steps, up to 20 each)")


def test_fuzz_violation_says_which_run_found_it():
    m = counter(3)
    (r,) = fuzz.run(m, [Goal("never_top", (), m["x"] != 3)], depth=FUZZ_DEPTH, runs=20)
    assert r.verdict == V and r.trace.length == 3
    assert 1 <= r.extra["runs"] <= 20
    assert r.reason.startswith(f"found by random run {r.extra['runs']} of search 1 (at most 20 runs per search)")


def _actions_taken(seed):
    """Every action fuzz applied, in order, over all the runs of one search."""
    m = counter(50)
    m.freeze()  # fuzz freezes it again: a no-op that keeps the wrappers below
    log = []
    for act in m.actions:
        act.apply = (lambda apply, label: lambda s: log.append(label) or apply(s))(act.apply, act.label)
    (r,) = fuzz.run(m, [Goal("never_top", (), m["x"] != 50)], depth=10, runs=10, seed=seed)
    assert r.verdict == U and r.extra["complete"] == 10
    return log


def test_fuzz_seed_gives_reproducible_and_different_runs():
    assert _actions_taken(None) == _actions_taken(None)  # derandomized without a seed
    seeded = {s: _actions_taken(s) for s in range(1, 4)}
    assert _actions_taken(2) == seeded[2]
    runs = [seeded[1], seeded[2], seeded[3], _actions_taken(None)]
    assert all(a != b for i, a in enumerate(runs) for b in runs[i + 1:]), "two seeds made the same runs"


def test_fuzz_seed_is_in_the_reason():
    m = counter(50)
    (r,) = fuzz.run(m, [Goal("never_top", (), m["x"] != 50)], depth=5, runs=3, seed=42)
    assert "seed 42" in r.reason and r.extra["seed"] == 42


def _as_if_started_in(directory, monkeypatch):
    """Make this process look freshly started in ``directory`` to Hypothesis: it fixes its default
    home (``<cwd>/.hypothesis``) at import, resolves it on first use, and writes its cache of a local
    module's constants only the first time it reads them."""
    from hypothesis import configuration

    monkeypatch.chdir(directory)
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.setattr(configuration, "__hypothesis_home_directory_default", directory / ".hypothesis",
                        raising=False)
    monkeypatch.setattr(configuration, "__hypothesis_home_directory", None, raising=False)
    try:
        from hypothesis.internal import constants_ast
        from hypothesis.internal.conjecture import providers

        constants_ast.constants_from_module.cache_clear()
        monkeypatch.setattr(providers, "_seen_modules", set())
        monkeypatch.setattr(providers, "_sys_modules_len", None)
    except (ImportError, AttributeError):  # another Hypothesis: the check still holds, if less sharply
        pass


def test_fuzz_writes_no_hypothesis_folder(tmp_path, monkeypatch):
    from hypothesis import configuration

    _as_if_started_in(tmp_path, monkeypatch)
    m = counter(50)  # enough draws for Hypothesis to consider a constant (and read the modules')
    (r,) = fuzz.run(m, [Goal("never_top", (), m["x"] != 50)], depth=20, runs=20)
    assert r.verdict == U
    assert list(tmp_path.iterdir()) == []
    assert vars(configuration).get("__hypothesis_home_directory") is None  # the setting is restored


def test_fuzz_in_a_fresh_process_writes_no_hypothesis_folder(tmp_path):
    code = (
        "from scmcheck.model.lang.system import System\n"
        "from scmcheck.properties.engines import fuzz\n"
        "from scmcheck.properties.result import Goal\n"
        "m = System('counter')\n"
        "x = m.int('x', 0, 50, 0)\n"
        "m.action('inc', 'p', x < 50, {x: x + 1})\n"
        "m.action('reset', 'p', x > 0, {x: 0})\n"
        "(r,) = fuzz.run(m, [Goal('never_top', (), x != 50)], depth=20, runs=20)\n"
        "assert r.verdict.value == 'unknown', r\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, timeout=300)
    assert list(tmp_path.iterdir()) == []


def test_fuzz_runs_must_be_positive():
    m = counter(3)
    with pytest.raises(ValueError, match="at least one run"):
        fuzz.run(m, [Goal("never_top", (), m["x"] != 3)], runs=0)
