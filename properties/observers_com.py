"""COM catalog entries (properties/catalog/com.py) as observers over the events of a COM local-server run.

The same :class:`~properties.observers.Event` stream as the service observers
(seq, kind, time_ms, thread, fields), with these kinds, produced by
scmcheck/testing/com/run.py from an unmodified pywin32 or comtypes server:

============================  ====================================================================
kind                          fields
============================  ====================================================================
``process_started``           ``proc`` (``server1``...), ``reason`` -- COM's SCM started a server process
``process_exited``            ``proc``, ``reason`` (``returned``, ``sys.exit(0)``, ``os._exit(1)``,
                              ``raised X``), ``killed`` (threads still alive), ``held`` (what clients
                              held in it: "client2: IClassFactory, instance obj3")
``com_initialized``           ``proc``, ``apartment`` (STA / MTA), ``by`` -- CoInitialize(Ex) on a thread
``class_registered``          ``proc``, ``clsid``, ``cookie``, ``suspended`` (REGCLS_SUSPENDED), ``apartment``
``class_revoked``             ``proc``, ``clsid``, ``cookie`` -- CoRevokeClassObject
``classes_resumed``           ``proc``, ``count`` -- CoResumeClassObjects
``classes_suspended``         ``proc``, ``by`` (``CoSuspendClassObjects``, or ``CoReleaseServerProcess``
                              when COM suspends the classes at zero)
``server_refs_changed``       ``proc``, ``op`` (CoAddRefServerProcess / CoReleaseServerProcess), ``count``
``lock_count_changed``        ``proc``, ``delta``, ``count``, ``why`` -- pythoncom's module lock count
                              (PyCom_DLLAddRef / PyCom_DLLReleaseRef)
``quit_posted``               ``proc``, ``to``, ``how`` -- the server asked its loop to end
                              (PostThreadMessage(WM_QUIT), PostQuitMessage, comtypes' queue)
``server_ready``              ``proc``, ``how`` -- the server's thread first waits for work (its message
                              loop, or comtypes' free-threaded wait): its initialisation is over
``activation_requested``      ``client``, ``clsid`` -- CoGetClassObject
``activation_waiting``        ``client``, ``clsid``, ``cut_off`` (True: only the cut-off on server
                              processes keeps it waiting), ``why``
``activation_routed``         ``client``, ``proc``, ``clsid`` -- the SCM sent it to that process
``activation_refused``        ``client``, ``proc``, ``why`` -- the class object was suspended or revoked
                              when the call ran (CO_E_SERVER_STOPPING), or the process exited: routed again
``activation_served``         ``client``, ``proc``, ``clsid`` -- the class object accepted it (COM's
                              implicit LockServer(TRUE) follows, 004.8)
``call_sent`` / ``call_returned``  ``client``, ``proc``, ``call`` (CreateInstance, LockServer(TRUE),
                              LockServer(FALSE), Release, ReleaseFactory; CoGetClassObject returns
                              too), ``result``
``call_failed``               ``client``, ``proc``, ``call``, ``why`` -- the server process exited
``reference_dropped``         ``client``, ``proc``, ``what`` -- a disconnected proxy dropped by its client
``object_created`` / ``object_released``  ``proc``, ``obj`` (and ``client``, ``cls``)
``lock_server``               ``proc``, ``lock``, ``implicit`` (COM's, 004.8), ``client``
``server_raised``             ``call``, ``error`` -- the server's CreateInstance/LockServer/Release raised
``thread_started`` / ``thread_exited`` / ``thread_raised``  as for services, with ``proc``
``time_advanced``             ``to_ms``, ``stuck`` (True: nothing can happen any more; time is let run)
``run_ended``                 ``outcome``
============================  ====================================================================

**What code cannot expose, and what is observed instead.**

* The instance and lock counts of 004.2 are the server's own; the observers
  judge the *truth* they must match, as the model does: what the clients
  hold (instances, explicit LockServer locks, and one implicit lock per
  marshaled IClassFactory, 004.8).
* The *shutdown decision* (004.3-004.5, ``no_activation_after_shutdown_decision``):
  a process's point of no return is not visible; what is observed is the
  first sign of its final shutdown -- a quit posted (WM_QUIT, PostQuitMessage,
  comtypes' queue), the class objects suspended (CoReleaseServerProcess at
  zero, or CoSuspendClassObjects) or a class object revoked -- after which the
  process never made a class available again, and it is judged when the
  process exits: an activation served after that sign was served by a
  process already committed to exit.  A server that re-checks and resumes
  (or registers again) is not committed.
* *Initialisation complete* (004.9, ``no_activation_before_init_complete``):
  the process's thread reaching its wait for work (``server_ready``: the
  first PumpMessages / PumpWaitingMessages / GetMessage, or comtypes'
  free-threaded ``queue.get``); a server that never waits in one of these is
  judged at CoResumeClassObjects.
* Liveness (``unused_server_exits``, ``activation_eventually_served``,
  ``started_server_accepts_activations``): within :data:`LIVENESS_MS` of
  virtual time under the harness's fair scheduler; a run where nothing can
  happen any more lets time run past the bound.
"""

from __future__ import annotations

from typing import Callable, Optional

from .observers import LIVENESS_S, Event, Monitor, Observer, Violation

LIVENESS_MS = int(LIVENESS_S * 1000)  # the services' bound (003.9), used for the COM liveness entries too

_API = "https://learn.microsoft.com/windows/win32/api/"
HELPERS = "https://learn.microsoft.com/windows/win32/com/out-of-process-server-implementation-helpers"
CO_ADDREF = _API + "combaseapi/nf-combaseapi-coaddrefserverprocess"
CO_RELEASE = _API + "combaseapi/nf-combaseapi-coreleaseserverprocess"
CO_SUSPEND = _API + "combaseapi/nf-combaseapi-cosuspendclassobjects"
CO_RESUME = _API + "combaseapi/nf-combaseapi-coresumeclassobjects"
CO_REGISTER = _API + "combaseapi/nf-combaseapi-coregisterclassobject"
LOCK_SERVER = _API + "unknwnbase/nf-unknwnbase-iclassfactory-lockserver"


class ComView:
    """What the COM observers read: per process and per client, kept up to date from the events."""

    def __init__(self) -> None:
        self.now_ms = 0
        self.procs: dict[str, dict] = {}
        self.holds: dict[str, dict] = {}  # client -> {"factory": proc, "instance": proc, "locks": n}
        self.pending: dict[str, dict] = {}  # client -> {"since": ms, "cut_off": bool}
        self.calls: dict[str, str] = {}  # client -> proc of its call in flight

    def proc(self, label: str) -> dict:
        return self.procs.setdefault(label, {"started_ms": self.now_ms, "ready": False, "served": False,
                                             "exited": False, "available": False, "leaving": False})

    def hold(self, client: str) -> dict:
        return self.holds.setdefault(client, {"factory": None, "instance": None, "locks": 0})

    def in_use(self, label: str) -> bool:
        """Some client holds something of ``label``, or has a call in flight to it."""
        return any(label in (h["factory"], h["instance"]) for h in self.holds.values()) or \
            label in self.calls.values()

    def update(self, ev: Event) -> None:
        self.now_ms = ev.time_ms
        f, k = ev.fields, ev.kind
        if k == "process_started":
            self.proc(f["proc"])
        elif k == "process_exited":
            self.proc(f["proc"])["exited"] = True
            for h in self.holds.values():
                if h["factory"] == f["proc"]:
                    h["factory"], h["locks"] = None, 0
                if h["instance"] == f["proc"]:
                    h["instance"] = None
            self.calls = {c: p for c, p in self.calls.items() if p != f["proc"]}
        elif k == "server_ready":
            self.proc(f["proc"])["ready"] = True
        elif k == "activation_served":
            self.proc(f["proc"])["served"] = True
        elif k in ("class_registered", "classes_resumed"):
            p = self.proc(f["proc"])
            if (k == "class_registered" and not f["suspended"]) or (k == "classes_resumed" and f["count"]):
                p["available"], p["leaving"] = True, False
        elif k in ("quit_posted", "classes_suspended", "class_revoked"):
            self.proc(f["proc"])["leaving"] = True
        elif k == "activation_requested":
            self.pending[f["client"]] = {"since": ev.time_ms, "cut_off": False}
        elif k == "activation_waiting" and f["client"] in self.pending:
            self.pending[f["client"]]["cut_off"] = bool(f["cut_off"])
        elif k == "activation_routed" and f["client"] in self.pending:
            self.pending[f["client"]]["cut_off"] = False
        elif k in ("call_sent", "activation_routed"):
            self.calls[f["client"]] = f["proc"]
            self._give_up(f)
        elif k in ("call_returned", "call_failed", "activation_refused"):
            self.calls.pop(f["client"], None)
            if k == "call_returned":
                self._acquired(f)
        if k == "activation_routed":
            self.calls[f["client"]] = f["proc"]
        if k == "classes_resumed" and f["count"]:
            self.proc(f["proc"])["ready"] = True

    def _give_up(self, f: dict) -> None:
        h = self.hold(f["client"])
        if f.get("call") == "Release":
            h["instance"] = None
        elif f.get("call") == "ReleaseFactory":
            h["factory"], h["locks"] = None, 0

    def _acquired(self, f: dict) -> None:
        h, call = self.hold(f["client"]), f["call"]
        if call == "CoGetClassObject":
            h["factory"] = f["proc"]
            self.pending.pop(f["client"], None)
        elif call == "CreateInstance" and f["result"] == "S_OK":
            h["instance"] = f["proc"]
        elif call == "LockServer(TRUE)":
            h["locks"] += 1
        elif call == "LockServer(FALSE)":
            h["locks"] = max(0, h["locks"] - 1)


def _what_held(held: str) -> str:
    return held or "nothing"


class ServerExitsOnlyWhenUnused(Observer):
    """004.2/004.6: at each server process exit, the instances and LockServer locks clients hold in it
    (explicit locks, and COM's implicit one per marshaled IClassFactory, 004.8) must be zero."""

    id = "server_exits_only_when_unused"
    sources = (HELPERS, CO_ADDREF, CO_RELEASE, LOCK_SERVER)
    observes = "at each server process exit: the instances and locks (explicit and implicit) clients hold in it"

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        if ev.kind != "process_exited":
            return None
        label = ev["proc"]
        if view.proc(label)["served"]:
            self.exercised = True
        held = [(c, h) for c, h in view.holds.items() if label in (h["factory"], h["instance"])]
        if held:
            return f"{label} exited ({ev['reason']}) while its clients held {ev['held'] or _hold_text(held, label)}"
        return None


def _hold_text(held: list, label: str) -> str:
    parts = []
    for c, h in held:
        what = [w for w, p in (("IClassFactory (implicit lock)", h["factory"]), ("an instance", h["instance"]))
                if p == label]
        parts.append(f"{c}: {', '.join(what)}")
    return "; ".join(parts)


class ClientNeverHoldsDisconnectedObject(Observer):
    """004.8/004.4/004.6: no client holds an IClassFactory or instance of an exited server process
    (judged when the process exits) and no client call fails because its server exited."""

    id = "client_never_holds_disconnected_object"
    sources = (HELPERS, LOCK_SERVER, CO_RELEASE)
    observes = "what clients hold in a server process when it exits; client calls failing with RPC_E_DISCONNECTED"

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        if ev.kind == "process_exited":
            label = ev["proc"]
            self.exercised = self.exercised or view.proc(label)["served"]
            held = [(c, h) for c, h in view.holds.items() if label in (h["factory"], h["instance"])]
            if held:
                return f"{_hold_text(held, label)} from {label}, which exited ({ev['reason']}): disconnected"
        if ev.kind == "call_failed":
            return f"{ev['client']}'s {ev['call']} failed: {ev['why']} ({ev['proc']})"
        return None


class NoActivationAfterShutdownDecision(Observer):
    """004.3-004.5: no activation is served by a process already committed to exit (module docstring,
    "the shutdown decision").  Judged when the process exits."""

    id = "no_activation_after_shutdown_decision"
    sources = (HELPERS, CO_RELEASE, CO_SUSPEND, CO_ADDREF)
    observes = ("activations served after a process's first sign of final shutdown (quit posted, classes "
                "suspended or revoked) with no class made available again, judged when it exits")

    def __init__(self) -> None:
        super().__init__()
        self.decided: dict[str, tuple] = {}  # proc -> (seq, time, how) of its first shutdown sign
        self.after: dict[str, list] = {}  # proc -> activations served since

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        k, f = ev.kind, ev.fields
        if k in ("quit_posted", "classes_suspended", "class_revoked") and f["proc"] not in self.decided:
            how = f.get("how") or (f"classes suspended by {f['by']}" if k == "classes_suspended" else
                                   f"class {f.get('clsid')} revoked")
            self.decided[f["proc"]] = (ev.seq, ev.time_ms, how)
            self.after[f["proc"]] = []
        elif (k == "class_registered" and not f["suspended"]) or (k == "classes_resumed" and f["count"]):
            self.decided.pop(f["proc"], None)
        elif k == "activation_served" and f["proc"] in self.decided:
            self.after[f["proc"]].append((ev.time_ms, f["client"]))
        elif k == "process_exited":
            d = self.decided.get(f["proc"])
            if d is None:
                return None
            self.exercised = True
            served = self.after.get(f["proc"]) or []
            if served:
                t, client = served[0]
                return (f"{f['proc']} served {client}'s activation at {t / 1000:g} s after it had committed to "
                        f"exit at {d[1] / 1000:g} s ({d[2]}), then exited")
        return None


class NoActivationBeforeInitComplete(Observer):
    """004.9/004.10: no activation reaches a process before its initialisation is complete (module
    docstring: the thread's first wait for work)."""

    id = "no_activation_before_init_complete"
    sources = (HELPERS, CO_REGISTER, CO_RESUME)
    observes = "activations served, and instances created, in a process before its server_ready"

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        if ev.kind == "activation_served":
            self.exercised = True
            if not view.proc(ev["proc"])["ready"]:
                return (f"{ev['proc']} served {ev['client']}'s activation before its initialisation was complete "
                        "(a class object was active before the server reached its message loop)")
        return None


class _ComLiveness(Observer):
    """Something owed within LIVENESS_MS of virtual time (module docstring)."""

    what = ""

    def owed_since(self, view: ComView) -> Optional[tuple[int, str]]:
        raise NotImplementedError

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        owed = self.owed_since(view)
        if owed is None:
            return None
        since, who = owed
        stuck = ev.kind == "time_advanced" and ev.fields.get("stuck")
        end = int(ev.fields.get("to_ms", ev.time_ms))
        if (ev.kind == "time_advanced" and end - since > LIVENESS_MS) or stuck or \
                (ev.kind == "run_ended" and ev["outcome"] == "stuck"):
            tail = " (nothing else could happen: every thread waits with no timeout)" if stuck else ""
            return f"{self.what.format(who=who)} for {(end - since) / 1000:g} s{tail}"
        return None


class UnusedServerExits(_ComLiveness):
    """004.2/004.5/004.7: a process that served an activation and that nobody uses exits."""

    id = "unused_server_exits"
    sources = (HELPERS, CO_RELEASE, CO_SUSPEND, CO_ADDREF, LOCK_SERVER)
    observes = f"a served process that no client uses (holds or calls) exits within {LIVENESS_S:g} virtual s"
    what = "{who} served activations and nobody uses it, but it has not exited"

    def __init__(self) -> None:
        super().__init__()
        self.unused_since: dict[str, int] = {}

    def owed_since(self, view: ComView) -> Optional[tuple[int, str]]:
        for label, p in view.procs.items():
            if p["served"] and not p["exited"] and not view.in_use(label):
                self.exercised = True
                self.unused_since.setdefault(label, view.now_ms)
            else:
                self.unused_since.pop(label, None)
        if not self.unused_since:
            return None
        label = min(self.unused_since, key=self.unused_since.get)
        return self.unused_since[label], label


class ActivationEventuallyServed(_ComLiveness):
    """004.3/004.5: an activation request is served by some process (not judged while only the cut-off
    on server processes keeps it waiting)."""

    id = "activation_eventually_served"
    sources = (HELPERS, CO_RELEASE, CO_SUSPEND, CO_RESUME, CO_REGISTER)
    observes = f"each CoGetClassObject returns an IClassFactory within {LIVENESS_S:g} virtual s (cut-off excepted)"
    what = "{who}'s activation request was not served"

    def before(self, ev: Event, view: ComView) -> Optional[str]:  # type: ignore[override]
        if ev.kind == "call_returned" and ev["call"] == "CoGetClassObject":
            self.exercised = True
        return super().before(ev, view)

    def owed_since(self, view: ComView) -> Optional[tuple[int, str]]:
        waiting = [(p["since"], c) for c, p in view.pending.items() if not p["cut_off"]]
        return min(waiting) if waiting else None


class StartedServerAcceptsActivations(_ComLiveness):
    """004.9/004.10: a process COM started makes its classes available, or begins its cleanup."""

    id = "started_server_accepts_activations"
    sources = (CO_REGISTER, CO_RESUME, HELPERS)
    observes = (f"a started process registers (and, if suspended, resumes) a class object, posts a quit, revokes "
                f"or exits within {LIVENESS_S:g} virtual s")
    what = "{who} was started but neither accepts activations nor began its cleanup"

    def owed_since(self, view: ComView) -> Optional[tuple[int, str]]:
        late = [(p["started_ms"], label) for label, p in view.procs.items()
                if not (p["available"] or p["leaving"] or p["exited"])]
        for label, p in view.procs.items():
            if p["available"]:
                self.exercised = True
        return min(late) if late else None


OBSERVERS: tuple[type[Observer], ...] = (
    ServerExitsOnlyWhenUnused, ClientNeverHoldsDisconnectedObject, NoActivationAfterShutdownDecision,
    NoActivationBeforeInitComplete, UnusedServerExits, ActivationEventuallyServed,
    StartedServerAcceptsActivations,
)
BY_ID: dict[str, type[Observer]] = {o.id: o for o in OBSERVERS}


class ComMonitor(Monitor):
    """Feeds COM events to the COM observers; keeps the first violation of each (observers.Monitor)."""

    registry = BY_ID
    view_type = ComView
