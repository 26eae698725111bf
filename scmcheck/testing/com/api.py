"""``check_implementation`` for a COM local server (``FILE.py:main``), and its traces.

Same search (scmcheck/testing/search.py: Hypothesis draws every choice,
shrinks, a seed repeats), same Report and same trace file as the service
harness; only the run (run.py) and the observers (properties/observers_com.py)
differ.  A trace is saved as ITF with ``#meta.scmcheck.implementation``
(schema, source fingerprint, choices, budgets) plus ``"kind": "com"``; its
lanes are the server's real threads, ``SCM``, the clients and ``clock``, and
its variables what the harness observes: per process ``serverN_alive``,
``serverN_active`` (class objects accepting activations), ``serverN_locks``
(pythoncom's lock count) or ``serverN_refs`` (CoAddRefServerProcess's), and per
client ``clientN_factory`` / ``clientN_instance`` (what it holds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Union

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers_com import BY_ID
from scmcheck.traces.trace import Step, Trace

from .. import loader, tracefile
from ..api import chosen_properties
from ..report import PropertyResult, Report, from_search, violated
from ..search import Stats, search
from .run import DEFAULT_CALLS, DEFAULT_DEPTH, ComRun

MODEL = "python-com-local-server"
FOCUS = {
    "server_exits_only_when_unused": ["client1_factory", "client2_factory", "client1_instance", "client2_instance"],
    "client_never_holds_disconnected_object": ["client1_factory", "client2_factory", "client1_instance",
                                               "client2_instance"],
    "no_activation_after_shutdown_decision": ["server1_active", "server1_alive"],
    "no_activation_before_init_complete": ["server1_active"],
    "unused_server_exits": ["server1_alive"],
    "activation_eventually_served": ["server1_active", "server2_active"],
    "started_server_accepts_activations": ["server1_active"],
}
_HIDDEN = {"proc"}


def check_com(target: loader.Target, runs: int, seed: Optional[int], depth: int = DEFAULT_DEPTH,
              properties: Optional[Sequence[str]] = None, out: Optional[Union[str, Path]] = None,
              watchdog_s: float = 3.0, calls: int = DEFAULT_CALLS) -> Report:
    """Search ``runs`` runs of the COM server ``target`` (module docstring).  InputError for bad input."""
    props = chosen_properties(properties, runs, depth, BY_ID, " for a COM server")
    loader.probe_com(target)
    clsids = loader.clsids_of(target)
    exec_module = loader.com_exec(target)

    def make(chooser: Any, ids: list) -> ComRun:
        return ComRun(exec_module, chooser, list(ids), clsids, depth=depth, calls=calls, watchdog_s=watchdog_s)

    stats = Stats()
    found = search(make, props, runs, seed, stats)  # type: ignore[arg-type]
    budgets = {"depth": depth, "calls": calls, "watchdog_s": watchdog_s}
    return _report(target, props, found, stats, seed, runs, out, budgets)


def _report(target: loader.Target, props: list, found: list, stats: Stats, seed: Optional[int], runs: int,
            out: Optional[Union[str, Path]], budgets: dict) -> Report:
    by_prop = {f.property: f for f in found}
    results = []
    for p in props:
        ob, f = BY_ID[p], by_prop.get(p)
        if f is not None:
            trace = to_trace(f.outcome, target.spec, target.cls_name, p)
            path = _save(trace, f.outcome, target, p, out, budgets) if out is not None else None
            results.append(violated(p, ob.rules, f, stats, trace, path))
        elif stats.exercised.get(p):
            results.append(PropertyResult(p, ob.rules, "passed", stats.exercised[p]))
        else:  # the COM report has no "not applicable": it never asked the COM observers (see report.unviolated)
            results.append(PropertyResult(p, ob.rules, "not exercised"))
    # handler_errors stays empty: ComRun records none (no HandlerEx in a COM server)
    return from_search(target.spec, target.sha256, stats, seed, runs, results, delivered_what="client calls")


def _save(trace: Trace, outcome: Any, target: loader.Target, prop: str, out: Union[str, Path],
          budgets: dict) -> str:
    path = Path(out) / f"{target.path.stem}.{target.cls_name}.{prop}.impl.itf.json"
    try:
        tracefile.save(trace, outcome, path, target.sha256, budgets, target.path)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write the trace ({exc.strerror or exc}); give a writable "
                         "folder") from None
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    data["#meta"]["scmcheck"]["implementation"]["kind"] = "com"
    from scmcheck.traces.itf import write_atomic

    write_atomic(path, json.dumps(data, indent=1) + "\n")
    return str(path)


def to_trace(out: Any, target: str, design: str, prop: Optional[str]) -> Trace:
    """The run as a Trace (module docstring), ending at the violation, if any."""
    events = tracefile.until_violation(out)
    variables = sorted(tracefile.event_vars(events).values(), key=lambda v: v.name)
    pos = {v.name: i for i, v in enumerate(variables)}
    state: list = [False if v.kind == "bool" else 0 for v in variables]
    init = tuple(state)
    steps, lanes = [], ["SCM", "client1", "client2"]
    for e in events:
        vars_ = e.fields.get("_vars", {})
        for k, v in vars_.items():
            state[pos[k]] = bool(v) if isinstance(v, bool) else int(v)
        if e.thread and e.thread not in lanes:
            lanes.append(e.thread)
        if e.kind == "thread_started" and e.fields.get("name") not in lanes:
            lanes.append(e.fields["name"])
        steps.append(Step(e.kind, e.thread, _args(e), tuple(state), e.time_ms / 1000, (), tuple(vars_)))
    tracefile.last(lanes, ("import", "clock"))
    ob = BY_ID.get(prop) if prop else None
    return Trace(model=MODEL, variables=variables, init=init, steps=steps, property=prop,
                 rules=list(ob.rules) if ob else [], engine=tracefile.ENGINE, design=design, target=target,
                 time_unit=0.001, processes=lanes,
                 focus=[f for f in FOCUS.get(prop or "", []) if f in pos])


def _args(e: Any) -> dict:
    out = {}
    for k, v in e.fields.items():
        if k.startswith("_") or k in _HIDDEN and e.kind not in ("process_started", "process_exited"):
            continue
        if k == "to_ms":
            k, v = "to_s", v / 1000
        out[k] = v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
    return out


def replay_com(path: Path, target_spec: Optional[str] = None) -> tuple[str, Any, str]:
    """Re-run the COM server of trace ``path`` with its recorded choices (tracefile.replay's contract:
    ``reproduced``, ``not reproduced`` or ``stale``).  InputError for a file that is not a COM trace."""
    from scmcheck.traces.itf import load

    meta = tracefile.implementation_meta(Path(path))
    if meta is None or meta.get("schema") != tracefile.SCHEMA or meta.get("kind") != "com":
        raise InputError(f"{path}: not a COM implementation trace (#meta.scmcheck.implementation.kind is not "
                         "'com'); regenerate it with scmcheck test FILE.py:main")
    trace = load(Path(path))
    target = loader.load(target_spec or tracefile.target_of(Path(path), meta) or trace.target)
    if target.sha256 != meta.get("source_sha256"):
        return "stale", None, (f"stale: {target.path} has changed since the trace was saved; the recorded choices "
                               "do not apply to changed code, so it is not replayed")
    from ..search import Replay

    b = meta.get("budgets", {})
    run = ComRun(loader.com_exec(target), Replay(meta.get("choices", [])),
                 [trace.property] if trace.property else list(BY_ID), loader.clsids_of(target),
                 depth=int(b.get("depth", DEFAULT_DEPTH)), calls=int(b.get("calls", DEFAULT_CALLS)),
                 watchdog_s=float(b.get("watchdog_s", 3.0)))
    out = run.execute()
    got = out.violation.property if out.violation else None
    if got == trace.property:
        return "reproduced", out, f"re-run with the recorded choices: {got} violated again"
    return "not reproduced", out, f"re-run with the recorded choices ended {out.outcome} without violating " \
                                  f"{trace.property}"
