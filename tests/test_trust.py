"""Verdicts users can trust: the failing inputs of the issue, each with the right answer.

Time-locks, a step's timing, applicability, vacuity, the SCM's ControlService
rules, and the hand-off pattern of Go's x/sys/svc and .NET's ServiceBase.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import all_of
from scmcheck.model.service_api import ANY_TIME, AT_ONCE, Control, ServiceModel, SvcState, ms, user_design
from scmcheck.properties import catalog
from scmcheck.properties.check import check
from scmcheck.properties.engines.common import violation_of
from scmcheck.traces import replay
from scmcheck.traces.trace import trace_from_actions

ROOT = Path(__file__).resolve().parent.parent


# BMC's depth where it runs here: past the time-locks these designs reach (5 and 7 steps).  (The CLI's
# default of 30 takes minutes over millisecond timers, for the same verdicts.)
BMC_DEPTH = 10


def _verdicts(design, engines=("explicit",), props=None):  # noqa: ANN001, ANN202
    system = design.build({})
    chosen = catalog.applicable(system) if props is None else [catalog.get(p) for p in props]
    results = check(system, [p.goal(system) for p in chosen], engines, options={"bmc": {"depth": BMC_DEPTH}})
    return {(r.property, r.engine): r for r in results}


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scmcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


# ---------------------------------------------------------------- 1. a time-lock is not PROVED

def _timelock(fixed: bool):  # noqa: ANN202
    def build(p):  # noqa: ANN001, ANN202
        svc = ServiceModel("timelock", "", p, accepts=("stop",), initial=SvcState.RUNNING, max_checkpoint=2)
        st = svc.state
        svc.handle(Control.STOP, "handler_stop",
                   update=svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=20, accepts=()))
        svc.handle(Control.INTERROGATE, "handler_interrogate", update=svc.answer_interrogate())
        # (time passes in STOP_PENDING by itself: the SCM's since_progress runs, nothing urgent waits)
        guard = [st == SvcState.STOP_PENDING, svc.status.since_progress >= ms(10, "report interval")]
        if fixed:  # no report once the checkpoint can no longer rise: time can pass
            guard.append(svc.status.checkpoint < 2)
        svc.step("main_progress", "service_main", guard=guard, update=svc.progress(20), timing=AT_ONCE)
        return svc.finish()

    return user_design("timelock", "STOP_PENDING forever", build)


def test_time_lock_is_found_and_no_property_keeps_a_proof():
    res = _verdicts(_timelock(fixed=False), engines=("explicit", "bmc"))
    lock = res[("time_can_advance", "explicit")]
    assert lock.verdict.value == "violated" and lock.trace.length == 5
    assert res[("time_can_advance", "bmc")].verdict.value in ("violated", "unknown")
    for (pid, _engine), r in res.items():
        if pid != "time_can_advance":
            assert r.verdict.value not in ("proved", "bounded", "vacuous"), (pid, r.verdict, r.reason)


def test_once_time_can_pass_the_stuck_service_violates_stop_reaches_stopped():
    res = _verdicts(_timelock(fixed=True))
    assert res[("time_can_advance", "explicit")].verdict.value == "proved"
    r = res[("stop_reaches_stopped", "explicit")]
    assert r.verdict.value == "violated" and r.trace.loop is not None
    assert res[("pending_progress_within_wait_hint", "explicit")].verdict.value == "violated"


# ---------------------------------------------------------------- 2. a step's timing is explicit

def _onstop_throws(timing):  # noqa: ANN001, ANN202
    """ServiceMain's OnStop may throw during a 20 s STOP_PENDING; the service then never reports again."""
    def build(p):  # noqa: ANN001, ANN202
        svc = ServiceModel("onstop-throws", "", p, accepts=("stop",), initial=SvcState.RUNNING)
        m, st = svc.m, svc.state
        work = m.int("work_left", 0, ms(20, "stop work"), 0, "stop work left (ms)")
        thrown = m.bool("thrown", False, "OnStop threw; the stop thread is gone")
        svc.handle(Control.STOP, "handler_stop",
                   update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=10, accepts=()),
                           work: ms(20, "stop work")})
        svc.handle(Control.INTERROGATE, "handler_interrogate", update=svc.answer_interrogate())
        svc.countdown(work, all_of(st == SvcState.STOP_PENDING, ~thrown))
        svc.step("main_onstop_throws", "service_main", guard=[st == SvcState.STOP_PENDING, ~thrown],
                 update={thrown: True}, timing=timing)
        svc.step("main_report_progress", "service_main",
                 guard=[st == SvcState.STOP_PENDING, ~thrown, work > 0,
                        svc.status.since_progress >= ms(10, "report interval")],
                 update=svc.progress(10), timing=AT_ONCE)
        svc.step("main_report_stopped", "service_main", guard=[st == SvcState.STOP_PENDING, ~thrown, work == 0],
                 update=svc.set_state(SvcState.STOPPED), timing=AT_ONCE)
        return svc.finish()

    return user_design("onstop-throws", "OnStop may throw", build)


def test_a_step_at_any_time_is_explored_after_time_passed():
    design = _onstop_throws(ANY_TIME)
    res = _verdicts(design, props=["pending_progress_within_wait_hint", "time_can_advance"])
    r = res[("pending_progress_within_wait_hint", "explicit")]
    assert r.verdict.value == "violated"
    # Two shortest counterexamples of 6 steps: OnStop throws at once, or after the first 10 s of
    # STOP_PENDING (the run an urgent step would lose); the search may show either.  The later throw
    # is a counterexample of the same length (and test_the_same_step_declared_at_once_loses_the_later_runs
    # checks that the search reaches it).
    assert r.trace.length == 6
    system = design.build({})
    acts = {a.name: a for a in system.actions}
    later = ["scm_send_stop", "handler_stop", "tick", "main_onstop_throws", "tick", "scm_declare_hang"]
    t = trace_from_actions(system, [acts[n] for n in later], property=r.property, engine="hand")
    assert [s.time for s in t.steps] == [0, 0, 10, 10, 10.001, 10.001]  # the hang: 1 ms past the 10 s hint
    replay(system, t, violates=violation_of(catalog.get(r.property).goal(system)))


def _throws_after_10s_reachable(timing) -> bool:  # noqa: ANN001
    from scmcheck.properties.engines.explicit import reachable_states

    system = _onstop_throws(timing).build({})
    idx = {v.name: v.index for v in system.variables}
    return any(s[idx["thrown"]] and s[idx["work_left"]] == ms(10, "work left") for s in reachable_states(system).nodes)


def test_the_same_step_declared_at_once_loses_the_later_runs():
    # What the old silent default did: an urgent step happens before any time passes, so OnStop can
    # only throw at the very start of STOP_PENDING; the runs where it throws after 10 s of stop work
    # are never explored.  This is why a step's timing has no default.
    assert _throws_after_10s_reachable(ANY_TIME)
    assert not _throws_after_10s_reachable(AT_ONCE)


def test_a_step_without_timing_is_refused():
    svc = ServiceModel("no-timing", "", {}, accepts=("stop",), initial=SvcState.RUNNING)
    with pytest.raises(ModelError, match="say when it happens"):
        svc.step("main_x", "service_main", guard=svc.state == SvcState.RUNNING, update={})
    with pytest.raises(ModelError, match="'urgent' is gone"):
        svc.step("main_x", "service_main", guard=svc.state == SvcState.RUNNING, update={}, urgent=True)


# ---------------------------------------------------------------- 3./4. applicability

def test_a_property_that_does_not_apply_is_exit_2_naming_what_it_needs():
    out = _cli("check", "com-locks-not-counted", "--property", "no_data_loss_at_shutdown")
    assert out.returncode == 2, out
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in out.stderr
    assert "property no_data_loss_at_shutdown does not apply to model com_server: it needs" in line
    assert "data_lost[i]" in line


def test_a_system_with_nothing_the_catalog_reads_is_exit_2(tmp_path):
    (tmp_path / "two.py").write_text(
        "from scmcheck.model import System, not_\n"
        "m = System('two_threads')\n"
        "a, b = m.bool('a_in'), m.bool('b_in')\n"
        "m.action('thread_a_enter', 'thread_a', guard=not_(a), update={a: True})\n"
        "m.action('thread_b_enter', 'thread_b', guard=not_(b), update={b: True})\n")
    out = _cli("check", str(tmp_path / "two.py") + ":m")
    assert out.returncode == 2 and "no catalog property applies" in out.stderr, out


def test_shutdown_entries_apply_only_where_their_subject_exists():
    from scmcheck.model.designs import built_in

    plain = built_in("shutdown-correct").build({})
    ids = {p.id for p in catalog.applicable(plain)}
    assert "no_data_loss_at_shutdown" in ids and "shutdown_completes" in ids
    assert "preshutdown_service_stops_before_timeout" not in ids  # no service accepts PRESHUTDOWN
    assert "no_service_outlives_its_dependency" not in ids  # no dependencies
    assert "shutdown_does_not_claim_running_services_stopped" not in ids  # the machine powers off
    com = built_in("com-locks-not-counted").build({})
    assert not any(p.id.startswith(("shutdown", "no_data")) for p in catalog.applicable(com))


# ---------------------------------------------------------------- 5. ControlService's table

def test_a_service_that_stops_itself_gets_no_control_afterwards():
    from scmcheck.model.designs import built_in

    res = _verdicts(built_in("controls-self-stop-races-control"))
    assert res[("only_accepted_controls_delivered", "explicit")].verdict.value == "proved"
    assert res[("no_status_after_stopped", "explicit")].verdict.value == "proved"


def test_the_scm_follows_control_service_in_every_state():
    from scmcheck.model.designs import built_in
    from scmcheck.properties.engines.explicit import reachable_states

    system = built_in("controls-correct").build({})
    graph = reachable_states(system)
    idx = {v.name: v.index for v in system.variables}
    for s, t, data in graph.edges(data=True):
        for a in data["actions"]:
            act = system.actions[a]
            if not act.name.startswith("scm_send_"):
                continue
            rep = SvcState(s[idx["reported"]])
            assert rep not in (SvcState.STOPPED, SvcState.STOP_PENDING), act.label
            if rep == SvcState.START_PENDING:
                assert act.name == "scm_send_stop" and s[idx["accepts_stop"]], act.label


# ---------------------------------------------------------------- the hand-off pattern is correct

@pytest.mark.parametrize("target", ["design", "design_fixed"])
def test_the_queue_hand_off_of_go_and_dotnet_is_correct(target):
    out = _cli("check", f"examples/service/queue_handler.py:{target}", "--engine", "explicit", "--json",
               "--out", "/tmp/scmcheck-trust")
    data = json.loads(out.stdout)
    assert out.returncode == 0, out.stdout
    assert all(r["verdict"] == "proved" for r in data["results"])
    assert all(r["witness"]["reached"] or r["property"] == "time_can_advance" for r in data["results"])


# ---------------------------------------------------------------- vacuity

def test_a_property_whose_subject_never_happens_is_vacuous_not_proved():
    def build(p):  # noqa: ANN001, ANN202
        svc = ServiceModel("never-stops", "", p, accepts=(), initial=SvcState.RUNNING)
        svc.handle(Control.INTERROGATE, "handler_interrogate", update=svc.answer_interrogate())
        return svc.finish()

    res = _verdicts(user_design("never-stops", "accepts no STOP", build),
                    props=["no_status_after_stopped", "interrogate_always_answered"])
    r = res[("no_status_after_stopped", "explicit")]
    assert r.verdict.value == "vacuous" and "witness is unreachable" in r.reason
    ok = res[("interrogate_always_answered", "explicit")]
    assert ok.verdict.value == "proved" and ok.witness_steps == 1 and ok.witness_note == "witness reached in 1 step"


# ---------------------------------------------------------------- a way out that may never happen

def _worker_may_never_exit():
    """A correct-looking stop whose worker may never exit (ANY_TIME), with a progress report that keeps
    firing in zero time once the checkpoint saturates (a new user's design).  The only way for time to
    pass again is the worker's exit, which may never happen: that is a time-lock, not a proof that the
    service stops (time progress must not force an ANY_TIME step)."""
    def build(p):  # noqa: ANN001, ANN202
        svc = ServiceModel("may-never-exit", "", p, accepts=("stop",), initial=SvcState.RUNNING, max_checkpoint=3)
        m, st = svc.m, svc.state
        alive = m.bool("worker_alive", True, "the worker thread runs")
        svc.handle(Control.STOP, "handler_stop",
                   update=svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=20, accepts=()))
        svc.handle(Control.INTERROGATE, "handler_interrogate", update=svc.answer_interrogate())
        svc.step("worker_exit", "worker", guard=[st == SvcState.STOP_PENDING, alive], update={alive: False},
                 timing=ANY_TIME)
        svc.step("main_report_progress", "service_main",
                 guard=[st == SvcState.STOP_PENDING, alive, svc.status.since_progress >= ms(10, "report interval")],
                 update=svc.progress(20), timing=AT_ONCE)
        svc.step("main_report_stopped", "service_main", guard=[st == SvcState.STOP_PENDING, ~alive],
                 update=svc.set_state(SvcState.STOPPED), timing=AT_ONCE)
        return svc.finish()

    return user_design("may-never-exit", "worker may never exit", build)


def test_a_way_out_only_through_an_any_time_step_is_a_time_lock_not_a_proof():
    res = _verdicts(_worker_may_never_exit(), engines=("explicit", "bmc"),
                    props=["time_can_advance", "stop_reaches_stopped"])
    assert res[("time_can_advance", "explicit")].verdict.value == "violated"
    assert res[("time_can_advance", "bmc")].verdict.value in ("violated", "unknown")
    for engine in ("explicit", "bmc"):
        assert res[("stop_reaches_stopped", engine)].verdict.value != "proved"
