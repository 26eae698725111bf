"""The service user API of issue 8: accepted-control names, threads, process exit, SetServiceStatus
failure, system shutdown and unsaved data, Windows profiles, and who defines actual_state."""

from __future__ import annotations

import pytest

from scmcheck.cli import main
from scmcheck.model.families import registry
from scmcheck.model.lang.errors import InputError, ModelError
from scmcheck.model.service_api import AT_ONCE, ANY_TIME, Control, ServiceModel, SvcState, user_design
from scmcheck.model.windows.profiles import PROFILES, profile
from scmcheck.properties.catalog import applicable, get
from scmcheck.properties.check import check
from scmcheck.properties.result import Verdict


def test_unknown_accept_name_lists_the_valid_ones():
    with pytest.raises(InputError) as e:
        ServiceModel("s", "", {}, accepts=("stop", "shutdwn"))
    msg = str(e.value)
    assert "'shutdwn'" in msg and "'preshutdown'" in msg and "\n" not in msg


def test_unknown_accept_name_through_the_cli_is_one_line_exit_2(tmp_path, capsys):
    f = tmp_path / "typo.py"
    f.write_text("from scmcheck.model.service_api import ServiceModel, user_design\n"
                 "def build(p):\n"
                 "    svc = ServiceModel('typo', '', p, accepts=('stop', 'shutdwn'))\n"
                 "    return svc.finish()\n"
                 "design = user_design('typo', '', build)\n")
    code = main(["check", f"{f}:design", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "shutdwn" in err[0] and "'stop', 'pause', 'shutdown', 'preshutdown'" in err[0]


def _verdicts(m, ids):
    res = check(m, [get(i).goal(m) for i in ids], ["explicit"])
    return {r.property: r.verdict for r in res}


def _crashing(crash_timing):
    svc = ServiceModel("crash", "", {})
    m, st = svc.m, svc.state
    w = svc.thread("worker")
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer", update=svc.answer_interrogate())
    svc.handle(Control.STOP, "handler_stop", update={**svc.set_state(SvcState.STOPPED), **w.exit()})
    svc.process_exit("worker_crash", "worker", guard=st == SvcState.RUNNING, timing=crash_timing)
    return svc.finish(), w


def test_a_crash_kills_every_thread_and_is_an_exit_before_stopped():
    m, w = _crashing(ANY_TIME)
    v = _verdicts(m, ["no_exit_before_stopped", "reported_state_matches_actual", "stopped_only_after_threads_exit"])
    assert v["no_exit_before_stopped"] == Verdict.VIOLATED
    # the process is gone while the SCM still holds RUNNING: the real state is STOPPED
    assert v["reported_state_matches_actual"] == Verdict.VIOLATED
    # every thread died with the process; STOPPED was never reported after a crash
    assert v["stopped_only_after_threads_exit"] == Verdict.PROVED


def test_nothing_of_the_service_moves_after_its_process_exited():
    from scmcheck.properties.engines.explicit import reachable_states

    m, w = _crashing(ANY_TIME)
    m.freeze()
    ix = {v.name: i for i, v in enumerate(m.variables)}
    g = reachable_states(m)
    for s, t, data in g.edges(data=True):
        if s[ix["process_exited"]]:
            act = data.get("action") or data.get("label")
            assert t[ix["worker_running"]] is False
    assert any(s[ix["process_exited"]] and not s[ix["worker_running"]] for s in g.nodes)


def test_exit_after_stopped_keeps_the_rule():
    svc = ServiceModel("clean-exit", "", {})
    st = svc.state
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer", guard=st != SvcState.STOPPED, update=svc.answer_interrogate())
    svc.handle(Control.INTERROGATE, "handler_stopped", guard=st == SvcState.STOPPED, update={})
    svc.handle(Control.STOP, "handler_stop", update=svc.set_state(SvcState.STOPPED))
    svc.process_exit("main_return", "service_main", guard=st == SvcState.STOPPED)
    m = svc.finish()
    assert _verdicts(m, ["no_exit_before_stopped"])["no_exit_before_stopped"] == Verdict.PROVED


def test_set_service_status_may_fail():
    """A service that reports RUNNING with a call that may fail, and never checks: the SCM keeps
    START_PENDING while the service runs, so the report is out of date and progress stops."""
    svc = ServiceModel("ssf", "", {})
    st = svc.state
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE, report_may_fail=True)
    svc.handle(Control.INTERROGATE, "handler_answer", update=svc.answer_interrogate())
    svc.handle(Control.STOP, "handler_stop", update=svc.set_state(SvcState.STOPPED))
    m = svc.finish()
    assert {a.name for a in m.actions} >= {"main_report_running", "main_report_running_report_failed"}
    v = _verdicts(m, ["reported_state_matches_actual"])
    assert v["reported_state_matches_actual"] == Verdict.VIOLATED
    with pytest.raises(ModelError, match="makes no SetServiceStatus call"):
        s2 = ServiceModel("x", "", {})
        s2.step("a", "service_main", guard=True, update={}, timing=AT_ONCE, report_may_fail=True)


def test_actual_state_defined_twice_names_the_first():
    svc = ServiceModel("dup", "", {})
    svc.handle(Control.INTERROGATE, "handler_answer", update=svc.answer_interrogate())
    m = svc.finish()
    with pytest.raises(ModelError, match="first defined by ServiceModel.finish"):
        m.define("actual_state", svc.state)


def test_unsaved_data_needs_system_shutdown():
    svc = ServiceModel("u", "", {})
    svc.unsaved_data(svc.m.bool("dirty", True))
    with pytest.raises(ModelError, match="system_shutdown"):
        svc.finish()


def test_profiles_carry_the_documented_defaults():
    assert profile("10-1703").preshutdown_timeout_ms == 10_000
    assert profile("vista").preshutdown_timeout_ms == 180_000
    assert not profile("xp").has_preshutdown and not profile("2003").has_preshutdown
    assert not profile("xp").post_sp2 and all(p.post_sp2 for n, p in PROFILES.items() if n != "xp")
    assert all(p.wait_to_kill_ms == 20_000 for p in PROFILES.values())
    with pytest.raises(InputError, match="xp, 2003, vista, 10-1703"):
        profile("win11")


def test_profile_selects_the_preshutdown_timeout():
    """The never-stopping PRESHUTDOWN service holds shutdown for the profile's default timeout."""
    d = registry()["shutdown-preshutdown-never-stops"]

    def preshutdown_ends_at(windows):
        from scmcheck.model.families.shutdown import Phase
        from scmcheck.properties.engines import explicit
        from scmcheck.properties.result import Goal

        m = d.build({"windows": windows})
        (r,) = explicit.run(m, [Goal("pre", (), invariant=m["phase"] == Phase.PRESHUTDOWN)])
        return r.trace.steps[-1].time  # seconds: the first run out of the PRESHUTDOWN phase

    assert preshutdown_ends_at("10-1703") == 10.0
    assert preshutdown_ends_at("vista") == 180.0
    with pytest.raises(InputError, match="Vista"):
        d.build({"windows": "2003"})


def test_system_shutdown_makes_the_shutdown_entries_apply():
    from scmcheck.targets import load

    m = load("examples/service/shutdown_unsaved_data.py:fixed").system
    ids = {p.id for p in applicable(m)}
    assert {"no_data_loss_at_shutdown", "shutdown_budget_respected", "shutdown_completes"} <= ids
    assert "preshutdown_service_stops_before_timeout" not in ids  # it never accepts PRESHUTDOWN


def test_data_is_lost_only_if_unsaved_when_the_machine_powers_off():
    """003.10 is judged at the power-off step: a client (an environment process) that writes after the
    machine is off does not make the service lose data.  The write-back cache's counterexample ends at
    power-off, with the write before it."""
    from scmcheck.properties.engines import explicit
    from scmcheck.targets import load

    system = load("examples/service/shutdown_unsaved_data.py:buggy").system
    (res,) = explicit.run(system, [get("no_data_loss_at_shutdown").goal(system)])
    steps = [s.action for s in res.trace.steps]
    assert steps[-1] == "scm_end_shutdown" and "client_write" in steps
    final = dict(zip([v.name for v in res.trace.variables], res.trace.final))
    assert final["data_lost_at_power_off"]
