"""System shutdown with M services: PRESHUTDOWN, SHUTDOWN, budgets, order, data (rules 003.7-003.12).

Rules encoded (numbers from properties/rules.py):
  003.7  PRESHUTDOWN goes to every service that accepts it; the SCM waits until each has
         stopped or its preshutdown timeout has expired
  003.8  then SHUTDOWN goes to every service that accepts it, in installed-database order;
         each gets WaitToKillServiceTimeout (``wait_to_kill_ms``, about 20 s by default),
         after which shutdown proceeds regardless;
         if the system is left in its shut-down state (``end = "stay"``) services keep running
  003.9  STOP_PENDING reports with a wait hint keep the SCM waiting, but at system shutdown
         never past WaitToKillServiceTimeout (the 125 s cap of 003.9 is for a stop through
         the services snap-in, not for shutdown)
  003.10 a service either saves its data periodically and flushes only the remainder at
         shutdown, or saves everything at shutdown (``save``); on UPS power the machine may
         go off at a deadline (``power_deadline_s``)
  003.11 by default the SCM ignores dependencies at shutdown (``order = "database"``)
  003.12 PreshutdownOrder gives an order (``order = "preshutdown_order"``): the listed
         services get PRESHUTDOWN one at a time, dependents first, the SCM waiting for each

Actors: the SCM, services ``svc[0..M-1]`` (database order = index order), the UPS, the clock.
Durations are whole milliseconds (model/lang/clock.py); the ``windows`` knob selects the
documented defaults of a Windows version (model/windows/profiles.py): the preshutdown timeout
(180 s before Windows 10 1703, 10 s from build 15063 on) and WaitToKillServiceTimeout (20 s).

Simplifications, and why:
* Each service's handler is the correct one of model/families/controls.py (signal the cleanup thread,
  report, return at once), so receiving (PRE)SHUTDOWN and starting the cleanup is one step
  of the SCM.  Handler mistakes are the controls model's business.
* Services are identical apart from their place in the dependency chain; with
  ``depends`` service i depends on service i-1 (service 0 is the base, e.g. an RPC or
  database service).  The PRESHUTDOWN service (``preshutdown`` knob) is the last one, which
  nothing depends on.
* Data: a running service's unsaved data is what its cleanup flushes, so a service killed
  (power off, restart, UPS) before its cleanup finished has lost data.
* Every wait ends exactly at its documented time (wait hint, preshutdown timeout,
  WaitToKillServiceTimeout), and a cleanup that ends at that same instant counts as in time.
* SetProcessShutdownParameters: the source says the SCM uses it to give *its own* handler
  priority 0x1E0; that orders the SCM (all services at once) against applications, not
  services among themselves, so the service order is modelled by PreshutdownOrder only.
"""

from __future__ import annotations

import enum
from typing import Any, Mapping

from ..lang.clock import Clock
from ..lang.expr import Expr, all_of, any_of, ite, min_
from ..lang.clock import MS
from ..windows.profiles import profile
from ..windows.scm import units
from ..lang.system import System


class Phase(enum.IntEnum):
    """Where system shutdown is."""

    PRESHUTDOWN = 0  # PRESHUTDOWN sent to the services that accept it; the SCM waits (003.7)
    SHUTDOWN = 1  # SHUTDOWN sent in database order; the SCM waits within the budgets (003.8, 003.9)
    OFF = 2  # powered off or restarted: every process is gone
    HALTED = 3  # left in the shut-down state: processes keep running (003.8)
    UP = 4  # the system is up: shutdown has not begun (a single-service design, ServiceModel.system_shutdown)


class Run(enum.IntEnum):
    """Where one service process is."""

    RUNNING = 0  # has not received (PRE)SHUTDOWN
    CLEANING = 1  # received it; its cleanup thread flushes unsaved data (reports STOP_PENDING)
    STOPPED = 2  # reported SERVICE_STOPPED and exited
    KILLED = 3  # the machine went off under it
    FAILED = 4  # failed because a service it depends on had stopped (003.11)


DEFAULTS: dict[str, Any] = {
    "services": 2,
    "depends": False,  # service i depends on service i-1
    "order": "database",  # database (003.11) or preshutdown_order (003.12)
    "preshutdown": "none",  # the last service accepts PRESHUTDOWN: none | stops | never_stops
    "windows": "10-1703",  # the Windows profile: documented defaults (model/windows/profiles.py)
    "preshutdown_timeout_ms": None,  # its preshutdown timeout (ChangeServiceConfig2); None: the profile's
    "save": "periodic",  # periodic: flush only the remainder; at_shutdown: save everything now (003.10)
    "cleanup_s": 10,  # flushing the unsaved remainder
    "backlog_s": 50,  # extra time to save everything at shutdown (save = at_shutdown)
    "progress_reports": True,  # STOP_PENDING reports with a wait hint during cleanup (003.9)
    "wait_hint_s": 20,
    "report_every_s": 10,
    "wait_to_kill_ms": None,  # WaitToKillServiceTimeout (003.8, 003.9); None: the profile's (20,000 ms)
    "shutdown_unaccepted": 0,  # the last k services do not accept SHUTDOWN (003.8)
    "power_deadline_s": 0,  # UPS: the machine goes off this long after shutdown began (0: mains power)
    "end": "power_off",  # power_off (or restart) | stay (left in the shut-down state)
    "claims": "reported",  # what the model counts as stopped: reported | timeout_is_stopped (a wrong model)
}



def build(p: Mapping[str, Any]) -> System:
    """The system-shutdown model for parameters ``p`` (validated by the design layer)."""
    n = p["services"]
    cleanup_s = p["cleanup_s"] + (p["backlog_s"] if p["save"] == "at_shutdown" else 0)
    work_u = units(cleanup_s, "cleanup")
    hint = units(p["wait_hint_s"], "wait_hint_s")
    every = units(p["report_every_s"], "report_every_s")
    prof = profile(p["windows"])
    # The documented defaults of the chosen Windows version (model/windows/profiles.py), unless set.
    pre_timeout = p["preshutdown_timeout_ms"]
    if pre_timeout is None:
        pre_timeout = prof.preshutdown_timeout_ms or 0
    cap = p["wait_to_kill_ms"] if p["wait_to_kill_ms"] is not None else prof.wait_to_kill_ms
    budget = cap  # 003.8/003.9: at system shutdown the SCM's wait is WaitToKillServiceTimeout
    deadline = units(p["power_deadline_s"], "power_deadline_s")
    ordered = p["order"] == "preshutdown_order"
    m = System("shutdown", __doc__ or "", parameters=p, time_unit=MS)

    # ---- constants
    # PreshutdownOrder lists every service, dependents first; otherwise only the last service
    # (if any) accepts PRESHUTDOWN.
    pre_list = list(range(n - 1, -1, -1)) if ordered else ([n - 1] if p["preshutdown"] != "none" else [])
    gets_pre = [i in pre_list for i in range(n)]
    # the last ``shutdown_unaccepted`` services never set SERVICE_ACCEPT_SHUTDOWN: no SHUTDOWN for them (003.8)
    gets_shut = [i < n - p["shutdown_unaccepted"] for i in range(n)]
    hangs = [i == n - 1 and p["preshutdown"] == "never_stops" for i in range(n)]
    deps = {i: [i - 1] for i in range(1, n)} if p["depends"] else {}
    max_allow = max(budget, hint if p["progress_reports"] else 0, pre_timeout)

    # ---- state variables
    phase = m.enum("phase", Phase, Phase.PRESHUTDOWN, "where system shutdown is")
    svc = [m.enum(f"svc[{i}]", Run, Run.RUNNING, f"where service {i}'s process is") for i in range(n)]
    work = [m.int(f"work[{i}]", 0, work_u, work_u, f"cleanup (unsaved data) left in service {i} (ms)", unit=MS)
            for i in range(n)]
    since = [m.int(f"since[{i}]", 0, max_allow + 1, 0,
                   f"time since service {i} got its control or last reported progress (ms, saturates)",
                   unit=MS)
             for i in range(n)]
    hinted = [m.bool(f"hinted[{i}]", False, f"service {i} reported STOP_PENDING with a wait hint")
              for i in range(n)] if p["progress_reports"] else None
    given_up = [m.bool(f"given_up[{i}]", False, f"the SCM stopped waiting for service {i} while it was cleaning")
                for i in range(n)]
    t_shut = m.int("t_shut", 0, cap, 0, "time since the SHUTDOWN phase began (ms, saturates at "
                   "WaitToKillServiceTimeout)", unit=MS)
    t = m.int("t", 0, deadline, 0, "time since shutdown began (UPS power, ms)", unit=MS) if deadline else None

    # ---- definitions the catalog reads
    def gone(i: int) -> Expr:
        return any_of(svc[i] == Run.STOPPED, svc[i] == Run.KILLED, svc[i] == Run.FAILED)

    def settled(i: int) -> Expr:
        return any_of(gone(i), given_up[i])

    def allowance(i: int) -> Any:
        if gets_pre[i]:
            return pre_timeout  # 003.7: the preshutdown timeout
        if hinted is None:
            return budget  # 003.8: WaitToKillServiceTimeout, about 20 s by default
        return ite(hinted[i], hint, budget)  # 003.9: the wait hint extends the wait

    # Each family of definitions exists only where its subject does (indexed from 0 over the
    # services it concerns), so an entry about PRESHUTDOWN or dependencies does not apply to a
    # design without them (properties/catalog/entry.py).
    for i in range(n):
        m.define(f"exited[{i}]", gone(i))
        m.define(f"data_lost[{i}]", all_of(any_of(svc[i] == Run.KILLED, svc[i] == Run.FAILED), work[i] > 0))
    for k, i in enumerate([i for i in range(n) if deps.get(i)]):
        alive = any_of(svc[i] == Run.RUNNING, svc[i] == Run.CLEANING)
        m.define(f"outlives_dependency[{k}]", all_of(alive, any_of(*[svc[j] == Run.STOPPED for j in deps[i]])))
        m.define(f"failed_for_dependency[{k}]", svc[i] == Run.FAILED)
    for k, i in enumerate([i for i in range(n) if not gets_pre[i] and gets_shut[i]]):
        m.define(f"budget_overrun[{k}]", given_up[i])
    for k, i in enumerate(pre_list):
        m.define(f"preshutdown_received[{k}]", svc[i] != Run.RUNNING)
        m.define(f"preshutdown_timed_out[{k}]", given_up[i])
        m.define(f"preshutdown_settled[{k}]", settled(i))
    if p["end"] == "stay":
        for i in range(n):
            claimed = [gone(i)]
            if p["claims"] == "timeout_is_stopped":
                claimed.append(given_up[i])  # the wrong model: "past its budget" taken as "stopped"
            m.define(f"counted_stopped[{i}]", any_of(claimed))
    m.environment_process("scm", "ups")
    clock = Clock(m)

    def receive(i: int) -> dict:
        """Service i's handler takes (PRE)SHUTDOWN, starts its cleanup thread, reports, returns."""
        upd: dict = {svc[i]: Run.CLEANING, since[i]: 0}
        if hinted is not None:
            upd[hinted[i]] = True  # STOP_PENDING with the wait hint at once (003.9)
        return upd

    # ---- SCM: PRESHUTDOWN phase (003.7, 003.12)
    for k, i in enumerate(pre_list):
        if ordered:
            before = [settled(j) for j in pre_list[:k]]  # wait for each listed service in turn
            why = "003.12: PreshutdownOrder: the next listed service, after the previous one stopped or timed out"
        else:
            before = [svc[j] != Run.RUNNING for j in pre_list[:k]]
            why = "003.7: PRESHUTDOWN to a service that accepts it"
        a = m.action("scm_send_preshutdown", "scm", guard=[phase == Phase.PRESHUTDOWN, svc[i] == Run.RUNNING, *before],
                     update=receive(i), args={"i": i}, doc=why)
        clock.urgent(a)
    a = m.action("scm_end_preshutdown", "scm",
                 guard=[phase == Phase.PRESHUTDOWN,
                        *[all_of(svc[i] != Run.RUNNING, settled(i)) for i in pre_list]],
                 update={phase: Phase.SHUTDOWN},
                 doc="003.7/003.8: every PRESHUTDOWN service stopped or timed out; SHUTDOWN begins")
    clock.urgent(a)

    # ---- SCM: SHUTDOWN phase, database order, no waiting between services (003.8, 003.11)
    for i in [i for i in range(n) if gets_shut[i]]:
        a = m.action("scm_send_shutdown", "scm",
                     guard=[phase == Phase.SHUTDOWN, svc[i] == Run.RUNNING,
                            *[svc[j] != Run.RUNNING for j in range(i) if gets_shut[j]]],
                     update=receive(i), args={"i": i},
                     doc="003.8/003.11: SHUTDOWN in database order, dependencies not considered")
        clock.urgent(a)

    # ---- SCM: stops waiting for a service past its allowance or past the cap (003.7-003.9)
    for i in range(n):
        waiting_phase = Phase.PRESHUTDOWN if gets_pre[i] else Phase.SHUTDOWN
        # The wait ends at the allowance; a service whose cleanup ends at that same instant is in
        # time (its stop comes first), so the SCM gives up only on one with cleanup still to do.
        late = all_of(since[i] >= allowance(i), work[i] > 0)
        if not gets_pre[i]:
            late = any_of(late, all_of(t_shut >= cap, work[i] > 0))
        a = m.action("scm_give_up", "scm",
                     guard=[phase == waiting_phase, svc[i] == Run.CLEANING, ~given_up[i], late],
                     update={given_up[i]: True}, args={"i": i},
                     doc="the wait is over: shutdown proceeds whether or not the service finished")
        clock.urgent(a)

    end_phase = Phase.HALTED if p["end"] == "stay" else Phase.OFF
    kill = {} if end_phase == Phase.HALTED else \
        {svc[i]: ite(any_of(svc[i] == Run.RUNNING, svc[i] == Run.CLEANING), Run.KILLED, svc[i]) for i in range(n)}
    a = m.action("scm_complete_shutdown", "scm",
                 guard=[phase == Phase.SHUTDOWN,
                        *[all_of(svc[i] != Run.RUNNING, settled(i)) for i in range(n) if gets_shut[i] or gets_pre[i]],
                        # a service that accepts neither is still running, or already gone
                        *[any_of(svc[i] == Run.RUNNING, settled(i)) for i in range(n)
                          if not (gets_shut[i] or gets_pre[i])]],
                 update={phase: end_phase, **kill},
                 doc="every service stopped or was given up on; the machine " +
                     ("stays in its shut-down state: services keep running (003.8)" if end_phase == Phase.HALTED
                      else "powers off or restarts"))
    clock.urgent(a)

    # ---- services
    # The stops are declared last (after the clock): declaration order is only the order of the
    # fuzz engine's rules, whose random choice favours early rules; an early stop is the rarely
    # interesting choice, so it goes last.  Explicit and BMC do not depend on the order.
    stops: list[dict] = []
    for i in range(n):
        if not hangs[i]:
            # ``work`` is the longest the cleanup can take; it may finish earlier (less data to flush),
            # so the stop is enabled throughout and forced (urgent) once the time is used up.
            stops.append(dict(name="service_stop", process=f"svc[{i}]", guard=svc[i] == Run.CLEANING,
                              update={svc[i]: Run.STOPPED, work[i]: 0}, args={"i": i},
                              doc="cleanup done: report SERVICE_STOPPED and exit"))
            clock.urgent(all_of(svc[i] == Run.CLEANING, work[i] == 0))
        if deps.get(i):
            # 003.11: a service whose dependency has stopped may fail (at any moment after, or not).
            stops.append(dict(name="service_fails", process=f"svc[{i}]",
                              guard=[any_of(svc[i] == Run.RUNNING, svc[i] == Run.CLEANING),
                                     *[svc[j] == Run.STOPPED for j in deps[i]]],
                              update={svc[i]: Run.FAILED}, args={"i": i},
                              doc="a service it depends on has stopped: its calls fail and it fails"))
        if hinted is not None and not hangs[i]:
            a = m.action("service_report_progress", f"svc[{i}]",
                         guard=[svc[i] == Run.CLEANING, work[i] > 0, since[i] >= every,
                                any_of(phase == Phase.PRESHUTDOWN, phase == Phase.SHUTDOWN)],
                         update={since[i]: 0, hinted[i]: True}, args={"i": i},
                         doc="003.9: STOP_PENDING with a larger checkpoint and the wait hint")
            clock.urgent(a)

    # ---- UPS (003.10)
    if t is not None:
        m.action("ups_power_fails", "ups",
                 guard=[t >= deadline, phase != Phase.OFF, clock.quiet()],
                 update={phase: Phase.OFF,
                         **{svc[i]: ite(any_of(svc[i] == Run.RUNNING, svc[i] == Run.CLEANING), Run.KILLED, svc[i])
                            for i in range(n)}},
                 doc="the UPS runs out: the machine goes off wherever shutdown is")

    # ---- clock
    cleaning = [all_of(svc[i] == Run.CLEANING, work[i] > 0, not hangs[i]) for i in range(n)]
    powered = phase != Phase.OFF
    for i in range(n):
        clock.countdown(work[i], cleaning[i])
        clock.timer(since[i], svc[i] == Run.CLEANING)
    clock.timer(t_shut, phase == Phase.SHUTDOWN)
    guard = [powered]
    if t is not None:
        clock.timer(t, True)
        guard.append(t < deadline)  # the UPS fails before more time passes
    clock.tick(guard)
    for spec in stops:
        m.action(**spec)
    return m


# The invariants this model is checked against (catalog ids, properties/catalog/__init__.py).
CHECKED_AGAINST = (
    "preshutdown_ends_by_stop_or_timeout",
    "preshutdown_service_stops_before_timeout",
    "shutdown_budget_respected",
    "no_service_outlives_its_dependency",
    "no_service_fails_for_lack_of_dependency",
    "no_data_loss_at_shutdown",
    "shutdown_does_not_claim_running_services_stopped",
)
