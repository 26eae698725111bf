"""Lasso traces (liveness counterexamples) and time-lock traces: replay both ways,
ITF's ``loop`` field, and the loop in every renderer.

The models are tiny and written here, so each expected verdict follows from
model/lang/temporal.py by hand (comments say why).
"""

from __future__ import annotations

import importlib
import json
import xml.etree.ElementTree as ET
from typing import Any, Optional

import pytest

from scmcheck.model.lang.clock import ANY_TIME, AT_ONCE, Clock
from scmcheck.model.lang.errors import InputError
from scmcheck.model.lang.expr import not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo, TimeLock
from scmcheck.traces import itf
from scmcheck.traces.graph import trace_to_graph
from scmcheck.traces.render import render
from scmcheck.traces.replay import TraceMismatch, replay
from scmcheck.traces.trace import Trace, loop_note, trace_from_actions

SVG_NS = "{http://www.w3.org/2000/svg}"
replay_module = importlib.import_module("scmcheck.traces.replay")  # the package exports the function by that name


# ---------------------------------------------------------------- models


def server() -> System:
    """Untimed: the environment requests; a fair server spins, finishes or crashes.

    ``env``: request (once), ping (toggles ``noise`` at will).  ``server``
    (fair): spin (toggles ``phase``), finish (sets ``done``), crash (sets
    ``stuck``; afterwards the server can do nothing) -- all only while a
    request is open and the server is neither done nor stuck.
    """
    m = System("lasso_server")
    req, done, phase, stuck, noise = (m.bool(n) for n in ("req", "done", "phase", "stuck", "noise"))
    m.action("request", "env", not_(req), {req: True})
    m.action("ping", "env", True, {noise: not_(noise)})
    working = [req, not_(done), not_(stuck)]
    m.action("spin", "server", working, {phase: not_(phase)})
    m.action("finish", "server", working, {done: True})
    m.action("crash", "server", working, {stuck: True})
    m.environment_process("env")
    return m.freeze()


def served(m: System, hold: Any = True) -> LeadsTo:
    """``req ~> done`` (while ``hold``)."""
    return LeadsTo(m["req"], m["done"], hold) if hold is not True else LeadsTo(m["req"], m["done"])


def poller() -> System:
    """Timed (unit 1 s): the environment starts polling; a fair poller toggles ``x`` at any time.

    While polling, the countdown ``t`` runs 2 -> 0 and the poller reloads it at once when it
    reaches 0 (``reload``), so time keeps passing: the tick jumps 2 -> 0, or ``tick_early`` stops
    at 1 first (the first second after the deadline 2; toggle may happen there).  A state where
    polling is on is not quiescent (the timer has a deadline ahead, or reload is urgent).
    ``jam`` (environment) makes a step urgent that nobody can take: a time-lock.
    """
    m = System("lasso_poller", time_unit=1.0)
    polling, x, done, jammed = (m.bool(n) for n in ("polling", "x", "done", "jammed"))
    t = m.int("t", 0, 2, 2, unit=1.0)
    clock = Clock(m, 1.0)
    m.action("start", "env", not_(polling), {polling: True})
    m.action("jam", "env", [polling, not_(jammed)], {jammed: True})
    clock.timing("toggle", polling, ANY_TIME)
    m.action("toggle", "poller", [polling, not_(done)], {x: not_(x)})
    m.action("finish", "poller", [polling, not_(done)], {done: True})
    reload = m.action("reload", "poller", [polling, t == 0], {t: 2})
    clock.timing("reload", reload.guard, AT_ONCE)
    clock.countdown(t, polling)
    clock.urgent(jammed)
    clock.tick()
    m.environment_process("env")
    return m.freeze()


def lasso(m: System, names: list[str], loop: Optional[int], prop: str = "p") -> Trace:
    """A trace of the actions named (each name unique in these models), with ``loop``."""
    acts = {a.name: a for a in m.actions}
    return trace_from_actions(m, [acts[n] for n in names], loop=loop, property=prop, engine="hand")


# ---------------------------------------------------------------- replay: valid lassos


def test_valid_lasso_replays():
    m = server()
    # s1 = requested; spin twice returns to s1; the server moves in the loop (fair), done never holds
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    assert t.states[1] == t.final
    assert replay(m, t, violates=served(m)) == t.final


def test_valid_lasso_from_the_initial_state():
    m = server()
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    # the trigger may hold after the loop start: the goal must then be false throughout the loop
    assert replay(m, t, violates=LeadsTo(m["phase"], m["done"])) == t.final


def test_valid_stutter_replays():
    m = server()
    # after a crash the server can do nothing; the environment is not forced to act; untimed
    t = lasso(m, ["request", "crash"], loop=2)
    assert replay(m, t, violates=served(m)) == t.final


def test_valid_lasso_with_hold():
    m = server()
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    replay(m, t, violates=served(m, hold=not_(m["noise"])))


def test_valid_timed_lasso_has_a_time_step():
    m = poller()
    # the tick takes t 2 -> 0 and reload puts it back: the state after start again
    t = lasso(m, ["start", "toggle", "toggle", "tick", "reload"], loop=1)
    assert replay(m, t, violates=LeadsTo(m["polling"], m["done"])) == t.final


def test_plain_replay_checks_the_loop_closes():
    m = server()
    assert replay(m, lasso(m, ["request", "spin", "spin"], loop=1)) == (True, False, False, False, False)
    with pytest.raises(TraceMismatch, match="loop does not close"):
        replay(m, lasso(m, ["request", "spin"], loop=1))


# ---------------------------------------------------------------- replay: refused lassos


def test_loop_that_does_not_close():
    m = server()
    t = lasso(m, ["request", "spin"], loop=1)  # phase differs between step 1 and step 2
    with pytest.raises(TraceMismatch, match=r"loop does not close.*phase: loop start False, end True"):
        replay(m, t, violates=served(m))


@pytest.mark.parametrize("loop", [-1, 4, "1", True])
def test_loop_index_out_of_range(loop):
    m = server()
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    t.loop = loop
    with pytest.raises(TraceMismatch, match="not a state index"):
        replay(m, t, violates=served(m))


def test_unfair_loop():
    m = server()
    # only the environment pings; the server could spin or finish throughout and never moves
    t = lasso(m, ["request", "ping", "ping"], loop=1)
    with pytest.raises(TraceMismatch, match="not a fair run: server is enabled throughout the loop but never moves"):
        replay(m, t, violates=served(m))


def test_zeno_loop():
    m = poller()
    # the poller toggles forever and no time passes; polling is on, so no state is quiescent
    t = lasso(m, ["start", "toggle", "toggle"], loop=1)
    with pytest.raises(TraceMismatch, match="not a fair run: no time passes in the loop"):
        replay(m, t, violates=LeadsTo(m["polling"], m["done"]))


def test_goal_holds_in_the_loop():
    m = server()
    t = lasso(m, ["request", "finish", "ping", "ping"], loop=2)
    with pytest.raises(TraceMismatch, match="goal of p holds in the state after step 4, inside the loop"):
        replay(m, t, violates=served(m))


def test_goal_after_the_last_trigger():
    m = server()
    # the trigger (no request) holds only initially; the goal (requested, phase off) holds after
    # step 1, before the loop (a fair stutter after the crash), so that trigger was answered
    t = lasso(m, ["request", "spin", "crash"], loop=3)
    with pytest.raises(TraceMismatch, match=r"goal of p holds in the state after step 1, after the last state "
                                            r"where the trigger holds \(the initial state\)"):
        replay(m, t, violates=LeadsTo(not_(m["req"]), m["req"] & not_(m["phase"])))


def test_trigger_never_holds():
    m = server()
    t = lasso(m, [], loop=0)  # a fair stutter in the initial state; the request never comes
    replay(m, t, violates=LeadsTo(not_(m["req"]), m["done"]))  # a genuine counterexample
    with pytest.raises(TraceMismatch, match="trigger of p holds in no state"):
        replay(m, t, violates=served(m))


def test_stutter_while_a_fair_thread_can_move():
    m = server()
    t = lasso(m, ["request"], loop=1)  # stops with the server able to spin, finish or crash
    with pytest.raises(TraceMismatch, match="not a fair run: the run stops while server can still move"):
        replay(m, t, violates=served(m))


def test_timed_stutter_where_time_cannot_pass():
    m = poller()
    # polling, the poller done: no fair thread can move (reload waits for t == 0), but t runs: not quiescent
    t = lasso(m, ["start", "finish"], loop=2)
    with pytest.raises(TraceMismatch, match="time cannot pass"):
        replay(m, t, violates=LeadsTo(m["polling"], not_(m["polling"])))


def test_hold_false_in_the_loop():
    m = server()
    t = lasso(m, ["request", "ping", "spin", "spin"], loop=2)  # noise is true throughout the loop
    replay(m, t, violates=served(m))
    with pytest.raises(TraceMismatch, match=r"assumption !noise throughout, but it is false in the state after step 2"):
        replay(m, t, violates=served(m, hold=not_(m["noise"])))


def test_leads_to_needs_a_loop():
    m = server()
    with pytest.raises(TraceMismatch, match="must be a lasso"):
        replay(m, lasso(m, ["request", "spin"], loop=None), violates=served(m))


def test_invariant_unchanged_and_refuses_a_loop():
    m = server()
    inv = not_(m["done"])
    t = lasso(m, ["request", "finish"], loop=None)
    assert replay(m, t, violates=inv) == t.final
    with pytest.raises(TraceMismatch, match="already violated before step 3"):
        replay(m, lasso(m, ["request", "finish", "ping"], loop=None), violates=inv)
    with pytest.raises(TraceMismatch, match="does not violate"):
        replay(m, lasso(m, ["request"], loop=None), violates=inv)
    with pytest.raises(TraceMismatch, match="is an invariant: its counterexample is a finite trace"):
        replay(m, lasso(m, ["request", "finish", "ping", "ping"], loop=2), violates=inv)


def test_step_errors_still_come_first():
    m = server()
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    t.steps[1] = t.steps[1].__class__("finish", "server", {}, t.steps[1].state)
    with pytest.raises(TraceMismatch, match="step 2: finish leads elsewhere"):
        replay(m, t, violates=served(m))


# ---------------------------------------------------------------- time-locks


def test_time_lock_replays_both_ways(monkeypatch):
    m = poller()
    jammed = lasso(m, ["start", "jam"], loop=None, prop="time_can_advance")
    assert replay(m, jammed, violates=TimeLock()) == jammed.final
    with pytest.raises(TraceMismatch, match="time can still pass from the last state"):
        replay(m, lasso(m, ["start"], loop=None), violates=TimeLock())
    with pytest.raises(TraceMismatch, match="time can still pass from the last state"):
        replay(m, lasso(m, [], loop=None), violates=TimeLock())  # quiescent
    with pytest.raises(TraceMismatch, match="finite trace"):
        replay(m, lasso(m, ["start", "jam", "toggle", "toggle"], loop=2), violates=TimeLock())
    monkeypatch.setattr(replay_module, "lets_time_pass", lambda system, state: None)
    with pytest.raises(TraceMismatch, match="could not confirm the time-lock within the budget"):
        replay(m, jammed, violates=TimeLock())


def test_replay_refuses_other_property_kinds():
    m = server()
    with pytest.raises(TypeError):
        replay(m, lasso(m, [], loop=None), violates="done")  # type: ignore[arg-type]


# ---------------------------------------------------------------- ITF


def test_itf_round_trip_with_loop(tmp_path):
    m = server()
    t = lasso(m, ["request", "spin", "spin"], loop=1)
    data = itf.to_itf(t)
    assert data["loop"] == 1
    back = itf.load(itf.save(t, tmp_path / "lasso.itf.json"))
    assert back == t and back.loop == 1
    replay(m, back, violates=served(m))
    stutter = lasso(m, ["request", "crash"], loop=2)
    assert itf.from_itf(json.loads(itf.dumps(stutter))).loop == 2


def test_itf_finite_trace_has_no_loop_field():
    m = server()
    t = lasso(m, ["request"], loop=None)
    data = itf.to_itf(t)
    assert "loop" not in data
    assert itf.from_itf(data).loop is None
    data["loop"] = None  # null: a finite trace too
    assert itf.from_itf(data).loop is None


@pytest.mark.parametrize("bad", ["1", 1.0, True, -1, 4, 0, 2])
def test_itf_malformed_loop_refused(bad, tmp_path):
    m = server()
    data = itf.to_itf(lasso(m, ["request", "spin", "spin"], loop=1))
    data["loop"] = bad  # 0 and 2: in range, but those states differ from the last
    path = tmp_path / "bad.itf.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.itf\.json: field loop") as info:
        itf.load(path)
    assert not isinstance(info.value, TraceMismatch)


# ---------------------------------------------------------------- rendering


@pytest.fixture()
def loop_trace() -> Trace:
    m = server()
    return lasso(m, ["request", "ping", "spin", "spin"], loop=2, prop="served_eventually")


@pytest.fixture()
def stutter_trace() -> Trace:
    m = server()
    return lasso(m, ["request", "crash"], loop=2, prop="served_eventually")


def test_loop_note():
    m = server()
    assert loop_note(lasso(m, ["request", "spin", "spin"], loop=1)) == \
        "↺ loops back to step 1 (state after step 1) forever"
    assert loop_note(lasso(m, [], loop=0)) == "↺ stays in this state forever (stutters)"
    assert loop_note(lasso(m, ["ping", "ping"], loop=0)) == "↺ loops back to step 0 (the initial state) forever"
    assert loop_note(lasso(m, ["ping"], loop=None)) is None


def test_text(loop_trace, stutter_trace):
    text = render(loop_trace, "text")
    lines = text.splitlines()
    assert "a lasso: steps 3-4 repeat forever" in lines[0]
    start = next(i for i, ln in enumerate(lines) if "loop starts here" in ln)
    assert lines[start].startswith("┌─ loop starts here: from the state after step 2")
    assert lines[start + 1].split()[1] == "3"
    assert lines[start - 1].split()[0] == "2"
    assert [ln[0] for ln in lines[start + 1:start + 3]] == ["│", "│"]
    assert lines[start + 3] == "└─ ↺ loops back to step 2 (state after step 2) forever"
    assert lines[-1].startswith("  ✗ served_eventually is violated by this infinite run")
    stut = render(stutter_trace, "text")
    assert "  ↺ stays in this state forever (stutters)" in stut.splitlines()
    assert "loop starts here" not in stut


def _loop_marks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "loop-mark"]


def test_svg(loop_trace, stutter_trace):
    root = ET.fromstring(render(loop_trace, "svg"))
    [mark] = _loop_marks(root)
    assert (mark.get("data-loop"), mark.get("data-length")) == ("2", "4")
    [edge] = [p for p in mark.iter(f"{SVG_NS}path") if p.get("class") == "loop-edge"]
    assert (edge.get("data-from"), edge.get("data-to")) == ("4", "2")
    texts = ["".join(e.itertext()) for e in mark.iter(f"{SVG_NS}text")]
    assert "loop" in texts
    assert "↺ loops back to step 2 (state after step 2) forever" in texts
    assert any(t.startswith("loop starts: from the state after step 2") for t in texts)
    # the bracket runs from the bottom of the last step's box up to above step 3's box
    steps = {int(g.get("data-step")): g for g in root.iter(f"{SVG_NS}g") if "step" in g.get("class", "").split()}
    ys = [float(v) for v in edge.get("d").replace("M", " ").replace("H", " ").replace("V", " ").replace(",", " ").split()]
    top, bottom = ys[3], ys[1]
    box3, box4 = (steps[k].find(f"{SVG_NS}rect") for k in (3, 4))
    assert top < float(box3.get("y")) and bottom >= float(box4.get("y")) + float(box4.get("height"))
    assert [k for k, g in steps.items() if "in-loop" in g.get("class")] == [3, 4]
    assert not [g for g in steps.values() if "violated" in g.get("class")]  # no single bad step
    all_texts = ["".join(e.itertext()) for e in root.iter(f"{SVG_NS}text")]
    assert any("violated by this infinite run" in t for t in all_texts)
    sroot = ET.fromstring(render(stutter_trace, "svg"))
    [smark] = _loop_marks(sroot)
    stexts = ["".join(e.itertext()) for e in smark.iter(f"{SVG_NS}text")]
    assert "loop" in stexts and "↺ stays in this state forever (stutters)" in stexts


def test_mermaid(loop_trace, stutter_trace):
    lines = render(loop_trace, "mermaid").splitlines()
    begin = lines.index("    loop steps 3-4 repeat forever")
    end = lines.index("    end")
    inside = lines[begin + 1:end]
    assert [ln.split(": ", 1)[1].split()[0] for ln in inside] == ["3", "4"]
    assert all(ln.startswith("        ") for ln in inside)
    assert "↺ loops back to step 2 (state after step 2) forever" in lines[end + 1]
    assert "VIOLATED served_eventually by this infinite run" in lines[-1]
    stut = render(stutter_trace, "mermaid")
    assert "\n    end\n" not in stut and "stays in this state forever (stutters)" in stut


def test_graph_and_dot(loop_trace, stutter_trace):
    g = trace_to_graph(loop_trace)
    assert g.edges[4, 2] == {"kind": "loop"} and g.graph["loop"] == 2
    assert [n for n, d in g.nodes(data=True) if d["in_loop"]] == [2, 3, 4]
    assert not [n for n, d in g.nodes(data=True) if d["violated"]]
    dot = render(loop_trace, "dot")
    assert 's4 -> s2 [color="#7c3aed"' in dot and 'label="loop: back to 2"' in dot
    assert dot.count("{") == dot.count("}")
    gs = trace_to_graph(stutter_trace)
    assert gs.edges[2, 2] == {"kind": "loop"}
    assert 's2 -> s2 [' in render(stutter_trace, "dot") and "stutters forever" in render(stutter_trace, "dot")


def test_html(loop_trace):
    page = render(loop_trace, "html")
    assert "↺ loops back to step 2 (state after step 2) forever" in page
    assert 'class="loop-mark"' in page  # the embedded SVG draws it
    table = page.split("<h2>Steps</h2>")[1].split("</table>")[0]
    assert table.count('class="loop loop-start"') == 1 and table.count('class="loop"') == 1
    assert 'class="violated"' not in table
    ET.fromstring(page.split('<div class="diagram">')[1].split("</div>")[0])


@pytest.mark.parametrize("fmt", ["text", "svg", "mermaid", "dot", "html"])
def test_same_from_itf(fmt, loop_trace):
    back = itf.from_itf(json.loads(itf.dumps(loop_trace)))
    assert render(back, fmt) == render(loop_trace, fmt)


def test_svg_loop_across_merged_ticks():
    m = poller()
    # the clock's steps 2 (tick_early: t=1) and 3 (tick: t=0) would merge into one row; the loop
    # starts between them (step 5, tick_early after reload, closes it)
    t = lasso(m, ["start", "tick_early", "tick", "reload", "tick_early"], loop=2, prop="q")
    replay(m, t, violates=LeadsTo(m["polling"], m["done"]))
    root = ET.fromstring(render(t, "svg"))
    ticks = [e.get("data-steps") for e in root.iter(f"{SVG_NS}line") if e.get("class") == "tick-rule"]
    assert ticks == ["2-2", "3-3", "5-5"]
    [mark] = _loop_marks(root)
    assert mark.get("data-loop") == "2"
