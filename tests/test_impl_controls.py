"""What the harness hands a service's handler, and how it reports what the handler and its threads do.

Findings of a new user who wrote services from pywin32's documentation (examples/implementations/docs_*.py):
realistic SvcOtherEx arguments, handler exceptions, ``_thread`` threads, device notifications, coverage.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

from scmcheck.testing import check_implementation
from scmcheck.testing.loader import load
from scmcheck.testing.run import Run
from scmcheck.testing.search import Replay

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"

EVENTS = """\
import win32event, win32service, win32serviceutil

class S(win32serviceutil.ServiceFramework):
    _svc_name_ = "S"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop = win32event.CreateEvent(None, 0, 0, None)
        self.seen = []

    def GetAcceptedControls(self):
        return (win32serviceutil.ServiceFramework.GetAcceptedControls(self)
                | win32service.SERVICE_ACCEPT_POWEREVENT | win32service.SERVICE_ACCEPT_SESSIONCHANGE)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop)

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop, win32event.INFINITE)
"""


def write(tmp_path: Path, text: str, name: str = "svc.py") -> str:
    f = tmp_path / name
    f.write_text(text)
    return f"{f}:S"


def test_a_handler_slow_only_on_suspend_is_found(tmp_path):
    spec = write(tmp_path, EVENTS + """
    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_POWEREVENT and event_type == 4:  # PBT_APMSUSPEND
            import time
            time.sleep(60)  # flush everything to disk before the machine sleeps
""")
    report = check_implementation(spec, runs=100, properties=["handler_returns_within_30s"])
    (r,) = report.results
    assert r.verdict == "violated", report.text()
    assert any(s.args.get("event") == "PBT_APMSUSPEND" for s in r.trace.steps if s.action == "control_sent")


def test_session_and_power_data_are_what_pywin32_passes(tmp_path):
    spec = write(tmp_path, EVENTS + """
    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_SESSIONCHANGE:
            session_id = data[0]  # pywin32: a 1-tuple (session id,)
            assert 1 <= event_type <= 11 and isinstance(session_id, int), (event_type, data)
        elif control == win32service.SERVICE_CONTROL_POWEREVENT:
            if event_type == 0x8013:  # PBT_POWERSETTINGCHANGE: (guid, bytes)
                guid, value = data
                assert isinstance(value, bytes)
            else:
                assert data is None and event_type in (4, 7, 10, 0x12), (event_type, data)
""")
    report = check_implementation(spec, runs=100)
    assert report.status == 0 and not report.handler_errors and not report.errors, report.text()
    assert report.delivered.get("SESSIONCHANGE") and report.delivered.get("POWEREVENT"), report.delivered
    assert any(k.startswith("SESSIONCHANGE/WTS_") for k in report.delivered)


def test_a_handler_exception_is_a_visible_note_with_what_pywin32_does(tmp_path):
    spec = write(tmp_path, EVENTS + """
    def SvcOtherEx(self, control, event_type, data):
        self.names[event_type]  # no such attribute: AttributeError on every extra control
""")
    report = check_implementation(spec, runs=40)
    assert report.handler_errors, report.text()
    text = report.text()
    assert "NOTE" in text and "ERROR_CALL_NOT_IMPLEMENTED" in text and "AttributeError" in text, text
    assert "svc.py:" in next(iter(report.handler_errors))  # where in the service it raised
    assert report.to_json()["handler_exceptions_runs"]


def test_an_interrogate_handler_that_raises_breaks_interrogate_always_answered(tmp_path):
    spec = write(tmp_path, EVENTS + """
    def SvcInterrogate(self):
        raise RuntimeError("not now")
""")
    report = check_implementation(spec, runs=60, properties=["interrogate_always_answered"])
    assert report.status == 1, report.text()
    assert "RuntimeError: not now" in report.violated[0].reason


THREAD_AFTER = """\
import _thread
import win32api, win32event, win32service, win32serviceutil

class S(win32serviceutil.ServiceFramework):
    _svc_name_ = "S"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop = win32event.CreateEvent(None, 0, 0, None)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop)

    def client(self, n):
        win32api.Sleep(2000)  # serve one pipe client

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop, win32event.INFINITE)
        _thread.start_new_thread(self.client, (1,))
"""


def test_a_thread_from_thread_start_new_thread_is_scheduled_and_judged(tmp_path):
    spec = write(tmp_path, THREAD_AFTER)
    t = time.monotonic()
    report = check_implementation(spec, runs=100, properties=["stopped_only_after_threads_exit"])
    assert time.monotonic() - t < 10
    (r,) = report.results
    assert r.verdict == "violated", report.text()
    assert "_thread-1 (client) still runs" in r.reason


def test_no_traceback_reaches_the_user_from_a_thread_the_harness_does_not_run(tmp_path):
    # a thread started behind the stand-ins' back (here: the real _thread, reached through importlib)
    spec = write(tmp_path, THREAD_AFTER.replace("import _thread", "import importlib; _thread = "
                                                "importlib.import_module('_thread')"))
    p = subprocess.run([sys.executable, "-m", "scmcheck.cli", "test", spec, "--runs", "20", "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr and "HarnessError" not in p.stderr, p.stderr[-2000:]
    assert "at module level" not in p.stdout + p.stderr
    assert "does not schedule" in p.stdout, p.stdout


def test_device_events_reach_a_service_that_registered_for_them():
    report = check_implementation(str(EX / "device_events_service.py:DeviceEventsService"), runs=100)
    assert report.delivered.get("DEVICEEVENT"), report.text()
    assert not report.errors and not report.handler_errors, report.text()
    assert report.status == 0, report.text()


def test_no_device_event_without_registration(tmp_path):
    spec = write(tmp_path, EVENTS)
    report = check_implementation(spec, runs=60)
    assert "DEVICEEVENT" not in report.delivered


def test_runs_in_all_over_several_searches_is_explained():
    report = check_implementation(str(EX / "svcdorun_returns_early.py:EarlyReturnService"), runs=30)
    assert report.searches > 1
    assert f"30 runs per search, {report.runs} in all over {report.searches} searches" in report.text()
    j = report.to_json()
    assert j["runs_per_search"] == 30 and j["searches"] == report.searches
    assert j["controls_delivered_runs"]["STOP"] >= 1 and "stop_reaches_stopped" in j["observers_exercised_runs"]


def test_one_thread_still_runs(tmp_path):
    report = check_implementation(str(EX / "docs_worker_service.py:QueueWorkerService"), runs=5,
                                  properties=["stopped_only_after_threads_exit"])
    assert report.status == 0
    from scmcheck.properties.observers import _still_run

    assert _still_run(["queue-worker"]) == "queue-worker still runs"
    assert _still_run(["a", "b"]) == "a, b still run"


def test_wait_hint_is_named_for_its_unit_and_show_keeps_why(tmp_path):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "scmcheck.cli", "test",
                        str(EX / "no_stop_progress.py:NoProgressService"), "--runs", "30", "--property",
                        "pending_progress_within_wait_hint", "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "wait_hint_ms=5s" not in p.stdout and "wait_hint=5s" in p.stdout, p.stdout
    (trace,) = out.glob("*.itf.json")
    meta = json.loads(trace.read_text())["#meta"]["scmcheck"]["implementation"]
    shown = subprocess.run([sys.executable, "-m", "scmcheck.cli", "show", str(trace)], capture_output=True,
                           text=True)
    assert shown.returncode == 0, shown.stderr
    assert f"why: {meta['reason']}" in shown.stdout


def test_handler_results_follow_dispatchservicectrl(tmp_path):
    body = EVENTS + """
    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_POWEREVENT:
            return "yes"  # not an int: ERROR_SERVICE_SPECIFIC_ERROR
        raise ValueError("raised, not returned")  # ERROR_CALL_NOT_IMPLEMENTED, like any exception
"""
    f = tmp_path / "svc.py"
    f.write_text(body)
    results = {}
    for seed in range(60):
        rnd = random.Random(seed)
        r = Run(load(f"{f}:S").make_class, _Random(rnd), [], controls=4)
        for e in r.execute().events:
            if e.kind == "handler_returned" and e["control"] in (13, 14):
                results[e["control"]] = e["result"]
    assert results == {13: 1066, 14: 120}, results


class _Random:
    def __init__(self, rnd):
        self.rnd = rnd

    def choose(self, n, what):
        return self.rnd.randrange(n)
