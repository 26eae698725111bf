"""A run of real code as a Trace (traces/trace.py), saved as ITF and replayed by re-running.

The Trace type was made for model runs: ``scmcheck show`` re-checks a model
trace by replaying its actions against the rebuilt model.  A run of real code
has no model to replay against, so an implementation trace is replayed by
**re-running the service with the recorded choices**: the ITF file keeps,
under ``#meta.scmcheck.implementation``, the schema version
(:data:`SCHEMA`), the SHA-256 of the service's source file, the target (as
given, and as a path relative to the trace's folder, so a trace kept beside
the tests still finds its service from another working directory or
checkout), the run's budgets and every choice the scheduler drew.  :func:`replay` executes
the service again with those choices (scmcheck/testing/search.py ``Replay``)
and checks that the same property is violated; a source whose fingerprint
differs is reported *stale* rather than replayed.

The trace's variables are what the SCM and the harness observe (the last
status reported, its checkpoint, wait hint and accept mask, the control
queued, the handler's activity, the service threads alive) and one variable
per synchronisation object the service made (``ev1``: an event is
signalled; ``q1``: a queue's length), so cause arrows show *control sent ->
handler runs* and *event set -> wait returns*.  A step's ``process`` is the
thread that made it: each real thread gets its own lane; ``SCM``, ``process``
and ``clock`` are the harness's.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any, Optional

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers import BY_ID, STATE_NAMES
from scmcheck.traces.trace import Step, Trace, VarInfo

from .run import CONTROLS, Outcome

SCHEMA = "scmcheck.implementation-trace/1"
ENGINE = "scheduler"
MODEL = "pywin32-service"
_CONTROL_VALUES = ("NONE", *dict.fromkeys(CONTROLS.values()), "OTHER")
_FIXED = [
    VarInfo("reported", "enum", 0, 7, tuple(STATE_NAMES[i] for i in range(8))),
    VarInfo("checkpoint", "int", 0, 2**31),
    VarInfo("wait_hint", "int", 0, 2**32, (), 0.001),  # ms, shown in seconds (the trace's time unit)
    VarInfo("accepted", "int", 0, 2**32),
    VarInfo("control", "enum", 0, len(_CONTROL_VALUES) - 1, _CONTROL_VALUES),
    VarInfo("handler", "enum", 0, len(_CONTROL_VALUES), ("idle", *_CONTROL_VALUES)),
    VarInfo("stop_sent", "bool"),
    VarInfo("shutdown", "bool"),
    VarInfo("threads_alive", "int", 0, 10_000),
]
FOCUS = {
    "stopped_only_after_threads_exit": ["reported", "threads_alive"],
    "handler_returns_within_30s": ["handler"],
    "pending_progress_within_wait_hint": ["reported", "checkpoint", "wait_hint"],
    "no_status_after_stopped": ["reported"],
    "interrogate_reports_current_state": ["reported", "handler"],
    "interrogate_always_answered": ["handler"],
    "no_data_loss_at_shutdown": ["shutdown", "threads_alive"],
    "stop_reaches_stopped": ["stop_sent", "reported"],
    "reported_state_matches_actual": ["reported", "threads_alive"],
    "only_accepted_controls_delivered": ["reported", "accepted", "control"],
    "state_change_reported_by_handler": ["reported", "handler"],
    "no_exit_before_stopped": ["reported", "threads_alive"],
    "start_reaches_running": ["reported"],
}
_SHOWN = {
    "status_reported": ("state", "checkpoint", "wait_hint_ms"),
    "control_sent": ("name", "event"), "handler_entered": ("name", "event"),
    "handler_returned": ("name", "result", "duration_ms"), "handler_raised": ("name", "error"),
    "thread_started": ("name",), "thread_exited": (), "time_advanced": ("to_ms",),
}
HOST_LANES = ("SCM", "dispatcher", "ServiceMain")


def _value(var: VarInfo, raw: Any) -> Any:
    if var.kind == "enum":
        return var.values.index(raw) if raw in var.values else var.values.index("OTHER") \
            if "OTHER" in var.values else 0
    if var.kind == "bool":
        return bool(raw)
    return int(raw)


def to_trace(out: Outcome, target: str, design: str, prop: Optional[str]) -> Trace:
    """The run ``out`` as a Trace (module docstring), ending at the violation, if any."""
    events = until_violation(out)
    extra = event_vars(events, {f.name for f in _FIXED})
    variables = _FIXED + list(extra.values())
    pos = {v.name: i for i, v in enumerate(variables)}
    state = [0] * len(variables)
    state[pos["reported"]] = STATE_NAMES_INDEX["START_PENDING"]
    for v in variables:
        if v.kind == "bool":
            state[pos[v.name]] = False
    init = tuple(state)
    steps = []
    lanes: list[str] = ["SCM", "dispatcher", "ServiceMain"]
    for e in events:
        vars_ = e.fields.get("_vars", {})
        for k, v in vars_.items():
            state[pos[k]] = _value(variables[pos[k]], v)
        args = _args(e)
        for lane in (e.thread, e.fields.get("name") if e.kind == "thread_started" else None):
            if lane and lane not in lanes:  # a lane for every real thread, even one that never got to run
                lanes.append(lane)
        steps.append(Step(e.kind, e.thread, args, tuple(state), e.time_ms / 1000,
                          tuple(e.fields.get("_reads", ())), tuple(vars_)))
    last(lanes, ("process", "clock"))
    ob = BY_ID.get(prop) if prop else None
    return Trace(model=MODEL, variables=variables, init=init, steps=steps, property=prop,
                 rules=list(ob.rules) if ob else [], engine=ENGINE, design=design, target=target,
                 time_unit=0.001, processes=lanes, focus=FOCUS.get(prop or "", []))


STATE_NAMES_INDEX = {name: i for i, name in STATE_NAMES.items()}


# Shared with scmcheck/testing/com/api.py, whose traces are built from its runs' events the same way.


def until_violation(out: Any) -> list:
    """The run's events, up to and with the violation (a trace ends there), or all of them."""
    if out.violation is None:
        return out.events
    return [e for e in out.events if e.seq <= out.violation.seq]


def event_vars(events: list, known: Any = ()) -> dict[str, VarInfo]:
    """The variables the events set (their ``_vars``) besides ``known``, in order of first appearance: a
    bool where the first value is one, else an int."""
    found: dict[str, VarInfo] = {}
    for e in events:
        for k, v in e.fields.get("_vars", {}).items():
            if k not in found and k not in known:
                found[k] = VarInfo(k, "bool") if isinstance(v, bool) else VarInfo(k, "int", 0, 2**31)
    return found


def last(lanes: list[str], tails: tuple[str, ...]) -> None:
    """Move the lanes ``tails`` that are present to the end, in that order (the harness's own lanes)."""
    for tail in tails:
        if tail in lanes:
            lanes.remove(tail)
            lanes.append(tail)


def _args(e: Any) -> dict:
    keys = _SHOWN.get(e.kind)
    items = {k: v for k, v in e.fields.items() if not k.startswith("_")} if keys is None else \
        {k: e.fields[k] for k in keys if k in e.fields}
    out = {}
    for k, v in items.items():
        if k == "event" and not v:
            continue
        if k == "state":
            v = STATE_NAMES.get(v, v)
        elif k in ("to_ms", "duration_ms", "wait_hint_ms"):
            k, v = k[:-3] + "_s", v / 1000
        if isinstance(v, (list, tuple)):
            v = ", ".join(map(str, v))
        out[k] = v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
    return out


def save(trace: Trace, out: Outcome, path: Path, sha256: str, budgets: dict, source: Optional[Path] = None,
         extra: Optional[dict] = None) -> Path:
    """Write ``trace`` as ITF with the implementation fields (module docstring), atomically.
    ``source``: the service's file, recorded relative to the trace's folder too.  ``extra``: more
    fields for ``#meta.scmcheck.implementation`` (the ``adapter`` of scmcheck/testing/adapter.py)."""
    from scmcheck.traces.itf import to_itf, write_atomic

    data = to_itf(trace)
    meta = {
        "schema": SCHEMA, "source_sha256": sha256, "target": trace.target, "choices": list(out.choices),
        "budgets": budgets, "reason": out.violation.reason if out.violation else None,
    }
    if source is not None:
        cls = str(trace.target).rpartition(":")[2]
        rel = os.path.relpath(Path(source).resolve(), Path(path).resolve().parent)
        meta["target_from_trace"] = f"{Path(rel).as_posix()}:{cls}"
    meta.update(extra or {})
    data["#meta"]["scmcheck"]["implementation"] = meta
    write_atomic(Path(path), json.dumps(data, indent=1) + "\n")
    return Path(path)


def implementation_meta(path: Path) -> Optional[dict]:
    """The ``#meta.scmcheck.implementation`` object of a trace file, or None for a model trace."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        meta = data["#meta"]["scmcheck"].get("implementation")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # not an implementation trace; itf.load reports what is wrong with a damaged file
    return meta if isinstance(meta, dict) else None


def target_of(path: Path, meta: dict) -> str:
    """The ``FILE.py:Class`` a trace names: its path relative to the trace's folder if that file exists,
    else the target as it was given when the trace was saved."""
    rel = meta.get("target_from_trace")
    if isinstance(rel, str) and ":" in rel:
        file, _, cls = rel.rpartition(":")
        here = Path(path).resolve().parent / file
        if here.is_file():
            return f"{os.path.normpath(here)}:{cls}"
    return str(meta.get("target") or "")


def replay(path: Path, target_spec: Optional[str] = None) -> tuple[str, Optional[Outcome], str]:
    """Re-run the service of trace ``path`` with its recorded choices.

    ``(status, outcome, text)``: status ``reproduced`` (the same property is violated), ``not
    reproduced``, or ``stale`` (the source's SHA-256 differs from the trace's; not run).
    InputError for a file that is not an implementation trace.
    """
    from . import loader
    from .run import Run
    from .search import Replay

    meta = implementation_meta(path)
    if meta is not None and meta.get("replay_of"):  # driven by a model trace's script, not by recorded choices
        raise InputError(f"{path}: a run of scmcheck replay, driven by the model trace {meta['replay_of']} (its "
                         "choices are not recorded); re-run it with scmcheck replay "
                         f"{shlex.quote(str(meta['replay_of']))} --impl {shlex.quote(str(meta.get('target', '')))}")
    if meta is not None and meta.get("kind") == "com":  # a run of a COM local server: scmcheck/testing/com/api.py
        from .com.api import replay_com

        return replay_com(path, target_spec)
    if meta is not None and isinstance(meta.get("adapter"), dict):  # a run of an adapter: target_spec is its command
        from .adapter import replay_trace

        return replay_trace(path, target_spec)
    if meta is None or meta.get("schema") != SCHEMA:
        raise InputError(f"{path}: field #meta.scmcheck.implementation.schema is not {SCHEMA!r}; regenerate the "
                         "trace with scmcheck test")
    from scmcheck.traces.itf import load

    trace = load(path)
    spec = target_spec or target_of(path, meta) or trace.target
    target = loader.load(spec)
    if target.sha256 != meta.get("source_sha256"):
        was = str(meta.get("source_sha256"))[:12]
        return "stale", None, (f"stale: {target.path} has changed since the trace was saved (its SHA-256 is now "
                               f"{target.sha256[:12]}…, the trace was recorded from {was}…); the recorded choices "
                               "do not apply to changed code, so it is not replayed")
    b = meta.get("budgets", {})
    run = Run(target.make_class, Replay(meta.get("choices", [])), [trace.property] if trace.property else list(BY_ID),
              depth=int(b.get("depth", 3000)), controls=int(b.get("controls", 4)),
              watchdog_s=float(b.get("watchdog_s", 3.0)), unsaved_data=b.get("unsaved_data"))
    out = run.execute()
    got = out.violation.property if out.violation else None
    if got == trace.property:
        return "reproduced", out, f"re-run with the recorded choices: {got} violated again"
    return "not reproduced", out, (f"re-run with the recorded choices ended {out.outcome} without violating "
                                   f"{trace.property}")
