"""``check_implementation``: the Python API behind ``scmcheck test`` (see the package docstring)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers import BY_ID

from . import loader, tracefile
from .report import Report, from_search, unviolated, violated
from .run import DEFAULT_CONTROLS, DEFAULT_DEPTH
from .scheduler import DEFAULT_WATCHDOG_S
from .search import Stats, make_runner, search

DEFAULT_RUNS = 100


def check_implementation(cls_or_target: Union[type, str, Callable[..., Any]], runs: int = DEFAULT_RUNS,
                         seed: Optional[int] = None, depth: int = DEFAULT_DEPTH, properties: Optional[Sequence[str]] = None,
                         out: Optional[Union[str, Path]] = None, watchdog_s: float = DEFAULT_WATCHDOG_S,
                         controls: int = DEFAULT_CONTROLS, unsaved_data: Optional[str] = None) -> Report:
    """Search ``runs`` runs of the service for violations of ``properties`` (default: every observer).

    A *function* target (``"FILE.py:main"``, or the function itself) is a COM local server's entry
    function: it is run under COM's SCM and clients instead (scmcheck/testing/com/api.py, observers of
    properties/observers_com.py); ``controls`` and ``unsaved_data`` do not apply to it.

    ``cls_or_target``: a ServiceFramework subclass (its module's file is executed afresh under the
    stand-ins for every run) or ``"FILE.py:Class"``.  ``depth``: scheduling steps per run.  ``out``: a
    folder for the traces of violations (None: not saved).  ``unsaved_data``: the name of an attribute
    or method of the service object that is true while it holds data not yet saved (judged by
    ``no_data_loss_at_shutdown``; default: the class attribute ``_scmcheck_unsaved_data_``, if any).
    InputError (one line) for bad input.
    """
    if isinstance(cls_or_target, str):
        target = loader.load(cls_or_target)
    elif callable(cls_or_target) and not isinstance(cls_or_target, type):
        target = loader.from_function(cls_or_target)
    else:
        target = loader.from_class(cls_or_target)
    if loader.is_function_target(target):  # FILE.py:main, a COM local server's entry (scmcheck/testing/com)
        from .com.api import check_com

        return check_com(target, runs=runs, seed=seed, depth=depth, properties=properties, out=out,
                         watchdog_s=watchdog_s)
    props = chosen_properties(properties, runs, depth)
    if unsaved_data is not None and not str(unsaved_data).isidentifier():
        raise InputError(f"--unsaved-data {unsaved_data!r}: give the name of an attribute or method of the service "
                         "object, e.g. --unsaved-data pending_records")
    _probe(target)
    stats = Stats()
    found = search(make_runner(target.make_class, depth, controls, watchdog_s, unsaved_data), props, runs, seed,
                   stats)
    bad = next((e for e in stats.errors if e.startswith("unsaved data ")), None)
    if bad is not None:
        raise InputError(f"{target.spec}: {bad}; name an attribute or method the service object has when its "
                         "process ends (--unsaved-data, or _scmcheck_unsaved_data_)")
    by_prop = {f.property: f for f in found}
    results = []
    budgets = {"depth": depth, "controls": controls, "watchdog_s": watchdog_s, "unsaved_data": unsaved_data}
    for p in props:
        ob = BY_ID[p]
        f = by_prop.get(p)
        if f is not None:
            trace = tracefile.to_trace(f.outcome, target.spec, target.cls_name, p)
            path = None
            if out is not None:
                path = Path(out) / f"{_slug(target.path.stem)}.{target.cls_name}.{p}.impl.itf.json"
                try:
                    tracefile.save(trace, f.outcome, path, target.sha256, budgets, target.path)
                except OSError as exc:
                    raise InputError(f"--out {out}: cannot write the trace ({exc.strerror or exc}); give a "
                                     "writable folder") from None
            results.append(violated(p, ob.rules, f, stats, trace, str(path) if path else None))
        else:
            results.append(unviolated(p, ob, stats))
    return from_search(target.spec, target.sha256, stats, seed, runs, results)


def chosen_properties(properties: Optional[Sequence[str]], runs: int, depth: int, registry: Any = BY_ID,
                      observed: str = "") -> list[str]:
    """The properties to search for (default: every entry of ``registry``), once they and the budgets are
    checked; InputError (one line) otherwise.  ``observed``: what the observers judge, when not a service
    (" for a COM server")."""
    props = list(properties) if properties else list(registry)
    for p in props:
        if p not in registry:
            raise InputError(f"--property {p}: not a property scmcheck test observes{observed}; use one of "
                             f"{', '.join(registry)}")
    if runs < 1:
        raise InputError(f"--runs {runs}: give at least 1")
    if depth < 1:
        raise InputError(f"--depth {depth}: give at least 1 scheduling step per run")
    return props


def _probe(target: loader.Target) -> None:
    """Import the module once (in a throwaway run) so bad input is reported before any search."""
    from .run import Run
    from .search import Replay

    run = Run(target.make_class, Replay([]), [], depth=1)
    from . import context

    context.set_active(run)
    try:
        target.make_class()
    finally:
        context.set_active(None)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
