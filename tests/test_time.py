"""Time in milliseconds (model/lang/clock.py): any duration, state counts independent of the resolution.

Two settings of the durations under which every comparison the model makes has the same outcome
(the same clock regions) must give the same reachable state count: we scale every duration by
1.001 (whole milliseconds stay whole), or move durations no guard compares with each other.  A
setting that changes a comparison (a report interval that now divides a deadline, a hint shorter
than the report interval) changes the count, which shows the pins can fail.
"""

from __future__ import annotations

import pytest

from scmcheck.model.families import registry
from scmcheck.model.lang.clock import ms
from scmcheck.model.lang.errors import InputError
from scmcheck.model.lang.expr import lift
from scmcheck.properties.engines import explicit
from scmcheck.properties.result import Goal
from scmcheck.traces.replay import replay


def states(design: str, **params: object) -> int:
    m = registry()[design].build(params)
    (r,) = explicit.run(m, [Goal("all", (), invariant=lift(True))], symmetry=False)
    return r.states


SCALED = {"stop_work_s": 20.02, "wait_hint_s": 20.02, "report_every_s": 10.01, "worker_exit_s": 30.03}

# (design, setting a, setting b, the count both give)
SAME_REGIONS = [
    ("service-correct", {}, SCALED, 94),
    ("service-correct", {"wait_hint_s": 3, "stop_work_s": 17, "report_every_s": 2, "worker_exit_s": 30},
     {"wait_hint_s": 3.003, "stop_work_s": 17.017, "report_every_s": 2.002, "worker_exit_s": 30.03}, 330),
    ("service-no-stop-progress", {"stop_work_s": 20, "wait_hint_s": 20}, {"stop_work_s": 20.02, "wait_hint_s": 20.02},
     None),
    ("controls-correct", {}, {"start_work_s": 20.02, "stop_work_s": 20.02, "wait_hint_s": 20.02,
                              "report_every_s": 10.01}, None),
    ("shutdown-correct", {}, {"cleanup_s": 10.01, "wait_hint_s": 20.02, "report_every_s": 10.01,
                              "wait_to_kill_ms": 20020}, None),
    # a 1 ms longer worker deadline: nothing else happens at 25 s (at 30 s the third progress report
    # would coincide with it, and 30 vs 30.001 are different regions)
    ("service-correct", {"worker_exit_s": 25}, {"worker_exit_s": 25.001}, 90),
]


@pytest.mark.parametrize("design,a,b,count", SAME_REGIONS)
def test_same_regions_same_state_count(design, a, b, count):
    na, nb = states(design, **a), states(design, **b)
    assert na == nb
    if count is not None:
        assert na == count


def test_different_regions_are_told_apart():
    """Unscaled worker deadline beside scaled report times: 15 reports of 2 s meet the 30 s deadline
    exactly in one setting, not in the other, so the counts differ."""
    a = states("service-correct", wait_hint_s=3, stop_work_s=17, report_every_s=2, worker_exit_s=30)
    b = states("service-correct", wait_hint_s=3.003, stop_work_s=17.017, report_every_s=2.002, worker_exit_s=30)
    assert a != b


def test_state_count_does_not_grow_with_the_magnitude():
    """A 2.5 s hint and a 25 s hint with the other durations in the same order: same count."""
    small = states("service-correct", wait_hint_s=2.5, stop_work_s=2, report_every_s=1, worker_exit_s=3)
    large = states("service-correct", wait_hint_s=25, stop_work_s=20, report_every_s=10, worker_exit_s=30)
    assert small == large


@pytest.mark.parametrize("text,value", [(3, 3000), (2.5, 2500), ("17.25", 17250), (0, 0), (0.001, 1)])
def test_ms_accepts_seconds_with_millisecond_precision(text, value):
    assert ms(text, "d") == value


@pytest.mark.parametrize("bad", [-1, 0.0005, "x", float("nan"), float("inf"), True, None])
def test_ms_refuses_with_one_line(bad):
    with pytest.raises(InputError) as e:
        ms(bad, "wait_hint_s")
    assert "wait_hint_s" in str(e.value) and "\n" not in str(e.value)


def test_knob_takes_fractional_seconds_and_refuses_finer():
    d = registry()["service-correct"]
    assert d.parameters({"wait_hint_s": "2.5", "report_every_s": "1.5"})["wait_hint_s"] == 2.5
    assert d.parameters({"stop_work_s": "17.25"})["stop_work_s"] == 17.25
    with pytest.raises(InputError, match="millisecond"):
        d.parameters({"wait_hint_s": "2.0005"})


def test_a_step_at_any_time_happens_inside_an_interval():
    """A worker that exits Within(2 s) while the SCM's progress timer runs can exit strictly between
    two deadlines: at the first and at the last millisecond after one (time_point EARLY and LATE)."""
    from scmcheck.model.lang.clock import TimePoint
    from scmcheck.properties.engines.explicit import reachable_states
    from scmcheck.targets import load

    m = load("examples/service/workers_counter_join.py:fixed").system
    m.freeze()
    tp = [v.name for v in m.variables].index("time_point")
    inside = {s[tp] for s in reachable_states(m).nodes}
    assert inside == {TimePoint.DEADLINE, TimePoint.EARLY, TimePoint.LATE}
    # and nothing of the kind where no step could use it
    m2 = registry()["controls-correct"].build()
    tp2 = [v.name for v in m2.variables].index("time_point")
    assert {s[tp2] for s in reachable_states(m2).nodes} == {TimePoint.DEADLINE}


def test_trace_times_are_the_jumps(tmp_path):
    """A counterexample's timestamps are the clock's jumps: 3.001 s (the 3 s hint passed), then 30.001 s."""
    from scmcheck.targets import load

    loaded = load("examples/service/inline_stop_short_hint.py:buggy")
    from scmcheck.properties.catalog import get

    m = loaded.system
    (r,) = explicit.run(m, [get("handler_returns_within_30s").goal(m)])
    times = [round(s.time, 3) for s in r.trace.steps]
    assert times[-2:] == [3.001, 30.001]
    assert replay(m, r.trace) == r.trace.final
