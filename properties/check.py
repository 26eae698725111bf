"""Run engines on goals and make each verdict mean what it says.

Every check, with every engine:

* searches each goal's reachability **witness** with the same engine and
  bound: a property whose witness is proved unreachable gets the verdict
  ``vacuous`` (a "proved" would say nothing); one whose witness was merely not
  reached says so beside its verdict; a ``proved`` is shown with "witness
  reached in k steps";
* if the model has a clock and any engine finds a **time-lock**
  (``time_can_advance`` violated), no property keeps a ``proved``,
  ``bounded`` or ``vacuous`` verdict: time standing still cuts off every later
  behaviour, so those verdicts would be meaningless (they become ``unknown``);
* states the **assumptions** of each verdict: fairness, the clock, the model's
  cut-offs, the bound.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from scmcheck.model.lang.expr import not_
from scmcheck.model.lang.temporal import fair_processes

from .engines import ENGINES
from .result import Goal, Result, Verdict

TIME_LOCK_ID = "time_can_advance"


def check(system: Any, goals: Sequence[Goal], engines: Sequence[str],
          options: Optional[Mapping[str, Mapping[str, Any]]] = None,
          progress: Any = None, on_engine_done: Optional[Callable[[], None]] = None,
          share: Optional[float] = None) -> list[Result]:
    """One Result per (engine, goal), engines in the order given.

    ``options[engine]`` are keyword arguments for that engine's ``run`` (depth,
    timeout, runs, ...).  ``share`` (seconds; None: every engine checks every
    goal in full, a cross-check): an engine that takes a ``timeout`` spends at
    most ``share`` seconds on the goals an earlier engine has already settled
    (proved, violated or vacuous); the goals it did not finish in that time get
    the verdict ``settled``, naming the engine that settled them.  Raises
    whatever the engines raise (ModelError for a malformed model).
    """
    system.freeze()
    options = options or {}
    results: list[Result] = []
    decided: dict[int, Result] = {}  # goal index -> the first result that settled it
    for name in engines:
        opts = dict(options.get(name, {}))
        later = [i for i in range(len(goals)) if i in decided]
        if share is None or not later or "timeout" not in opts:
            out = _run(system, list(goals), name, opts, progress)
        else:
            out = _run_shared(system, goals, name, opts, progress, decided, share)
        for i, r in enumerate(out):
            if i not in decided and r.verdict in SETTLING:
                decided[i] = r
        results += out
        if on_engine_done is not None:
            on_engine_done()
    _time_locks(results)
    return results


# The verdicts that settle a property for the engines that come after (``check``'s ``share``).
SETTLING = (Verdict.PROVED, Verdict.VIOLATED, Verdict.VACUOUS)


def _run(system: Any, goals: list[Goal], name: str, opts: dict, progress: Any) -> list[Result]:
    """One engine on ``goals`` and their witnesses: one Result per goal, witness folded in."""
    if not goals:
        return []
    searches = [g for g in goals if g.witness is not None]
    witness_goals = [Goal(f"{g.id}.witness", g.rules, invariant=not_(g.witness)) for g in searches]
    out = ENGINES[name].run(system, goals + witness_goals, progress=progress, **opts)
    main, found = out[:len(goals)], dict(zip((g.id for g in searches), out[len(goals):]))
    for goal, res in zip(goals, main):
        res.kind = goal.kind
        _witness(res, goal, found.get(goal.id))
        res.assumptions = assumptions(system, goal, res)
    return main


def _run_shared(system: Any, goals: Sequence[Goal], name: str, opts: dict, progress: Any,
                decided: dict[int, Result], share: float) -> list[Result]:
    """``name`` on the goals still open with its full options, then on the settled ones within
    ``share`` seconds; a settled goal it did not finish gets ``Verdict.SETTLED``."""
    open_ = [i for i in range(len(goals)) if i not in decided]
    done = [i for i in range(len(goals)) if i in decided]
    out: dict[int, Result] = dict(zip(open_, _run(system, [goals[i] for i in open_], name, opts, progress)))
    limit = share if opts.get("timeout") is None else min(share, opts["timeout"])
    for i, r in zip(done, _run(system, [goals[i] for i in done], name, {**opts, "timeout": limit}, progress)):
        if r.extra.get("timed_out"):
            by = decided[i]
            got = f"; {r.engine} reached depth {r.bound} in it" if r.bound is not None else ""
            r.verdict = Verdict.SETTLED
            r.reason = (f"settled by {by.engine} ({by.verdict.value}); {r.engine} stopped after its share of "
                        f"{limit:g} s for a settled property{got} (--cross-check: check it in full)")
            r.extra["settled_by"] = by.engine
        out[i] = r
    return [out[i] for i in range(len(goals))]


def _witness(res: Result, goal: Goal, found: Optional[Result]) -> None:
    """Fold the witness search into the property's result (module docstring)."""
    if goal.witness is None:
        res.witness_note = "no witness given"
        return
    assert found is not None
    if found.verdict == Verdict.VIOLATED:
        res.witness_steps = found.trace.length
        res.witness_note = f"witness reached in {_steps(found.trace.length)}"
    elif found.verdict == Verdict.PROVED:
        res.witness_note = "witness unreachable"
        if res.verdict in (Verdict.PROVED, Verdict.BOUNDED):
            res.verdict = Verdict.VACUOUS
            res.reason = (f"its witness is unreachable ({found.reason}); the property's subject never "
                          "happens in this model, so 'proved' would say nothing")
    elif found.verdict == Verdict.BOUNDED:
        res.witness_note = f"witness not reached within {_steps(found.bound)}"
    else:
        res.witness_note = f"witness not reached ({found.reason})" if found.reason else "witness not reached"


def _time_locks(results: list[Result]) -> None:
    locked = [r for r in results if r.property == TIME_LOCK_ID and r.verdict == Verdict.VIOLATED]
    if not locked:
        return
    where = f"{locked[0].engine} found one in {locked[0].trace.length} steps"
    for r in results:
        if r.property != TIME_LOCK_ID and r.verdict in (Verdict.PROVED, Verdict.BOUNDED, Verdict.VACUOUS):
            was = r.verdict.value
            r.verdict = Verdict.UNKNOWN
            r.reason = (f"was {was}, but a time-lock is reachable ({TIME_LOCK_ID} is violated: {where}); "
                        "time stands still there, so later behaviour is cut off and no verdict holds")


def assumptions(system: Any, goal: Goal, res: Result) -> list[str]:
    """What the verdict ``res`` on ``goal`` assumed, in words (printed and in JSON)."""
    out = []
    if goal.kind == "leads_to":
        fair = fair_processes(system)
        env = sorted(system.environment)
        out.append("weak fairness per thread: " + (", ".join(_compress(fair)) or "none"))
        out.append("no fairness for the environment: " + (", ".join(env) or "none"))
        if system.timed:
            out.append("time progresses (runs where time stops forever are not counterexamples)")
    if system.timed:
        unit = system.time_unit
        out.append("clock: whole milliseconds; time passes from one deadline to the next (model/lang/clock.py)"
                   if unit == 0.001 else f"clock: discrete, one tick = {unit:g} s" if unit else "clock: discrete ticks")
    out.extend(system.assumptions)
    if res.verdict == Verdict.PROVED and res.states is not None:
        out.append(f"bound: every reachable state ({res.states:,})")
    elif res.bound is not None and res.verdict in (Verdict.BOUNDED, Verdict.UNKNOWN):
        out.append(f"bound: runs of at most {res.bound} steps")
    out.append("symmetry: " + res.extra.get("symmetry", "not used"))
    return out


def _compress(procs: list[str]) -> list[str]:
    """worker[0], worker[1], worker[2] -> worker[0..2] (for one-line assumptions)."""
    import re

    out: list[str] = []
    groups: dict[str, list[int]] = {}
    order: list[str] = []
    for p in procs:
        m = re.fullmatch(r"(.*)\[(\d+)\]", p)
        if m:
            if m.group(1) not in groups:
                order.append(m.group(1))
                groups[m.group(1)] = []
            groups[m.group(1)].append(int(m.group(2)))
        else:
            order.append(p)
    for key in order:
        if key in groups:
            idx = groups[key]
            out.append(f"{key}[{min(idx)}..{max(idx)}]" if len(idx) > 1 else f"{key}[{idx[0]}]")
        else:
            out.append(key)
    return out


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def goals_for(system: Any, ids: Sequence[str] = ()) -> list[Goal]:
    """The goals ``check`` takes for ``system``: the entries ``ids`` (catalog ids or the system's own
    properties, ``System.invariant`` / ``System.leads_to``), or, with no ids, every catalog entry that
    applies and every property the system declares.  ScmcheckError for an unknown id, one that does
    not apply, or a declared property the catalog refuses (an id it has, an unknown rule number)."""
    from .catalog import applicable, get

    props = [get(pid, system) for pid in ids] if ids else applicable(system)
    return [p.goal(system) for p in props]
