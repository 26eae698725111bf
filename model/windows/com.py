"""The COM side of an out-of-process (local) server model: SCM, clients, class objects.

This module is the documented API for modelling your own COM local server.
A :class:`ComSide` declares everything that is *not* your server's code:

* the SCM, which starts a second server process when an activation finds the
  first one's class objects suspended or revoked (004.3, 004.5);
* K clients that call CoGetClassObject (COM marshals IClassFactory, with the
  implicit LockServer(TRUE) of 004.8 when ``implicit_lock``), LockServer,
  CreateInstance, and Release of instances and factories (without the implicit
  lock, following the documented protocol when ``client_locks_first``);
* per server process (at most two: the first and the one the SCM relaunches)
  its phase and the state of each class object (registered suspended, active,
  suspended by COM, revoked);
* the monitors and the named definitions the COM catalog entries read
  (``properties/catalog/com.py``);
* who is scheduled fairly: the SCM and every client are the *environment*
  (``System.environment_process``: an activation is never forced to happen),
  every server thread is scheduled weakly fairly (model/lang/temporal.py).

Your server supplies only its own steps and its shutdown decision::

    from scmcheck.model.com import ClassObj, ComSide, Phase, com_design
    from scmcheck.model.lang.system import System

    def build(p):
        m = System("my_server", "...", parameters=p)
        com = ComSide(m, clients=p["clients"], classes=p["classes"], threading="free_threaded")
        for s in com.SERVERS:   # your steps, for the first process and the one the SCM relaunches
            ph = com.phase[s]
            for c in com.classes:
                com.server_action(s, "main_register", guard=[ph == Phase.INIT, com.cls[s][c] == ClassObj.UNREG],
                                  update=com.register(s, c, suspended=True), args={"c": c})
            com.server_action(s, "main_resume", guard=[ph == Phase.INIT, com.all_registered(s)],
                              update={ph: Phase.RUNNING, **com.resume(s)})
            com.server_action(s, "main_quit", guard=[ph == Phase.RUNNING, com.decided[s]],
                              update={ph: Phase.CLEANUP, **com.revoke_all(s)})
            com.server_action(s, "main_exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)],
                              update={ph: Phase.EXITED})
        # What your count covers, and what happens in the release that brings it to zero
        # (here: the process refcount helpers, 004.5-004.7):
        com.add_clients(counts_instances=True, counts_locks=True,
                        on_zero=lambda s: {**com.suspend(s), **com.decide(s)})
        com.finish()  # the SCM, the environment, the definitions the catalog reads
        return m

    design = com_design("my-server", "what it models", build)

A complete worked example is ``examples/com/my_server.py`` (see ``examples/com/README.md``).

The shutdown decision, and the two calls that mark it (004.3-004.5, 004.7):

* ``com.decide(s)``: process ``s`` is *committed* to exit -- its point of no
  return.  An activation it serves after this is an activation it will not
  honour (``no_activation_after_shutdown_decision``).  Where that point is
  depends on the design: with the helpers, the CoReleaseServerProcess that
  reached zero (COM suspends the class objects in the same call, 004.5);
  single-threaded, the release message that revokes every class object
  (004.3); by hand without a re-check, the thread that saw zero (004.4's
  race); with 004.4's re-check, the re-check that passes at exit.
* ``com.signal_cleanup(s)``: the thread that saw zero only *asks* for the
  cleanup, and the server re-checks its counts after revoking and stays alive
  while they are not zero (004.4's classic fix).  Nothing is committed yet: an
  activation served in between is kept alive by that re-check.  Call
  ``com.decide(s)`` in the step where the re-check passes (the exit).
  ``com.cleanup_requested(s)`` is "decided or signalled", for the guard of
  the step that starts the cleanup.

Liveness: ``unused_server_exits`` (004.2, 004.5, 004.7) says a server process
that has served an activation exits once, from some point on, no client holds
anything.  ``ComSide`` records "has served" (``served[s]``, set by every
CoGetClassObject the process answers) so that a server nobody ever used is not
flagged: COM starts a server for an activation, and a stock server waits for it.

Rules (properties/rules.py): 004.2 the server may shut down only when its
instance and lock counts are zero; 004.3/004.5 an activation that finds the
class objects revoked/suspended makes the SCM start a new server process;
004.5 CoReleaseServerProcess reaching zero calls CoSuspendClassObjects;
004.8 COM's implicit LockServer around a marshaled IClassFactory; 004.9 when
activations can first arrive, per threading model; 004.10 REGCLS_SUSPENDED and
CoResumeClassObjects.

Abstractions (each keeps the state space small without hiding a documented race):

* Counts are not stored: a server's instance count and LockServer count are
  *derived* from what the clients hold (``instances(s)``, ``locks(s)``).  A
  client's call and the server code it runs (constructor, destructor,
  LockServer) are one atomic step, exactly as an interlocked counter update
  is; the count a server keeps therefore always equals the derived one.  The
  *decision* to shut down is where designs differ, and that is the server's
  ``on_zero`` hook, run in the same step as the decrement that reached zero.
* A client holds at most one class factory and one instance at a time and asks
  for a new class object only when it holds neither: every race in 004.x needs
  one reference per client, and K clients give K concurrent references.
* Which class a held factory or instance belongs to is not recorded: after the
  hand-out, what matters (lifetime, disconnection) is per server process, not
  per class.  The class matters only for activation routing (which class
  object is registered/active), so it is an argument of the activation step.
* At most two server processes ("generations") exist: the first, started with
  the model, and the one the SCM launches.  Every race in the document is
  within one process's lifetime or at the hand-over to a new process; a third
  process would repeat the second.  Once both are used up, an activation that
  finds no active class object simply waits (the model's cut-off).
* CoGetClassObject is one step in the client's lane (``client_get_class_object``):
  COM contacts the server, a server thread marshals IClassFactory (with the
  implicit LockServer(TRUE) of 004.8 when ``implicit_lock``), and the client
  unmarshals it.  The server thread does nothing else in between, so no other
  step can tell "marshaled" from "unmarshaled": with the implicit lock the
  count is raised at the marshal; without it, the window of 004.8 is the state
  that follows (the client holds the factory, its LockServer(TRUE) not yet
  called), in which every other step can interleave.  Putting the step in the
  client's lane shows in a trace which client holds which factory.
* With the implicit LockServer (004.8) the client's own LockServer calls are
  answered by the proxy with S_OK and never reach the server, so they change
  no state and are left out; without it they are real calls (``client_lock_server``).
* Client protocol without the implicit lock (``client_locks_first``, default):
  what 004.8 says clients usually do -- LockServer(TRUE) right after getting
  the factory, before any CreateInstance; LockServer(FALSE) only when done,
  i.e. after creating (and releasing) at least one instance, immediately
  followed by the Release of the factory (one step,
  ``client_unlock_and_release_factory``).  Why these restrictions hide no race:
  a client that unlocks without having created an instance moves the count
  0 -> 1 -> 0 exactly as one that creates and releases an instance in between,
  and the server decides only when the count reaches zero; and after
  LockServer(FALSE) a done client makes no call on the factory but Release,
  which on a disconnected proxy is local -- a factory in that state is not the
  one 004.8 is about.  With them, the shortest disconnected factory is the
  document's race: one client in the window, *another* client's activation
  and release bringing the server down.  ``client_locks_first=False`` lets a
  client lock, unlock and create in any order (a single client can then race
  itself).
* Calls on a reference whose server has exited are not modelled as steps
  (they fail); releasing such a reference is (the proxy drops it).  Holding it
  is already a violation of ``client_never_holds_disconnected_object``.
* Time: nothing in 004.x has a documented duration, so COM models are
  untimed.  "The server eventually exits" is a leads-to property under weak
  fairness of the server threads; the clients and the SCM are the environment,
  never forced to act (an activation need not come), never forbidden to.
"""

from __future__ import annotations

import enum
from typing import Any, Callable, Iterable, Mapping, Optional

from ..lang.errors import InputError
from ..lang.expr import Expr, all_of, any_of, count_true, ite, lift
from ..lang.system import Action, System

# COM models are untimed (no rule in 004.x names a duration).  Kept so that user code written for the
# earlier, timed COM side (``System(..., time_unit=TIME_UNIT_S)``) still imports: a time unit alone
# does not make a model timed.
TIME_UNIT_S = 1
THREADING = ("single_threaded", "apartment", "free_threaded")


class Phase(enum.IntEnum):
    """Where one server process is."""

    DOWN = 0  # not started (the second process, until the SCM launches it)
    INIT = 1  # registering its class objects / initialising
    RUNNING = 2  # initialisation done, message loop(s) entered
    CLEANUP = 3  # cleanup started: message loop(s) left, class objects being revoked
    EXITED = 4  # the process is gone; every reference into it is disconnected


class ClassObj(enum.IntEnum):
    """The state of one class object in one server process, as COM sees it."""

    UNREG = 0  # not registered (yet)
    PENDING = 1  # registered with REGCLS_SUSPENDED, not yet resumed: invisible to the SCM (004.10)
    ACTIVE = 2  # registered and accepting activations
    SUSPENDED = 3  # suspended by CoSuspendClassObjects (refcount reached zero, 004.5)
    REVOKED = 4  # CoRevokeClassObject done


WITHDRAWN = (ClassObj.SUSPENDED, ClassObj.REVOKED)  # the SCM relaunches on these (004.3, 004.5)


class ComSide:
    """SCM, clients and class-object table of a local COM server model.

    Variables (``s`` = server process 1 or 2, ``c`` = class 0..C-1, ``k`` = client):
      phase[s]           -- where server process s is (:class:`Phase`)
      class_obj[s][c]    -- class object c in process s (:class:`ClassObj`)
      shutdown_decided[s] -- process s is committed to exit: its point of no return (:meth:`decide`;
                            the reference point of 004.3-004.5, see the module docstring)
      cleanup_signalled[s] -- a thread of process s saw its count reach zero and asked for the cleanup
                            without committing: the server re-checks before exiting (:meth:`signal_cleanup`, 004.4)
      served[s]          -- process s has served an activation (handed out an IClassFactory)
      factory[k]         -- which process the IClassFactory client k holds belongs to (0: none)
      locked[k]          -- client k called LockServer(TRUE) on it (only without the implicit lock)
      created[k]         -- client k created an instance with the factory it holds (only without the
                            implicit lock and with ``client_locks_first``: a client unlocks only when done)
      instance[k]        -- which process the instance client k holds lives in (0: none)
      early_activation   -- monitor: an activation was served before its server finished initialising (004.9)
      late_activation    -- monitor: an activation was served by a server committed to exit (004.3-004.5)

    Environment: ``scm`` and every ``clientK`` (never forced to move); server threads are fair.
    """

    SERVERS = (1, 2)

    def __init__(self, m: System, clients: int, classes: int, threading: str, implicit_lock: bool = True,
                 client_locks_first: bool = True) -> None:
        if threading not in THREADING:
            raise InputError(f"threading = {threading!r}; use one of {', '.join(THREADING)}")
        if not (1 <= clients and 1 <= classes):
            raise InputError(f"a COM model needs at least one client and one class (got {clients}, {classes})")
        self.m = m
        self.clients = list(range(clients))
        self.classes = list(range(classes))
        self.threading = threading
        self.single = threading == "single_threaded"
        self.implicit_lock = implicit_lock
        # With the implicit lock the client's LockServer never reaches the server: its protocol is unobservable.
        self.locks_first = client_locks_first and not implicit_lock
        self._finished = False
        self._clients_added = False
        # ---- server processes
        self.phase = {s: m.enum(f"phase[{s}]", Phase, Phase.INIT if s == 1 else Phase.DOWN,
                                f"where server process {s} is" + (" (started by the SCM on demand)" if s > 1 else ""))
                      for s in self.SERVERS}
        self.cls = {s: [m.enum(f"class_obj[{s}][{c}]", ClassObj, ClassObj.UNREG,
                               f"class object {c} in server process {s}") for c in self.classes]
                    for s in self.SERVERS}
        self.decided = {s: m.bool(f"shutdown_decided[{s}]", False,
                                  f"server process {s} is committed to exit (its point of no return)")
                        for s in self.SERVERS}
        self.signalled = {s: m.bool(f"cleanup_signalled[{s}]", False,
                                    f"server process {s} was asked to clean up; it re-checks before exiting (004.4)")
                          for s in self.SERVERS}
        self.served = {s: m.bool(f"served[{s}]", False, f"server process {s} has served an activation")
                       for s in self.SERVERS}
        # ---- clients
        self.factory = [m.int(f"factory[{k}]", 0, len(self.SERVERS), 0,
                              f"server process of the IClassFactory client {k} holds (0: none)") for k in self.clients]
        self.locked = [m.bool(f"locked[{k}]", False, f"client {k} holds a LockServer(TRUE) on its factory's server")
                       for k in self.clients]
        self.created = ([m.bool(f"created[{k}]", False,
                                f"client {k} created an instance with the factory it holds (it may now unlock)")
                         for k in self.clients] if self.locks_first else None)
        self.instance = [m.int(f"instance[{k}]", 0, len(self.SERVERS), 0,
                               f"server process of the instance client {k} holds (0: none)") for k in self.clients]
        # ---- monitors
        self.early = m.bool("early_activation", False, "monitor: an activation was served during initialisation (004.9)")
        self.late = m.bool("late_activation", False,
                           "monitor: an activation was served by a server committed to exit (004.3-004.5)")

    # ------------------------------------------------------------ derived counts (004.2)
    def instances(self, s: int) -> Expr:
        """Live instances in server process ``s``: what its instance count must be."""
        return count_true(i == s for i in self.instance)

    def locks(self, s: int) -> Expr:
        """LockServer count of process ``s``: explicit locks, or COM's implicit lock per marshaled factory (004.8)."""
        if self.implicit_lock:
            return count_true(f == s for f in self.factory)
        return count_true(all_of(lk, f == s) for lk, f in zip(self.locked, self.factory))

    def counter(self, s: int, counts_instances: bool, counts_locks: bool) -> Expr:
        """The count a server keeps: instances and/or locks (by hand, or the process refcount of 004.5/004.6)."""
        return (self.instances(s) if counts_instances else lift(0)) + (self.locks(s) if counts_locks else lift(0))

    # ------------------------------------------------------------ class-object predicates
    def accepting(self, s: int, c: int) -> Expr:
        """COM dispatches an activation for class ``c`` to process ``s`` (004.9 per threading model).

        Single-threaded: requests are messages, dispatched only once the message loop runs.
        Apartment: a class object registered in its apartment receives requests as soon as
        that apartment's thread pumps messages; the apartment thread registers and enters its
        loop with no step of anyone else in between, so "registered" is the abstraction.
        Free-threaded: as soon as the class object is registered.
        """
        ok = self.cls[s][c] == ClassObj.ACTIVE
        return all_of(ok, self.phase[s] == Phase.RUNNING) if self.single else ok

    def all_registered(self, s: int) -> Expr:
        return all_of(o != ClassObj.UNREG for o in self.cls[s])

    def all_gone(self, s: int) -> Expr:
        """Every class object of ``s`` is revoked (or was never registered)."""
        return all_of(any_of(o == ClassObj.UNREG, o == ClassObj.REVOKED) for o in self.cls[s])

    # ------------------------------------------------------------ updates (COM API calls)
    def register(self, s: int, c: int, suspended: bool) -> dict:
        """CoRegisterClassObject(REGCLS_LOCAL_SERVER [| REGCLS_SUSPENDED])."""
        return {self.cls[s][c]: ClassObj.PENDING if suspended else ClassObj.ACTIVE}

    def resume(self, s: int) -> dict:
        """CoResumeClassObjects: every PENDING class object of ``s`` becomes active (004.10)."""
        return {o: ite(o == ClassObj.PENDING, ClassObj.ACTIVE, o) for o in self.cls[s]}

    def suspend(self, s: int) -> dict:
        """CoSuspendClassObjects (COM calls it when the process refcount reaches zero, 004.5)."""
        return {o: ite(o == ClassObj.ACTIVE, ClassObj.SUSPENDED, o) for o in self.cls[s]}

    def decide(self, s: int) -> dict:
        """Process ``s`` commits to exit: its point of no return (module docstring); activations it
        serves after this are late."""
        return {self.decided[s]: True}

    def signal_cleanup(self, s: int) -> dict:
        """A thread saw the count reach zero and asks for the cleanup *without* committing: the
        server re-checks its counts after revoking and stays alive while they are not zero (004.4);
        it commits (:meth:`decide`) where that re-check passes."""
        return {self.signalled[s]: True}

    def cleanup_requested(self, s: int) -> Expr:
        """The cleanup of ``s`` was asked for: committed (:meth:`decide`) or signalled (:meth:`signal_cleanup`)."""
        return self.decided[s] | self.signalled[s]

    def idle(self) -> Expr:
        """No client holds an IClassFactory, a LockServer or an instance (of any server process)."""
        return all_of(*[all_of(f == 0, i == 0, ~lk) for f, i, lk in zip(self.factory, self.instance, self.locked)])

    def revoke(self, s: int, c: int) -> dict:
        """CoRevokeClassObject for class ``c``."""
        return {self.cls[s][c]: ite(self.cls[s][c] == ClassObj.UNREG, ClassObj.UNREG, ClassObj.REVOKED)}

    def revoke_all(self, s: int) -> dict:
        out: dict = {}
        for c in self.classes:
            out.update(self.revoke(s, c))
        return out

    # ------------------------------------------------------------ lanes and server steps
    def lane(self, s: int, thread: str = "main") -> str:
        """Process (trace lane) name of a server thread: ``server1`` or ``server1.apt0``."""
        if self.single:
            return f"server{s}"
        return f"server{s}" if thread == "main" else f"server{s}.{thread}"

    def server_action(self, s: int, name: str, guard: Any, update: Mapping[Any, Any], thread: str = "main",
                      args: Optional[Mapping[str, Any]] = None, doc: str = "") -> Action:
        """Declare one of the server's own steps (its thread is scheduled weakly fairly)."""
        return self.m.action(name, self.lane(s, thread), guard=guard, update=update,
                             args={"s": s, **(args or {})}, doc=doc)

    # ------------------------------------------------------------ clients (and the COM runtime they call)
    def add_clients(self, counts_instances: bool, counts_locks: bool,
                    on_zero: Callable[[int], Mapping[Any, Any]]) -> None:
        """Declare the client steps.

        ``counts_instances``/``counts_locks``: what the server's count covers (its own
        counters, or what it feeds CoAddRefServerProcess/CoReleaseServerProcess with).
        ``on_zero(s)``: the update the server (and COM) make, in the same step, when a
        release brings that count from 1 to 0 while process ``s`` is initialising or
        running.  It may read the old state only.  Put :meth:`decide` in it if that
        release is the point of no return (the helpers, single-threaded, or by hand
        without a re-check), :meth:`signal_cleanup` if the server re-checks its counts
        before it exits (004.4's classic fix; then :meth:`decide` goes in the exit).
        """
        if self._clients_added:
            raise InputError("add_clients() was called twice")
        self._clients_added = True
        m = self.m
        # Declaration order decides nothing but which of several equally short traces the explicit
        # engine reports (its BFS tries actions in this order): every client's CoGetClassObject first,
        # then the other client steps from the last client down to client 0.  The 004.8 race then
        # reads as the document tells it: client 0 gets its factory, and in its window another client
        # connects, creates an instance and releases it, and the server shuts down.
        for k in self.clients:
            fac, inst = self.factory[k], self.instance[k]
            for s in self.SERVERS:
                ph = self.phase[s]
                for c in self.classes:
                    # CoGetClassObject, one step in the client's lane (module docstring): COM dispatches
                    # the request to class object c in process s, a server thread marshals IClassFactory
                    # (with the implicit lock, LockServer(TRUE) runs in the server in the same step,
                    # 004.8), and the client unmarshals the proxy.
                    m.action("client_get_class_object", f"client{k}",
                             guard=[fac == 0, inst == 0, self.accepting(s, c)],
                             update={fac: s, self.served[s]: True,
                                     self.early: self.early | (ph == Phase.INIT),
                                     self.late: self.late | self.decided[s]},
                             args={"k": k, "c": c, "s": s},
                             doc="004.8: CoGetClassObject; COM marshals the class object's IClassFactory "
                                 "to client k, which unmarshals it")
        for k in reversed(self.clients):
            fac, lk, inst = self.factory[k], self.locked[k], self.instance[k]
            made = self.created[k] if self.locks_first else None
            for s in self.SERVERS:

                def on_release(counted: bool, s: int = s) -> dict:
                    if not counted:
                        return {}
                    trigger = all_of(self.counter(s, counts_instances, counts_locks) == 1,
                                     any_of(self.phase[s] == Phase.INIT, self.phase[s] == Phase.RUNNING))
                    out: dict = {}
                    for key, e in on_zero(s).items():
                        ref = m[key] if isinstance(key, str) else key
                        out[ref] = ite(trigger, e, ref)
                    return out

                m.action("client_release_instance", f"client{k}", guard=inst == s,
                         update={inst: 0, **on_release(counts_instances)}, args={"k": k, "s": s},
                         doc="Release of the last reference: the destructor runs in the server (refcount/instances - 1)")
                # A client undoes its LockServer(TRUE) before releasing the factory (the documented
                # pairing); releasing while locked would leak the lock, a client bug outside 004.x.
                m.action("client_release_factory", f"client{k}", guard=[fac == s, ~lk],
                         update={fac: 0, **on_release(counts_locks and self.implicit_lock)}, args={"k": k, "s": s},
                         doc="Release of the IClassFactory proxy" +
                             ("; COM's implicit LockServer(FALSE) runs in the server (004.8)" if self.implicit_lock else ""))
                if self.locks_first:
                    # Done: it created an instance and holds none; LockServer(FALSE) and the Release
                    # of the factory are one step (module docstring: why this hides no race).
                    m.action("client_unlock_and_release_factory", f"client{k}",
                             guard=[fac == s, lk, made, inst == 0],
                             update={lk: False, made: False, fac: 0, **on_release(counts_locks)},
                             args={"k": k, "s": s},
                             doc="done with the factory: IClassFactory::LockServer(FALSE), then its Release")
                elif not self.implicit_lock:
                    m.action("client_unlock_server", f"client{k}", guard=[fac == s, lk],
                             update={lk: False, **on_release(counts_locks)}, args={"k": k, "s": s},
                             doc="IClassFactory::LockServer(FALSE)")
            alive_fac = any_of(all_of(fac == s, self.phase[s] != Phase.EXITED) for s in self.SERVERS)
            # 004.8's protocol: CreateInstance only once the client holds its own LockServer(TRUE).
            m.action("client_create_instance", f"client{k}",
                     guard=[alive_fac, inst == 0, *([lk] if self.locks_first else [])],
                     update={inst: fac, **({made: True} if self.locks_first else {})}, args={"k": k},
                     doc="IClassFactory::CreateInstance: the constructor runs in the server (instances + 1)")
            if not self.implicit_lock:
                m.action("client_lock_server", f"client{k}", guard=[alive_fac, ~lk],
                         update={lk: True}, args={"k": k},
                         doc="IClassFactory::LockServer(TRUE): the client keeps the server alive (004.8)")

    # ------------------------------------------------------------ SCM, environment, definitions
    def finish(self) -> None:
        """Add the SCM, declare the environment and the definitions the COM catalog reads; call last."""
        if self._finished:
            raise InputError("finish() was called twice")
        if not self._clients_added:
            raise InputError("call add_clients() before finish()")
        self._finished = True
        m = self.m
        first, second = self.SERVERS
        m.assume("at most two server processes: the first and one the SCM relaunches; once both are used "
                 "up, an activation that finds no active class object waits")
        m.assume("each client holds at most one class factory and one instance at a time")
        any_idle = any_of(all_of(f == 0, i == 0) for f, i in zip(self.factory, self.instance))
        withdrawn = any_of(self.phase[first] == Phase.EXITED,
                           *[any_of(o == w for w in WITHDRAWN) for o in self.cls[first]])
        m.action("scm_launch_server", "scm",
                 guard=[self.phase[second] == Phase.DOWN, any_idle, withdrawn],
                 update={self.phase[second]: Phase.INIT},
                 doc="004.3/004.5: an activation finds the class objects revoked or suspended; "
                     "COM returns an error and the SCM starts a new server process")
        # The environment: activations (and the SCM's launch) may happen, or not, at any time.
        m.environment_process("scm", *[f"client{k}" for k in self.clients])
        ex = {s: self.phase[s] == Phase.EXITED for s in self.SERVERS}
        m.define("server_exited_in_use",
                 any_of(all_of(ex[s], any_of(self.instances(s) > 0, self.locks(s) > 0)) for s in self.SERVERS))
        m.define("client_holds_disconnected",
                 any_of(all_of(ex[s], any_of(f == s, i == s))
                        for s in self.SERVERS for f, i in zip(self.factory, self.instance)))
        m.define("activation_after_shutdown_decision", self.late)
        m.define("activation_before_init_complete", self.early)
        # unused_server_exits (004.2, 004.5, 004.7): trigger, goal, hold and witness.
        idle = m.define("nobody_holds_anything", self.idle(),
                        "no client holds an IClassFactory, a LockServer or an instance")
        m.define("unused_after_serving", all_of(any_of(*[self.served[s] for s in self.SERVERS]), idle),
                 "some server process has served an activation, and no client holds anything")
        m.define("every_served_server_exited",
                 all_of(*[any_of(~self.served[s], ex[s]) for s in self.SERVERS]),
                 "every server process that has served an activation has exited")
        m.define("served_server_exited", any_of(*[all_of(self.served[s], ex[s]) for s in self.SERVERS]),
                 "a server process that served an activation has exited")
        m.define("server_exited", ex[first])
        m.define("client_served_by_relaunched_server", any_of(f == second for f in self.factory))
        m.define("server_relaunched", self.phase[second] != Phase.DOWN)
        m.define("client_holds_factory", any_of(f != 0 for f in self.factory))
        m.define("server_cleaning_up", self.phase[first] == Phase.CLEANUP)
        # started_server_accepts_activations: the first process (every process runs the same code)
        m.define("first_server_starting", self.phase[first] == Phase.INIT)
        m.define("first_server_reachable_or_leaving",
                 any_of(*[self.accepting(first, c) for c in self.classes],
                        self.phase[first] == Phase.CLEANUP, ex[first]))


def com_design(name: str, doc: str, build: Callable[[Mapping[str, Any]], System], *,
               knobs: Iterable[Any] = (), settings: Optional[Mapping[str, Any]] = None,
               expect: Iterable[str] = (), clients: int = 2, classes: int = 2) -> Any:
    """Wrap ``build(parameters) -> System`` as a Design the CLI and the tests accept.

    The family gets the knobs ``clients`` (1..4) and ``classes`` (1..3) in front of
    yours, so ``--param clients=3`` works on every COM design.  ``expect``: the
    catalog ids the design is known to violate (empty: it should be correct).
    """
    from ..lang.designs import Design, Family, Knob

    all_knobs = (Knob("clients", clients, "number of client processes", 1, 4),
                 Knob("classes", classes, "number of CLSIDs the server registers", 1, 3), *knobs)
    fam = Family(name=name, doc=doc, knobs=tuple(all_knobs), build=build, properties=CHECKED_AGAINST)
    return Design(name, fam, dict(settings or {}), tuple(expect), doc)


# The COM catalog entries (properties/catalog/com.py) a model built on ComSide is checked against.
CHECKED_AGAINST = (
    "server_exits_only_when_unused",
    "client_never_holds_disconnected_object",
    "no_activation_after_shutdown_decision",
    "no_activation_before_init_complete",
    "unused_server_exits",
)
