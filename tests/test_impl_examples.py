"""scmcheck test on the pywin32 examples of examples/implementations/: each held to its verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.observers import OBSERVERS
from scmcheck.testing import check_implementation
from scmcheck.testing.tracefile import replay

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"
# (target, properties it must violate, properties it may violate too: consequences of the same mistake
# that a given search may or may not reach before its budget ends)
CASES = [
    ("correct_service.py:CorrectService", set(), set()),
    # STOPPED with workers alive is also a report that is false when made (as the model's
    # service-stopped-before-workers-exit breaks both entries)
    ("svcdorun_returns_early.py:EarlyReturnService", {"stopped_only_after_threads_exit",
                                                      "reported_state_matches_actual"}, set()),
    ("no_stop_progress.py:NoProgressService", {"pending_progress_within_wait_hint"}, set()),
    # the 40 s SvcStop also outlasts WaitToKillServiceTimeout at system shutdown (its docstring says so)
    ("svcstop_blocks.py:BlockingStopService", {"handler_returns_within_30s", "no_data_loss_at_shutdown"}, set()),
    # the wrong INTERROGATE answer then stands while time passes (as controls-stale-interrogate-when-paused)
    ("pause_default_interrogate.py:PausableService", {"interrogate_reports_current_state"},
     {"reported_state_matches_actual"}),
    ("shutdown_unsaved_data.py:CacheService", {"no_data_loss_at_shutdown"}, set()),
    # an INTERROGATE racing the false START_PENDING is answered RUNNING (its docstring says so); and a
    # STOP the SCM sends while it shows START_PENDING is taken before SvcDoRun reports RUNNING (003.4)
    ("start_pending_after_running.py:LateStartService", {"reported_state_matches_actual"},
     {"interrogate_reports_current_state", "stop_accepted_leads_to_stop_pending"}),
    ("pause_unreported.py:SilentPauseService", {"state_change_reported_by_handler"}, set()),
    ("exit_in_svcstop.py:HardExitService", {"no_exit_before_stopped"}, set()),
    # written by a new user from pywin32's documentation and demos alone, without reading the harness;
    # both are correct services and run unchanged
    ("docs_events_service.py:SessionWatcherService", set(), set()),
    ("docs_worker_service.py:QueueWorkerService", set(), set()),
    ("device_events_service.py:DeviceEventsService", set(), set()),
    ("suspend_blocks_handler.py:SuspendFlushService", {"handler_returns_within_30s"}, set()),
    # STOPPED with the thread alive is also a report false when made (as svcdorun_returns_early)
    ("thread_after_stop.py:LateClientService", {"stopped_only_after_threads_exit", "reported_state_matches_actual"},
     set()),
]


@pytest.mark.parametrize("spec,required,allowed", CASES, ids=[c[0].split(":")[1] for c in CASES])
def test_example_verdicts(spec, required, allowed, tmp_path):
    report = check_implementation(str(EX / spec), runs=60, out=tmp_path)
    found = {r.id for r in report.violated}
    assert required <= found <= required | allowed, report.text()
    assert report.status == (1 if required else 0)
    for r in report.violated:
        assert r.trace.length <= 40 and r.first_after_s < 5
        assert r.trace.property == r.id and Path(r.trace_file).exists()
        status, _, _ = replay(Path(r.trace_file))
        assert status == "reproduced"


def test_observers_name_catalog_entries_with_their_rules():
    for ob in OBSERVERS:
        assert ob.id in CATALOG, ob.id
        assert tuple(CATALOG[ob.id].rules) == tuple(ob.rules), ob.id


def test_stale_trace_is_not_replayed(tmp_path):
    src = (EX / "svcdorun_returns_early.py").read_text()
    mine = tmp_path / "svc.py"
    mine.write_text(src)
    report = check_implementation(f"{mine}:EarlyReturnService", runs=30, out=tmp_path,
                                  properties=["stopped_only_after_threads_exit"])
    path = Path(report.violated[0].trace_file)
    mine.write_text(src + "\n# changed\n")
    status, _, text = replay(path)
    assert status == "stale" and "changed" in text


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scmcheck", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_cli_json_and_show(tmp_path):
    out = _cli("test", str(EX / "pause_default_interrogate.py:PausableService"), "--runs", "40", "--json",
               "--out", str(tmp_path))
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    (hit,) = [r for r in data["results"] if r["property"] == "interrogate_reports_current_state"]
    assert hit["verdict"] == "violated"
    svg = tmp_path / "t.svg"
    shown = _cli("show", hit["trace_file"], "--format", "svg", "-o", str(svg))
    assert shown.returncode == 0, shown.stderr
    text = svg.read_text()
    assert ">dispatcher<" in text and ">ServiceMain<" in text and ">SCM<" in text


@pytest.mark.parametrize("args,needle", [
    (["test", "missing.py:X"], "missing.py"),
    (["test", "examples/implementations/correct_service.py"], "FILE.py:Class"),
    (["test", "examples/implementations/correct_service.py:Nope"], "no class Nope"),
    (["test", "examples/implementations/correct_service.py:CorrectService", "--property", "nope"], "--property nope"),
    (["test", "examples/implementations/correct_service.py:CorrectService", "--depth", "0"], "--depth"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    out = _cli(*args, cwd=EX.parent.parent)
    assert out.returncode == 2
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
