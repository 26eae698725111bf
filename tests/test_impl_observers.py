"""The observers added for real code (properties/observers.py): each catches a buggy service and leaves the
correct one alone; the examples' verdicts are in test_impl_examples.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers import Event, Monitor
from scmcheck.testing import check_implementation
from scmcheck.testing.loader import load
from scmcheck.testing.run import Run
from scmcheck.testing.search import Replay, Stats, search

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"
CORRECT = str(EX / "correct_service.py:CorrectService")

HEADER = """\
import os, threading, time
import win32event, win32service, win32serviceutil

class S(win32serviceutil.ServiceFramework):
    _svc_name_ = "S"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)
        self.wake = win32event.CreateEvent(None, False, False, None)  # auto-reset: one hand-off per set
"""


def check(tmp_path: Path, body: str, prop: str, runs: int = 60, **kw):
    f = tmp_path / "svc.py"
    f.write_text(HEADER + body)
    return check_implementation(f"{f}:S", runs=runs, properties=[prop], **kw)


def verdict(report, prop: str):
    (r,) = [r for r in report.results if r.id == prop]
    return r


# ---------------------------------------------------------------- reported_state_matches_actual (000.2)

def test_svcstop_reporting_stopped_itself_is_a_false_report(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOPPED)   # SvcDoRun still runs
        win32event.SetEvent(self.stop_event)
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "reported_state_matches_actual")
    res = verdict(r, "reported_state_matches_actual")
    assert res.verdict == "violated" and "SERVICE_STOPPED while ServiceMain still run" in res.reason


def test_a_stale_answer_left_standing_while_time_passes(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
    def SvcPause(self):
        self.ReportServiceStatus(win32service.SERVICE_PAUSED)
    def SvcContinue(self):
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
    def SvcInterrogate(self):
        self.ReportServiceStatus(self.cached)   # a status the pause path never updates
    def SvcDoRun(self):
        self.cached = win32service.SERVICE_RUNNING
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "reported_state_matches_actual", runs=100)
    res = verdict(r, "reported_state_matches_actual")
    assert res.verdict == "violated" and "with RUNNING reported while the service is PAUSED" in res.reason


def test_a_report_that_names_no_state(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        win32service.SetServiceStatus(self.ssh, (0x10, 9, 1, 0, 0, 0, 0))
        win32event.SetEvent(self.stop_event)
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "reported_state_matches_actual")
    assert "names no service state" in verdict(r, "reported_state_matches_actual").reason


def test_override_of_svcrun_with_start_pending_before_running_is_correct(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
    def SvcRun(self):   # the fix of start_pending_after_running.py: initialise before RUNNING
        self.ReportServiceStatus(win32service.SERVICE_START_PENDING, waitHint=10000)
        time.sleep(3)
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
        self.SvcDoRun()
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "reported_state_matches_actual")
    assert verdict(r, "reported_state_matches_actual").verdict == "passed"


# ---------------------------------------------------------------- state_change_reported_by_handler (003.2)

PAUSABLE = """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
"""


def test_pause_handed_to_servicemain_and_reported_at_once_is_correct(tmp_path):
    r = check(tmp_path, PAUSABLE + """
    def SvcPause(self):
        self.want = "pause"; win32event.SetEvent(self.wake)      # hand-off, as Go's x/sys/svc does
    def SvcContinue(self):
        self.want = "run"; win32event.SetEvent(self.wake)
    def SvcDoRun(self):
        while win32event.WaitForMultipleObjects([self.stop_event, self.wake], False, win32event.INFINITE) == 1:
            self.ReportServiceStatus(win32service.SERVICE_PAUSED if self.want == "pause" else
                                     win32service.SERVICE_RUNNING)
""", "state_change_reported_by_handler")
    res = verdict(r, "state_change_reported_by_handler")
    assert res.verdict == "passed" and res.exercised > 0


def test_pause_noticed_by_a_polling_loop_is_reported_too_late(tmp_path):
    r = check(tmp_path, PAUSABLE + """
    def SvcPause(self):
        self.paused = True      # the loop below notices within a second, and only then reports
    def SvcContinue(self):
        self.paused = False
    def SvcDoRun(self):
        self.paused, shown = False, False
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            if self.paused != shown:
                shown = self.paused
                self.ReportServiceStatus(win32service.SERVICE_PAUSED if shown else win32service.SERVICE_RUNNING)
""", "state_change_reported_by_handler")
    res = verdict(r, "state_change_reported_by_handler")
    assert res.verdict == "violated" and "and time passed" in res.reason


def test_a_pause_the_handler_declines_is_no_state_change(tmp_path):
    r = check(tmp_path, PAUSABLE + """
    def SvcPause(self):
        return 1052   # ERROR_INVALID_SERVICE_CONTROL: not now
    def SvcContinue(self):
        return 1052
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "state_change_reported_by_handler")
    assert verdict(r, "state_change_reported_by_handler").verdict == "not exercised"


def test_a_service_without_pause_is_not_applicable_and_stays_complete():
    r = check_implementation(CORRECT, runs=20, properties=["state_change_reported_by_handler"])
    res = verdict(r, "state_change_reported_by_handler")
    assert res.verdict == "not applicable" and "PAUSE/CONTINUE" in res.reason
    assert r.status == 0


# ---------------------------------------------------------------- no_exit_before_stopped (000.3, 000.5)

def test_os_abort_in_a_worker_ends_the_process_before_stopped(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
    def crash(self):
        time.sleep(5)
        os.abort()
    def SvcDoRun(self):
        threading.Thread(target=self.crash, name="crasher").start()
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
""", "no_exit_before_stopped")
    res = verdict(r, "no_exit_before_stopped")
    assert res.verdict == "violated" and "os.abort() in crasher" in res.reason


def test_os_path_and_the_rest_of_os_stay_real(tmp_path):
    r = check(tmp_path, """
    def SvcStop(self):
        import os.path
        self.found = os.path.join("a", "b") == "a" + os.sep + "b" and os.getpid() > 0
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        assert self.found
""", "no_exit_before_stopped", runs=10)
    assert verdict(r, "no_exit_before_stopped").verdict == "passed" and not r.errors


def test_os_exit_at_import_is_bad_input(tmp_path):
    f = tmp_path / "svc.py"
    f.write_text("import os\nos._exit(3)\n")
    with pytest.raises(InputError, match=r"svc.py:2: the module called os._exit\(3\) at import"):
        check_implementation(f"{f}:S", runs=1)


def test_sys_exit_in_svcdorun_is_stopped_with_an_error_as_pywin32_reports_it(tmp_path):
    f = tmp_path / "svc.py"
    f.write_text(HEADER + """
    def SvcDoRun(self):
        raise SystemExit(2)
""")
    out = Run(load(f"{f}:S").make_class, Replay([]), ["no_exit_before_stopped"], controls=0).execute()
    last = [e for e in out.events if e.kind == "status_reported"][-1]
    assert (last["state"], last["win32_exit"], last["svc_exit"]) == (1, 1066, 0x20000001)  # stoppedErrorStatus
    assert out.violation is None and out.outcome == "exited"


# ---------------------------------------------------------------- only_accepted_controls_delivered (003.3)

class SloppyScmRun(Run):
    """An SCM that ignores the accept mask: it offers PAUSE whatever the last report accepted."""

    def scm_options(self):
        opts = super().scm_options()
        if opts and ("control", 2) not in opts:
            opts.append(("control", 2))
        return opts


def test_a_control_sent_against_the_accept_mask_is_caught():
    target = load(CORRECT)

    def make(chooser, props):
        return SloppyScmRun(target.make_class, chooser, list(props))

    stats = Stats()
    (found,) = search(make, ["only_accepted_controls_delivered"], 40, None, stats)
    assert "the SCM sent PAUSE while the last report was RUNNING accepting 0x5, which does not accept it" in \
        found.outcome.violation.reason


def test_controlservice_table_events():
    m = Monitor(["only_accepted_controls_delivered"])
    seq = iter(range(100))

    def ev(kind, **f):
        m.feed(Event(next(seq), kind, 0, "SCM", f))

    ev("status_reported", state=2, accepted=1, checkpoint=0, wait_hint_ms=5000, in_handler=0)
    ev("control_sent", control=1, name="STOP")  # an accepted STOP reaches a starting service
    assert not m.violations
    ev("control_sent", control=4, name="INTERROGATE")  # nothing else does
    assert "only an accepted STOP reaches a starting service" in m.violations[
        "only_accepted_controls_delivered"].reason


def test_the_harness_scm_sends_only_accepted_controls_to_every_example():
    for spec in ("pause_default_interrogate.py:PausableService", "shutdown_unsaved_data.py:CacheService"):
        r = check_implementation(str(EX / spec), runs=40, properties=["only_accepted_controls_delivered"])
        assert verdict(r, "only_accepted_controls_delivered").verdict == "passed"


# ---------------------------------------------------------------- no_data_loss_at_shutdown (003.10, 003.8)

NO_SHUTDOWN = """
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
    def SvcDoRun(self):
        self.pending = []
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            self.pending.append(1)
            if len(self.pending) >= 3:
                self.pending.clear()   # saved every third record
"""


def test_nothing_declared_and_shutdown_ignored_is_not_judged(tmp_path):
    r = check(tmp_path, NO_SHUTDOWN, "no_data_loss_at_shutdown")
    res = verdict(r, "no_data_loss_at_shutdown")
    assert res.verdict == "not applicable" and "--unsaved-data" in res.reason and r.status == 0


def test_declared_unsaved_data_is_judged_exactly(tmp_path):
    r = check(tmp_path, NO_SHUTDOWN, "no_data_loss_at_shutdown", unsaved_data="pending")
    res = verdict(r, "no_data_loss_at_shutdown")
    assert res.verdict == "violated" and "declared data still unsaved" in res.reason
    saved = NO_SHUTDOWN.replace("if len(self.pending) >= 3:", "if True:")
    r = check(tmp_path, saved, "no_data_loss_at_shutdown", unsaved_data="pending")
    assert verdict(r, "no_data_loss_at_shutdown").verdict == "passed"


def test_a_declared_attribute_the_service_lacks_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="no attribute 'pendng'"):
        check(tmp_path, NO_SHUTDOWN, "no_data_loss_at_shutdown", unsaved_data="pendng")


def test_cli_unsaved_data(tmp_path):
    f = tmp_path / "svc.py"
    f.write_text(HEADER + NO_SHUTDOWN)
    out = subprocess.run([sys.executable, "-m", "scmcheck", "test", f"{f}:S", "--runs", "40", "--property",
                          "no_data_loss_at_shutdown", "--unsaved-data", "pending", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "rerun:   scmcheck test" in out.stdout and "--unsaved-data pending" in out.stdout


def test_the_correct_service_loses_nothing_at_shutdown():
    r = check_implementation(CORRECT, runs=60, properties=["no_data_loss_at_shutdown"])
    res = verdict(r, "no_data_loss_at_shutdown")
    assert res.verdict == "passed" and res.exercised > 0
