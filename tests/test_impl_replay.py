"""scmcheck replay TRACE --impl: a model's counterexample driven into real code (scmcheck/testing/conform.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scmcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
IMPL = ROOT / "examples" / "implementations"


def _model_trace(tmp_path: Path, design: str, prop: str, *params: str) -> Path:
    out = tmp_path / "model"
    argv = ["check", design, "--engine", "explicit", "--property", prop, "--out", str(out)]
    for p in params:
        argv += ["--param", p]
    assert main(argv) == 1
    (path,) = out.glob(f"*.{prop}.explicit.itf.json")
    return path


def _replay(capsys, trace: Path, impl: str, tmp_path: Path) -> tuple[int, dict]:
    capsys.readouterr()
    status = main(["replay", str(trace), "--impl", str(IMPL / impl), "--json", "--out", str(tmp_path / "runs")])
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def early_stop(tmp_path):
    """The model's counterexample: STOPPED reported while both workers still run (wait hint as the code's)."""
    return _model_trace(tmp_path, "service-stopped-before-workers-exit", "stopped_only_after_threads_exit",
                        "wait_hint_s=5")


def test_the_buggy_service_reproduces_the_models_counterexample(early_stop, tmp_path, capsys):
    status, out = _replay(capsys, early_stop, "svcdorun_returns_early.py:EarlyReturnService", tmp_path)
    assert status == 1 and out["verdict"] == "reproduced"
    assert out["property"] == "stopped_only_after_threads_exit"
    assert "worker0, worker1 still run" in out["text"]
    assert Path(out["run_trace"]).exists()
    # the run is saved to be drawn; it was driven by the model's script, not by choices it could replay, so
    # re-running it says how to: replay the model trace again
    capsys.readouterr()
    assert main(["replay", out["run_trace"], "--impl", str(IMPL / "svcdorun_returns_early.py:EarlyReturnService")]) == 2
    assert "a run of scmcheck replay, driven by the model trace" in capsys.readouterr().err
    assert main(["show", out["run_trace"], "--format", "svg", "-o", str(tmp_path / "run.svg")]) == 0


def test_a_trace_of_scmcheck_test_replays_exactly(tmp_path, capsys):
    spec = str(IMPL / "svcdorun_returns_early.py:EarlyReturnService")
    assert main(["test", spec, "--runs", "30", "--property", "stopped_only_after_threads_exit",
                 "--out", str(tmp_path)]) == 1
    (trace,) = tmp_path.glob("*.impl.itf.json")
    capsys.readouterr()
    assert main(["replay", str(trace), "--impl", spec]) == 1
    assert "violated again" in capsys.readouterr().out


def test_the_correct_service_conforms_to_the_same_trace(early_stop, tmp_path, capsys):
    """The bug is inside the service (threads); the SCM sees the same reports from the correct one."""
    status, out = _replay(capsys, early_stop, "correct_service.py:CorrectService", tmp_path)
    assert (status, out["verdict"], out["violations"]) == (0, "conforms", {})
    assert out["compared"] == 3


def test_a_different_wait_hint_diverges_at_the_step_that_reports_it(tmp_path, capsys):
    trace = _model_trace(tmp_path, "service-stopped-before-workers-exit", "stopped_only_after_threads_exit")
    status, out = _replay(capsys, trace, "correct_service.py:CorrectService", tmp_path)
    assert (status, out["verdict"]) == (3, "diverges")
    assert out["text"].startswith("diverges at step 2 handler_accept_stop: the model's STOP_PENDING reported "
                                  "(wait hint 20 s, checkpoint up), the implementation's STOP_PENDING reported "
                                  "(wait hint 5 s")


def test_no_progress_model_trace_reproduces_in_code(tmp_path, capsys):
    trace = _model_trace(tmp_path, "service-no-stop-progress", "pending_progress_within_wait_hint")
    status, out = _replay(capsys, trace, "no_stop_progress.py:NoProgressService", tmp_path)
    assert out["verdict"] == "reproduced" and status == 1, out


def test_a_python_model_target_is_not_imported_on_the_traces_word(tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["check", str(ROOT / "examples/service/process_exit.py") + ":buggy", "--engine", "explicit",
                 "--property", "no_exit_before_stopped", "--out", str(out)]) == 1
    (trace,) = out.glob("*.itf.json")
    capsys.readouterr()
    assert main(["replay", str(trace), "--impl", str(IMPL / "exit_in_svcstop.py:HardExitService")]) == 2
    assert "replay does not import on a trace's word" in capsys.readouterr().err
    status = main(["replay", str(trace), "--trust", "--impl", str(IMPL / "exit_in_svcstop.py:HardExitService"),
                   "--out", str(tmp_path / "runs")])
    assert status in (1, 3)


def test_what_replay_cannot_drive_is_one_line(early_stop, tmp_path, capsys):
    capsys.readouterr()
    assert main(["replay", str(early_stop), "--impl", str(IMPL / "com_comtypes_correct.py:main")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a function (a COM server's entry)" in err
    com = tmp_path / "com"
    assert main(["check", "com-locks-not-counted", "--engine", "explicit", "--property", "unused_server_exits",
                 "--out", str(com)]) == 1
    (trace,) = com.glob("*.itf.json")
    capsys.readouterr()
    assert main(["replay", str(trace), "--impl", str(IMPL / "correct_service.py:CorrectService")]) == 2
    assert "has no status reports" in capsys.readouterr().err


def test_threads_follow_the_models_steps_where_they_map(early_stop):
    """Between two controls the threads run in the model's order where a process maps onto a thread by
    name (service_main -> ServiceMain, worker[0] -> worker0); the others round-robin."""
    from types import SimpleNamespace

    from scmcheck.targets import load
    from scmcheck.testing.conform import ScriptedRun, script_of, thread_key
    from scmcheck.traces import itf

    trace = itf.load(early_stop)
    system = load(trace.target, trace.parameters, exact=True).system.freeze()
    sends, _, align, first = script_of(system, trace)
    assert [s.control for s in sends] == [1] and first == ()
    assert sends[0].then == ("dispatcher", "service_main", "service_main")
    assert thread_key("service_main") == thread_key("ServiceMain") and thread_key("worker[0]") == "worker0"

    run = ScriptedRun.__new__(ScriptedRun)  # only the thread choice is exercised here
    run.rr, run.order = 0, [thread_key(p) for p in ("worker[1]", "service_main")]
    threads = [SimpleNamespace(name=n) for n in ("dispatcher", "ServiceMain", "worker0", "worker1")]
    assert run._next_thread(threads).name == "worker1"
    run.order.pop(0)  # worker1 went on to block
    assert run._next_thread(threads[:3]).name == "ServiceMain"
    run.order = ["noneofthem"]
    assert run._next_thread(threads).name == "dispatcher" and run.order == []  # round-robin from here
    assert run._next_thread(threads).name == "ServiceMain"
