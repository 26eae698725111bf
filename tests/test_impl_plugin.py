"""The pytest plugin (scmcheck/testing/pytest_plugin.py), run in inner pytest sessions with pytester."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"


def _registered() -> bool:
    """Whether the installed scmcheck declares the pytest11 entry point (an editable install made before
    it was added does not; then the inner sessions load the plugin with -p)."""
    return any(ep.value == "scmcheck.testing.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))


PLUGIN = () if _registered() else ("-p", "scmcheck.testing.pytest_plugin")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *PLUGIN, *args)


@pytest.fixture
def services(pytester: pytest.Pytester) -> Path:
    """A copy of two examples beside the inner tests, in services/."""
    d = pytester.path / "services"
    d.mkdir()
    for name in ("correct_service.py", "svcdorun_returns_early.py"):
        (d / name).write_text((EX / name).read_text())
    return d


def test_marker_fails_with_the_counterexample_and_passes_a_correct_service(pytester, services):
    pytester.makepyfile(test_svc="""
        import pytest

        @pytest.mark.scmcheck("services/svcdorun_returns_early.py:EarlyReturnService", runs=30,
                              properties=["stopped_only_after_threads_exit"])
        def test_buggy():
            pass

        @pytest.mark.scmcheck("services/correct_service.py:CorrectService", runs=20)
        def test_correct():
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*VIOLATED*stopped_only_after_threads_exit*",
                                 "*counterexample to stopped_only_after_threads_exit*",
                                 "*why: SERVICE_STOPPED reported by ServiceMain while worker0, worker1 still run*",
                                 "*rerun:   scmcheck test *svcdorun_returns_early.py:EarlyReturnService --runs 30*"])
    assert "Traceback" not in result.stdout.str()


def test_fixture_returns_the_report_and_fails_on_a_violation(pytester, services):
    pytester.makepyfile(test_svc="""
        def test_correct(scmcheck):
            report = scmcheck.check("services/correct_service.py:CorrectService", runs=10,
                                    properties=["stop_reaches_stopped"])
            assert report.status == 0 and report.runs == 10

        def test_buggy(scmcheck):
            scmcheck.check("services/svcdorun_returns_early.py:EarlyReturnService", runs=30)
            raise AssertionError("not reached")
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert "not reached" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*counterexample to stopped_only_after_threads_exit*"])


def test_bad_target_is_one_line(pytester):
    pytester.makepyfile(test_svc="""
        import pytest

        @pytest.mark.scmcheck("services/missing.py:Nope")
        def test_missing():
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*scmcheck: services/missing.py: cannot read the service file*"])
    assert "Traceback" not in result.stdout.str()


def _record(pytester, services) -> Path:
    """Search the buggy service with --scmcheck-out traces/; the trace of its violation is saved there."""
    pytester.makepyfile(test_svc="""
        import pytest

        @pytest.mark.scmcheck("services/svcdorun_returns_early.py:EarlyReturnService", runs=30,
                              properties=["stopped_only_after_threads_exit"])
        def test_buggy():
            pass
    """)
    run(pytester, "--scmcheck-out", "traces").assert_outcomes(failed=1)
    (trace,) = (pytester.path / "traces").glob("*.impl.itf.json")
    (pytester.path / "test_svc.py").unlink()
    return trace


def test_saved_trace_is_a_regression_test_that_fails_while_the_bug_is_there(pytester, services):
    trace = _record(pytester, services)
    meta = json.loads(trace.read_text())["#meta"]["scmcheck"]["implementation"]
    assert meta["target_from_trace"] == "../services/svcdorun_returns_early.py:EarlyReturnService"
    result = run(pytester, "traces", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*traces/*.impl.itf.json::replay FAILED*",
                                 "*stopped_only_after_threads_exit is still violated*",
                                 "*why: SERVICE_STOPPED reported by ServiceMain*"])
    assert "Traceback" not in result.stdout.str()


def test_stale_trace_is_skipped_with_how_to_refresh_never_replayed(pytester, services):
    trace = _record(pytester, services)
    svc = services / "svcdorun_returns_early.py"
    svc.write_text(svc.read_text() + "\n# a comment: any change makes the recorded choices another program's\n")
    result = run(pytester, "traces", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*stale: *svcdorun_returns_early.py has changed since the trace was saved*",
                                 "*pytest --scmcheck-refresh*"])
    failing = run(pytester, "traces", "--scmcheck-stale=fail")
    failing.assert_outcomes(failed=1)
    failing.stdout.fnmatch_lines(["*stale: *not replayed*"])
    assert trace.exists()


def test_refresh_rerecords_a_trace_still_violated_and_deletes_a_fixed_one(pytester, services):
    trace = _record(pytester, services)
    svc = services / "svcdorun_returns_early.py"
    before = json.loads(trace.read_text())["#meta"]["scmcheck"]["implementation"]["source_sha256"]
    svc.write_text(svc.read_text() + "\n# still buggy\n")
    result = run(pytester, "traces", "--scmcheck-refresh", "--scmcheck-runs", "30")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refreshed: stopped_only_after_threads_exit is still violated*",
                                 "scmcheck: re-recorded *"])
    after = json.loads(trace.read_text())["#meta"]["scmcheck"]["implementation"]["source_sha256"]
    assert after != before
    run(pytester, "traces").assert_outcomes(failed=1)  # fresh again: replayed, still failing
    fixed = svc.read_text().replace("# BUG: no join; the host reports SERVICE_STOPPED when this returns",
                                    "for w in self.workers:\n            w.join()")
    assert fixed != svc.read_text()
    svc.write_text(fixed)
    result = run(pytester, "traces", "--scmcheck-refresh", "--scmcheck-runs", "30")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["scmcheck: removed *: no violation of stopped_only_after_threads_exit in 30 runs*"])
    assert not trace.exists()
