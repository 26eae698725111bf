"""Saved implementation traces as pytest tests (scmcheck/testing/pytest_plugin.py collects them).

Each ``*.impl.itf.json`` is one test, ``replay``: it re-runs the service the
trace names with the trace's recorded choices (scmcheck/testing/tracefile.py
``replay``), and

* fails with the counterexample when the trace's property is violated again
  (the bug is still there);
* fails when the same source no longer reproduces it (the harness, or a
  module the service imports, has changed: the trace needs re-recording);
* is **stale** when the service's file has changed since the trace was
  recorded (its SHA-256 differs): the recorded choices belong to other code,
  so it is not replayed.  Skipped by default, failed with
  ``--scmcheck-stale=fail``; both say "stale" and how to refresh.  With
  ``--scmcheck-refresh`` the trace's property is searched again on the
  service as it is now (the trace's budgets, ``--scmcheck-runs`` runs): if it
  is still violated the trace is re-recorded in place and the test fails; if
  not, the trace is deleted and the test passes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest


class TraceFailure(Exception):
    """A replay that failed: shown as its text, without a Python traceback."""


class TraceFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield TraceItem.from_parent(self, name="replay")


class TraceItem(pytest.Item):
    def runtest(self) -> None:
        from scmcheck.model.lang.errors import InputError
        from scmcheck.traces.itf import load
        from scmcheck.traces.render import render_text

        from . import tracefile

        path = Path(str(self.path))
        meta = tracefile.implementation_meta(path)
        if meta is None:
            raise TraceFailure(f"{path}: not a trace of scmcheck test (no #meta.scmcheck.implementation); "
                               "rename it if it is not one")
        try:
            trace = load(path)
            spec = tracefile.target_of(path, meta)
            status, out, text = tracefile.replay(path, spec)
        except InputError as exc:
            raise TraceFailure(f"scmcheck: {exc}") from None
        prop = trace.property
        if status == "stale":
            if self.config.getoption("scmcheck_refresh"):
                return self._refresh(path, spec, prop, meta)
            how = (f"{text}.\nRefresh it: pytest --scmcheck-refresh (searches {prop} again on the service as it "
                   f"is now: re-records this trace if it is still violated, deletes it if not), or "
                   f"scmcheck test {spec} --property {prop} --out {path.parent}")
            if (self.config.getoption("scmcheck_stale") or self.config.getini("scmcheck_stale")) == "fail":
                raise TraceFailure(how)
            _skip(how)
        if status == "reproduced":
            shown = tracefile.to_trace(out, trace.target or spec, trace.design or "", prop)
            raise TraceFailure(f"{prop} is still violated: re-running {spec} with this trace's recorded choices "
                               f"breaks it again\n{render_text(shown)}\n  why: {out.violation.reason}")
        raise TraceFailure(f"{text}, though {spec} has not changed since the trace was recorded: the harness or a "
                           f"module the service imports has; re-record it with scmcheck test {spec} --property "
                           f"{prop} --out {path.parent}")

    def _refresh(self, path: Path, spec: str, prop: str, meta: dict) -> None:
        from .api import DEFAULT_RUNS, check_implementation

        b = meta.get("budgets") or {}
        runs = self.config.getoption("scmcheck_runs") or DEFAULT_RUNS
        with tempfile.TemporaryDirectory() as tmp:
            report = check_implementation(spec, runs=runs, properties=[prop], depth=int(b.get("depth", 3000)),
                                          controls=int(b.get("controls", 4)), out=tmp,
                                          unsaved_data=b.get("unsaved_data"))
            hit = next((r for r in report.violated if r.id == prop), None)
            if hit is None:
                path.unlink()
                _note(self.config, f"removed {path}: no violation of {prop} in {report.runs} runs of {spec} "
                                   "as it is now")
                return
            os.replace(hit.trace_file, path)
        _note(self.config, f"re-recorded {path}: {prop} is still violated")
        raise TraceFailure(f"refreshed: {prop} is still violated by {spec}; the trace is re-recorded\n"
                           f"{report.text()}")

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, TraceFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple:
        return self.path, 0, f"scmcheck replay of {Path(str(self.path)).name}"


def _skip(reason: str) -> None:
    """Skip, reported at the trace file (not at this module's line) where pytest allows it."""
    try:
        exc = pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # a pytest without _use_item_location
        pytest.skip(reason)
    raise exc


_NOTES = pytest.StashKey[list]()


def _note(config: pytest.Config, text: str) -> None:
    config.stash.setdefault(_NOTES, []).append(text)


def notes(config: pytest.Config) -> list:
    """What --scmcheck-refresh did, for the terminal summary."""
    return list(config.stash.get(_NOTES, []))
