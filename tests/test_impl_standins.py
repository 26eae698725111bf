"""The pywin32/threading/time stand-ins under the scheduler: Win32 semantics, virtual time, watchdog."""

from __future__ import annotations

import time
from pathlib import Path

from scmcheck.testing import check_implementation
from scmcheck.testing.loader import load
from scmcheck.testing.run import Run
from scmcheck.testing.search import Replay

HEADER = """\
import threading, time
import win32event, win32service, win32serviceutil, servicemanager

class S(win32serviceutil.ServiceFramework):
    _svc_name_ = "S"
"""


def run_service(tmp_path: Path, body: str, controls: int = 0, watchdog_s: float = 3.0, properties=()):
    """One run with the first option at every choice; no observer unless ``properties`` (a violation
    would end the run, and these tests look at the stand-ins, not at verdicts)."""
    f = tmp_path / "svc.py"
    f.write_text(HEADER + body)
    r = Run(load(f"{f}:S").make_class, Replay([]), list(properties), controls=controls, watchdog_s=watchdog_s)
    out = r.execute()
    return r.service, out


def test_auto_reset_event_releases_exactly_one_waiter(tmp_path):
    svc, out = run_service(tmp_path, """
    def SvcDoRun(self):
        self.ev = win32event.CreateEvent(None, 0, 0, None)
        self.got = []
        ts = [threading.Thread(target=lambda: self.got.append(win32event.WaitForSingleObject(self.ev, 1000)))
              for _ in range(2)]
        for t in ts: t.start()
        win32event.SetEvent(self.ev)
        for t in ts: t.join()
""")
    assert sorted(svc.got) == [win32(0), win32(258)], out.errors


def win32(code: int) -> int:
    return code


def test_manual_reset_event_releases_every_waiter_and_stays_set(tmp_path):
    svc, _ = run_service(tmp_path, """
    def SvcDoRun(self):
        self.ev = win32event.CreateEvent(None, 1, 0, None)
        self.got = []
        ts = [threading.Thread(target=lambda: self.got.append(win32event.WaitForSingleObject(self.ev, 1000)))
              for _ in range(2)]
        for t in ts: t.start()
        win32event.SetEvent(self.ev)
        for t in ts: t.join()
        self.after = win32event.WaitForSingleObject(self.ev, 0)
        win32event.ResetEvent(self.ev)
        self.reset = win32event.WaitForSingleObject(self.ev, 0)
""")
    assert svc.got == [0, 0] and svc.after == 0 and svc.reset == 258


def test_wait_for_multiple_objects(tmp_path):
    svc, _ = run_service(tmp_path, """
    def SvcDoRun(self):
        a = win32event.CreateEvent(None, 0, 0, None)
        b = win32event.CreateEvent(None, 0, 0, None)
        win32event.SetEvent(b)
        self.one = win32event.WaitForMultipleObjects([a, b], False, 0)
        self.consumed = win32event.WaitForSingleObject(b, 0)
        win32event.SetEvent(a); win32event.SetEvent(b)
        self.lowest = win32event.WaitForMultipleObjects([a, b], False, 0)
        self.all_missing = win32event.WaitForMultipleObjects([a, b], True, 500)
        win32event.SetEvent(a)
        self.all = win32event.WaitForMultipleObjects([a, b], True, 0)
""")
    assert (svc.one, svc.consumed, svc.lowest, svc.all_missing, svc.all) == (1, 258, 0, 258, 0)


def test_report_service_status_follows_pywin32(tmp_path):
    _, out = run_service(tmp_path, """
    def SvcStop(self): pass
    def SvcPause(self): pass
    def SvcContinue(self): pass
    def SvcDoRun(self):
        self.ReportServiceStatus(win32service.SERVICE_START_PENDING)
        self.ReportServiceStatus(win32service.SERVICE_PAUSED)
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING, waitHint=7000)
""")
    reports = [(e["state"], e["accepted"], e["checkpoint"], e["wait_hint_ms"]) for e in out.events
               if e.kind == "status_reported"]
    assert reports[:7] == [
        (2, 0, 0, 5000),  # the host's startingStatus
        (4, 3, 0, 5000),  # SvcRun: RUNNING, checkpoint 0, STOP | PAUSE_CONTINUE (no SvcShutdown)
        (2, 0, 1, 5000),  # START_PENDING: nothing accepted; the counter goes up
        (7, 3, 2, 5000),
        (4, 3, 0, 5000),  # RUNNING: checkpoint 0, the counter is kept
        (3, 3, 3, 7000),
        (3, 3, 4, 5000),  # SvcRun's own STOP_PENDING after SvcDoRun
    ]
    assert reports[-1][:3] == (1, 0, 0)  # the host's SERVICE_STOPPED


def test_virtual_time_a_minute_takes_milliseconds(tmp_path):
    start = time.monotonic()
    svc, out = run_service(tmp_path, """
    def SvcDoRun(self):
        t0 = time.time()
        time.sleep(60)
        self.waited = threading.Event().wait(30)
        self.elapsed = time.time() - t0
""")
    assert svc.elapsed == 90 and svc.waited is False, out.errors
    assert time.monotonic() - start < 2


def test_watchdog_reports_a_busy_loop_with_its_frame(tmp_path):
    start = time.monotonic()
    _, out = run_service(tmp_path, """
    def SvcDoRun(self):
        n = 0
        while True:
            n += 1
""", watchdog_s=0.3)
    assert out.outcome == "blocked"
    assert "svc.py:" in out.blocked.frame and "in SvcDoRun" in out.blocked.frame
    assert time.monotonic() - start < 3


def test_stuck_stop_is_a_liveness_violation(tmp_path):
    f = tmp_path / "stuck.py"
    f.write_text(HEADER + """
    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.ev = win32event.CreateEvent(None, 0, 0, None)
    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)   # forgets SetEvent
    def SvcShutdown(self):
        self.SvcStop()
    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.ev, win32event.INFINITE)
""")
    report = check_implementation(f"{f}:S", runs=20, properties=["stop_reaches_stopped"])
    (r,) = report.violated
    assert "stuck" in r.reason


def test_main_boilerplate_does_not_run_and_stdlib_stays_real(tmp_path):
    import threading

    f = tmp_path / "svc.py"
    f.write_text(HEADER + """
    def SvcDoRun(self):
        pass

if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(S)
""")
    check_implementation(f"{f}:S", runs=2)
    assert threading.Thread.__module__ == "threading"  # the harness's own modules are untouched
