"""pytest plugin: fuzz a pywin32 service from a test suite, and keep its counterexamples as regression tests.

It comes with scmcheck (``pytest11`` entry point ``scmcheck`` in
pyproject.toml): installing scmcheck in the test environment is all it takes.
Three ways in:

* the **marker** ``@pytest.mark.scmcheck("FILE.py:Class", runs=..., seed=...,
  properties=[...], depth=..., unsaved_data=...)``: after the test's own body
  passes, scmcheck searches the service (scmcheck.testing.check_implementation)
  and fails the test with the rendered counterexample of every violation;
* the **fixture** ``scmcheck``: ``scmcheck.check("FILE.py:Class", ...)`` does
  the same from inside a test and returns the Report
  (scmcheck/testing/report.py) when nothing is violated, for further asserts;
* **saved traces**: every ``*.impl.itf.json`` file pytest comes across while
  collecting (give its folder on the command line, or keep it under
  ``testpaths``) is a test that re-runs the service with the trace's recorded
  choices (scmcheck/testing/pytest_traces.py).  A trace is a bug report: it
  fails while its property is still violated.  A trace recorded from another
  version of the service (the file's SHA-256 differs) is **stale**: it is
  never replayed (its choices belong to other code) but skipped, with the word
  "stale" and how to refresh it (``--scmcheck-stale=fail`` fails instead).
  ``pytest --scmcheck-refresh`` re-searches the trace's property on the
  service as it is now: it re-records the trace if the violation is still
  there (and fails), and deletes the trace if not (the change fixed it).

A ``FILE.py`` that is relative is looked up beside the test file first, then
in the working directory.  The service is loaded as ``scmcheck test`` loads
it: pywin32 is not needed, and the ``if __name__ == "__main__":`` block does
not run.

Options: ``--scmcheck-runs N`` (runs per search, overriding the marker's and
the fixture's), ``--scmcheck-seed S``, ``--scmcheck-out DIR`` (save the
trace of each violation there: point it at the folder of regression traces),
``--scmcheck-refresh``, ``--scmcheck-stale {skip,fail}`` (ini:
``scmcheck_stale``).

A complete example.  ``tests/services/my_service.py``::

    import threading, time
    import win32event, win32service, win32serviceutil

    class MyService(win32serviceutil.ServiceFramework):
        _svc_name_ = "MyService"

        def __init__(self, args):
            win32serviceutil.ServiceFramework.__init__(self, args)
            self.stop_event = win32event.CreateEvent(None, True, False, None)
            self.worker = threading.Thread(target=lambda: time.sleep(3))

        def SvcStop(self):
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
            win32event.SetEvent(self.stop_event)

        def SvcShutdown(self):
            self.SvcStop()

        def SvcDoRun(self):
            self.worker.start()
            win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
            self.worker.join()

``tests/test_my_service.py``::

    import pytest

    @pytest.mark.scmcheck("services/my_service.py:MyService", runs=100)
    def test_lifecycle():
        pass  # the search runs after the body; a violation fails the test

    def test_stop_only(scmcheck):
        report = scmcheck.check("services/my_service.py:MyService",
                                properties=["stop_reaches_stopped"], runs=50)
        assert report.status == 0

Then ``pytest tests --scmcheck-out tests/scmcheck-traces`` keeps the trace
of any violation in ``tests/scmcheck-traces/``, which the next ``pytest
tests`` replays as ``tests/scmcheck-traces/....impl.itf.json::replay``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Union

import pytest

MARKER = "scmcheck"
TRACE_SUFFIX = ".impl.itf.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scmcheck", "scmcheck: fuzz pywin32 services (scmcheck.testing)")
    group.addoption("--scmcheck-runs", type=int, default=None, metavar="N",
                    help="runs per search, overriding the marker's and scmcheck.check()'s")
    group.addoption("--scmcheck-seed", type=int, default=None, metavar="S",
                    help="seed of every search (default: each search's own, or the same fixed runs)")
    group.addoption("--scmcheck-out", default=None, metavar="DIR",
                    help="save the trace of every violation found in DIR (e.g. a folder of regression traces)")
    group.addoption("--scmcheck-refresh", action="store_true", default=False,
                    help="for each stale saved trace: search its property again; re-record the trace if it is "
                         "still violated, delete it if not")
    group.addoption("--scmcheck-stale", choices=("skip", "fail"), default=None,
                    help="what a stale saved trace is (default: the ini value scmcheck_stale, else skip)")
    parser.addini("scmcheck_stale", "skip or fail: what a stale saved trace (*.impl.itf.json) is", default="skip")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(target, runs=100, seed=None, properties=None, depth=None, unsaved_data=None): "
                   "after the test body, search the pywin32 service FILE.py:Class with scmcheck and fail with the "
                   "counterexample of any violation")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional[pytest.Collector]:
    if file_path.name.endswith(TRACE_SUFFIX):
        from .pytest_traces import TraceFile

        return TraceFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(trylast=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The marker's search, after the test body (pytest's own pytest_runtest_call) has passed."""
    mark = item.get_closest_marker(MARKER)
    if mark is None:
        return
    kwargs = dict(mark.kwargs)
    target = mark.args[0] if mark.args else kwargs.pop("target", None)
    if target is None:
        pytest.fail(f"@pytest.mark.{MARKER}: give the service, e.g. "
                    f"@pytest.mark.{MARKER}(\"services/my_service.py:MyService\")", pytrace=False)
    Scmcheck(item.config, Path(str(item.path)).parent).check(target, **kwargs)


class Scmcheck:
    """The ``scmcheck`` fixture (module docstring)."""

    def __init__(self, config: pytest.Config, base: Path) -> None:
        self.config, self.base = config, base

    def check(self, target: Union[str, type], *, runs: Optional[int] = None, seed: Optional[int] = None,
              properties: Optional[Sequence[str]] = None, depth: Optional[int] = None,
              unsaved_data: Optional[str] = None, out: Optional[Union[str, Path]] = None) -> Any:
        """Search ``target`` (``"FILE.py:Class"`` or the class) and fail the calling test with the
        counterexample of every violation, or with the frame of a thread blocked outside the harness;
        otherwise return the Report."""
        from scmcheck.model.lang.errors import InputError

        from .api import DEFAULT_RUNS, check_implementation
        from .run import DEFAULT_DEPTH

        spec = resolve(target, self.base)
        runs = self.config.getoption("scmcheck_runs") or runs or DEFAULT_RUNS
        cli_seed = self.config.getoption("scmcheck_seed")
        seed = cli_seed if cli_seed is not None else seed
        out = out or self.config.getoption("scmcheck_out")
        try:
            report = check_implementation(spec, runs=runs, seed=seed, properties=properties,
                                          depth=depth or DEFAULT_DEPTH, out=out, unsaved_data=unsaved_data)
        except InputError as exc:
            pytest.fail(f"scmcheck: {exc}", pytrace=False)
        if report.violated or report.blocked:
            rerun = f"scmcheck test {spec if isinstance(spec, str) else report.target} --runs {runs}" + \
                    (f" --seed {seed}" if seed is not None else "")
            pytest.fail(report.text(rerun), pytrace=False)
        return report


@pytest.fixture
def scmcheck(request: pytest.FixtureRequest) -> Scmcheck:
    """``scmcheck.check("FILE.py:Class", runs=..., ...)``: search a pywin32 service (module docstring)."""
    return Scmcheck(request.config, Path(str(request.path)).parent)


def resolve(target: Union[str, type], base: Path) -> Union[str, type]:
    """``FILE.py:Class`` with a relative FILE looked up beside the test first, then as given."""
    if not isinstance(target, str):
        return target
    file, sep, cls = target.rpartition(":")
    if sep and file and not Path(file).is_absolute():
        beside = base / file
        if beside.is_file():
            return f"{beside}:{cls}"
    return target


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """What ``--scmcheck-refresh`` did to the saved traces (re-recorded, deleted)."""
    if not config.getoption("scmcheck_refresh"):
        return
    from .pytest_traces import notes

    for line in notes(config):
        terminalreporter.write_line(f"scmcheck: {line}")
