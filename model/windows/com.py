"""The COM side of an out-of-process (local) server model: SCM, clients, class objects.

This module is the documented API for modelling your own COM local server.
A :class:`ComSide` declares everything that is *not* your server's code:

* the SCM, which starts another server process when an activation finds the
  class objects of the last one suspended or revoked (004.3, 004.5) -- or,
  for a server hosted in a Windows service, only once that process has exited
  -- up to ``max_processes`` processes in all (the model's cut-off, stated
  as an assumption of every verdict);
* K clients that ask for activations -- CoGetClassObject (COM marshals
  IClassFactory, with the implicit LockServer(TRUE) of 004.8 when
  ``implicit_lock``) or CoCreateInstance (COM calls the class object's
  CreateInstance in the server) -- call CreateInstance, LockServer and
  Release, and may die, leaving COM to release their references later;
* per server process its phase and the state of each class object
  (registered suspended, active, suspended, revoked);
* COM's per-process reference count (CoAddRefServerProcess /
  CoReleaseServerProcess) and CoSuspendClassObjects / CoResumeClassObjects;
* the monitors and the named definitions the COM catalog entries read
  (``properties/catalog/com.py``);
* who is scheduled fairly (model/lang/temporal.py): every server thread, the
  SCM answering a pending activation, and COM completing a call a client is
  blocked in; never a client's own call (activations need not come).

Your server supplies its own steps and the code it runs at each call site::

    from scmcheck.model.com import ClassObj, ComSide, Phase, com_design
    from scmcheck.model.lang.system import System

    def build(p):
        m = System("my_server", "...", parameters=p)
        com = ComSide(m, clients=p["clients"], classes=p["classes"], threading="free_threaded")
        for s in com.SERVERS:   # your steps, for the first process and every one the SCM starts
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
        # The code at each call site: the process refcount helpers (004.5-004.7); when
        # CoReleaseServerProcess returns 0, COM has suspended the class objects and the
        # server commits to exit.
        addref = com.co_add_ref_server_process
        release = lambda s: com.co_release_server_process(s, on_zero=com.decide(s))
        com.add_clients(constructor=addref, destructor=release, lock_server=addref, unlock_server=release)
        com.finish()  # the SCM, fairness, the definitions the catalog reads
        return m

    design = com_design("my-server", "what it models", build)

A complete worked example is ``examples/com/my_server.py``; two designs of
issue 8 are ``examples/com/factory_module_lock.py`` and
``examples/com/create_instance_race.py`` (see ``examples/com/README.md``).

Call sites (:meth:`ComSide.add_clients`)
    ``constructor(s)``, ``destructor(s)``, ``lock_server(s)`` and
    ``unlock_server(s)`` each return the update that server process ``s``'s
    own code makes there (a dict, as for an action), or a list of such updates
    for code that takes several steps (a ``count++`` that reads and then
    writes: other threads run in between), or None for no code.  A function
    taking two arguments ``(s, k)`` is also told which client's call it serves
    (for a per-call local variable).  The counts are real variables, so a
    missed AddRef, a double Release or a non-atomic increment are what your
    code does, and what the catalog finds.  ``lock_server``/``unlock_server``
    run for COM's implicit LockServer(TRUE)/(FALSE) around a marshaled
    IClassFactory (004.8) and, without it, for the client's own calls.

    The earlier form ``add_clients(counts_instances=..., counts_locks=...,
    on_zero=...)`` still works: it declares a counter ``count[s]`` and
    call-site code that raises and lowers it, and applies ``on_zero(s)`` in
    the release that takes it from 1 to 0 while ``s`` initialises or runs.

COM's per-process reference count (004.5-004.7)
    ``co_add_ref_server_process(s)`` and ``co_release_server_process(s,
    on_zero=update)`` are updates on ``server_refs[s]``.  When a
    CoReleaseServerProcess returns 0, COM suspends every active class object
    of ``s`` (CoSuspendClassObjects) in the same call and ``on_zero`` -- what
    your code does on seeing 0 -- is applied.  See :meth:`ComSide.co_release_server_process`.

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

Liveness:

* ``unused_server_exits`` (004.2, 004.5, 004.7): a server process that has
  served an activation exits once, from some point on, no client holds
  anything.  ``ComSide`` records "has served" (``served[s]``) so that a server
  nobody ever used is not flagged: COM starts a server for an activation, and
  a stock server waits for it.
* ``activation_eventually_served`` (004.3, 004.5): a client's activation
  request is eventually served by some server process (unless the client
  dies first).  Runs that end with the request waiting only because all
  ``max_processes`` processes are used up are excluded (the entry's ``hold``),
  and the cut-off is stated among the verdict's assumptions.  It is stated
  for client 0: the clients are identical, so any client's starvation is
  client 0's under a renaming.

Rules (properties/rules.py): 004.2 the server may shut down only when its
instance and lock counts are zero; 004.3/004.5 an activation that finds the
class objects revoked/suspended makes the SCM start a new server process;
004.5 CoReleaseServerProcess reaching zero calls CoSuspendClassObjects;
004.8 COM's implicit LockServer around a marshaled IClassFactory; 004.9 when
activations can first arrive, per threading model; 004.10 REGCLS_SUSPENDED and
CoResumeClassObjects.

Microsoft pages each behaviour follows:

* CoAddRefServerProcess / CoReleaseServerProcess (the count, 0 returned, the
  automatic CoSuspendClassObjects):
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coaddrefserverprocess,
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coreleaseserverprocess
* CoSuspendClassObjects ("prevents any new activation requests from the SCM on
  all class objects registered within the process"; the class objects must
  still be revoked):
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-cosuspendclassobjects
* CoResumeClassObjects ("inform the SCM about all the registered classes, and
  begins letting activation requests into the server process"): every
  registered class object that is not revoked accepts activations again,
  whether it was registered with REGCLS_SUSPENDED or suspended since:
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coresumeclassobjects
* CoRegisterClassObject (REGCLS_SUSPENDED) and CoRevokeClassObject:
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coregisterclassobject,
  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-corevokeclassobject
* IClassFactory::CreateInstance and LockServer:
  https://learn.microsoft.com/windows/win32/api/unknwn/nf-unknwn-iclassfactory-createinstance,
  https://learn.microsoft.com/windows/win32/api/unknwnbase/nf-unknwnbase-iclassfactory-lockserver
* Out-of-process server implementation helpers (004.x):
  https://learn.microsoft.com/windows/win32/com/out-of-process-server-implementation-helpers

Abstractions (each keeps the state space small without hiding a documented race):

* A client's call is a step in the client's lane; the server code it runs
  (constructor, destructor, LockServer) runs in the same step when it is one
  update, as an interlocked counter update would.  Two calls may also be
  split: **CreateInstance** -- the call is dispatched to a server thread
  (``client_create_instance_dispatched``) and the constructor runs in a later
  step (``server_create_instance``), so another thread's final release can
  fall in between (004.4) -- and **CoCreateInstance** -- COM dispatches the
  activation to a class object (``client_activation_dispatched``) and the
  constructor runs later (``server_activate_instance``).  The unsplit steps
  (``client_create_instance``, ``client_co_create_instance``) are those two
  steps taken back to back: they add no state, only shorter traces.  In a
  single-threaded server the call is one message on the one thread and
  nothing of the server runs in between: there it is never split (004.3).
  Code of several steps (a list) runs one step at a time, and in a
  single-threaded server as one step.
* An activation a class object accepts is served in the client's step
  (``client_get_class_object``, ``client_co_create_instance``).  One that no
  class object accepts waits (``client_request_class_object``,
  ``client_request_instance``): the SCM may start a process for it
  (``scm_launch_server``), and COM serves it when a class object accepts it
  (``com_serve_class_object``, ``com_dispatch_activation``, fair steps in the
  client's lane).
* The counts the catalog judges by are *derived* from what the clients hold
  (``instances(s)``, ``locks(s)``): the truth the server's own counters must
  match.
* A client holds at most one class factory and one instance at a time and asks
  for a new activation only when it holds neither and is in no call: every
  race in 004.x needs one reference per client, and K clients give K
  concurrent references.
* Which class a held factory or instance belongs to is not recorded: after the
  hand-out, what matters (lifetime, disconnection) is per server process.  The
  class matters for activation routing, so it is part of the request.  (An
  apartment server's instance lives in its class object's apartment; since the
  class is not recorded, calls on different apartments are allowed to
  interleave even where they would share one: an over-approximation with one
  class only.)
* At most ``max_processes`` server processes (1 to 3; default 2: the first,
  started with the model, and one the SCM starts).  Every race in the document
  is within one process's lifetime or at the hand-over to the next.  Once all
  are used up, an activation that none accepts waits (the cut-off): it is
  stated as an assumption, and ``activation_eventually_served`` does not count
  such a wait as a violation.
* Calls on a reference whose server has exited are not modelled as steps
  (they fail); releasing such a reference is (the proxy drops it), and a call
  in progress into a process that exits fails (``client_call_failed``).
* A client may die (``client_dies``; ``clients_may_die``).  Its pending
  request is gone; COM releases its instance and factory later
  (``com_rundown_instance``/``com_rundown_factory``: the object exporter
  notices the missing pings), at a time that is never forced.  An explicit
  LockServer(TRUE) of a dead client (only without the implicit lock) is never
  undone: COM does not track it.
* COM counts an activation it has dispatched (CoCreateInstance, until the
  constructor has run) in the per-process reference count: a
  CoReleaseServerProcess in that window does not return 0.  The
  documentation promises that the helpers coordinate the shutdown decision
  with activation requests on other threads (004.4, 004.5, the remarks of
  CoAddRefServerProcess) without describing the mechanism; this is the
  reading under which that promise holds, and it is stated as an assumption.
  A server that counts by hand gets no such help.
* Time: nothing in 004.x has a documented duration, so COM models are
  untimed.
"""

from __future__ import annotations

import enum
import inspect
from typing import Any, Callable, Iterable, Mapping, Optional

from ..lang.errors import InputError
from ..lang.expr import TRUE, Expr, VarRef, all_of, any_of, count_true, ite, lift, max_, substitute
from ..lang.system import Action, System

# COM models are untimed (no rule in 004.x names a duration).  Kept so that user code written for the
# earlier, timed COM side (``System(..., time_unit=TIME_UNIT_S)``) still imports: a time unit alone
# does not make a model timed.
TIME_UNIT_S = 1
THREADING = ("single_threaded", "apartment", "free_threaded")
HOSTING = ("exe", "service")
MAX_PROCESSES = 3  # the largest cut-off on server processes a model may ask for


class Phase(enum.IntEnum):
    """Where one server process is."""

    DOWN = 0  # not started (a later process, until the SCM launches it)
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

# Server code that may still be running after the client's call step (see ComSide._code_positions).
_KINDS = ("constructor", "activation", "destructor", "lock_server", "unlock_server")
_STEP_NAMES = {"constructor": "server_create_instance", "activation": "server_activate_instance",
               "destructor": "server_destructor", "lock_server": "server_lock_server",
               "unlock_server": "server_unlock_server"}

CallSite = Optional[Callable[..., Any]]


class ComSide:
    """SCM, clients and class-object table of a local COM server model.

    Arguments: ``clients`` K >= 1 and ``classes`` C >= 1; ``threading`` one of
    :data:`THREADING`; ``implicit_lock`` COM's implicit LockServer around a
    marshaled IClassFactory (004.8; False shows the race it prevents);
    ``client_locks_first`` (only without it) the client protocol of 004.8;
    ``max_processes`` 1..3, how many server processes the model may start in
    all (the cut-off); ``hosting`` "exe" (the SCM starts another process as
    soon as the last one withdrew its class objects) or "service" (a server
    hosted in a Windows service: the SCM cannot start a second instance of the
    service while the first runs, so only once it has exited);
    ``co_create_instance`` clients may also activate with CoCreateInstance;
    ``clients_may_die`` a client process may die.  InputError for anything
    out of range.

    Variables (``s`` = server process 1..P, ``c`` = class 0..C-1, ``k`` = client):
      phase[s]           -- where server process s is (:class:`Phase`)
      class_obj[s][c]    -- class object c in process s (:class:`ClassObj`)
      shutdown_decided[s] -- process s is committed to exit: its point of no return (:meth:`decide`)
      cleanup_signalled[s] -- a thread of s asked for the cleanup without committing (:meth:`signal_cleanup`)
      served[s]          -- process s has served an activation
      server_refs[s]     -- COM's per-process reference count (declared on first use of the helpers)
      request[k]         -- the activation client k waits for: 0 none, c+1 class c
      request_instance[k] -- that request is a CoCreateInstance (else CoGetClassObject)
      factory[k]         -- which process the IClassFactory client k holds belongs to (0: none)
      locked[k]          -- client k called LockServer(TRUE) on it (only without the implicit lock)
      created[k]         -- client k created an instance with the factory it holds (client_locks_first)
      instance[k]        -- which process the instance client k holds lives in (0: none)
      call[k], call_server[k] -- server code still running for client k's call, and in which process
      dead[k]            -- client k's process has died (clients_may_die)
      early_activation   -- monitor: an activation was served before its server finished initialising (004.9)
      late_activation    -- monitor: an activation was served by a server committed to exit (004.3-004.5)
    """

    def __init__(self, m: System, clients: int, classes: int, threading: str, implicit_lock: bool = True,
                 client_locks_first: bool = True, max_processes: int = 2, hosting: str = "exe",
                 co_create_instance: bool = True, clients_may_die: bool = False) -> None:
        if threading not in THREADING:
            raise InputError(f"threading = {threading!r}; use one of {', '.join(THREADING)}")
        if hosting not in HOSTING:
            raise InputError(f"hosting = {hosting!r}; use one of {', '.join(HOSTING)}")
        if not (isinstance(clients, int) and isinstance(classes, int) and 1 <= clients and 1 <= classes):
            raise InputError(f"a COM model needs at least one client and one class (got {clients}, {classes})")
        if not (isinstance(max_processes, int) and 1 <= max_processes <= MAX_PROCESSES):
            raise InputError(f"max_processes = {max_processes!r}; use an integer from 1 to {MAX_PROCESSES}")
        self.m = m
        self.clients = list(range(clients))
        self.classes = list(range(classes))
        self.threading = threading
        self.single = threading == "single_threaded"
        self.implicit_lock = implicit_lock
        # With the implicit lock the client's LockServer never reaches the server: its protocol is unobservable.
        self.locks_first = client_locks_first and not implicit_lock
        self.max_processes = max_processes
        self.hosting = hosting
        self.co_create_instance = co_create_instance
        self.clients_may_die = clients_may_die
        self.SERVERS = tuple(range(1, max_processes + 1))
        self._finished = False
        self._clients_added = False
        self._refs: dict[int, VarRef] = {}
        self._probing = False
        P = len(self.SERVERS)
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
        self.request = [m.int(f"request[{k}]", 0, classes, 0,
                              f"the activation client {k} waits for: 0 none, c+1 class c") for k in self.clients]
        self.request_instance = ([m.bool(f"request_instance[{k}]", False,
                                         f"client {k}'s request is a CoCreateInstance (else CoGetClassObject)")
                                  for k in self.clients] if co_create_instance else None)
        self.factory = [m.int(f"factory[{k}]", 0, P, 0,
                              f"server process of the IClassFactory client {k} holds (0: none)") for k in self.clients]
        self.locked = [m.bool(f"locked[{k}]", False, f"client {k} holds a LockServer(TRUE) on its factory's server")
                       for k in self.clients]
        self.created = ([m.bool(f"created[{k}]", False,
                                f"client {k} created an instance with the factory it holds (it may now unlock)")
                         for k in self.clients] if self.locks_first else None)
        self.instance = [m.int(f"instance[{k}]", 0, P, 0,
                               f"server process of the instance client {k} holds (0: none)") for k in self.clients]
        self.dead = ([m.bool(f"dead[{k}]", False, f"client {k}'s process has died") for k in self.clients]
                     if clients_may_die else None)
        self.call: Optional[list] = None  # declared by add_clients when some server code outlasts the call step
        self.call_server: Optional[list] = None
        # ---- monitors
        self.early = m.bool("early_activation", False, "monitor: an activation was served during initialisation (004.9)")
        self.late = m.bool("late_activation", False,
                           "monitor: an activation was served by a server committed to exit (004.3-004.5)")

    # ------------------------------------------------------------ derived counts (004.2)
    def instances(self, s: int) -> Expr:
        """Live instances in server process ``s`` (those a dead client still holds included): what its
        instance count must be."""
        return count_true(i == s for i in self.instance)

    def locks(self, s: int) -> Expr:
        """LockServer count of process ``s``: explicit locks, or COM's implicit lock per marshaled factory (004.8)."""
        if self.implicit_lock:
            return count_true(f == s for f in self.factory)
        return count_true(all_of(lk, f == s) for lk, f in zip(self.locked, self.factory))

    def counter(self, s: int, counts_instances: bool, counts_locks: bool) -> Expr:
        """The exact count derived from what the clients hold: instances and/or locks.  An oracle for
        tests; a design re-checks its *own* counter (it may be wrong: that is what gets found)."""
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

    def serving(self, s: int) -> Expr:
        """Process ``s`` runs the code of an incoming call now: a single-threaded server only from
        its message loop; a multi-threaded one from start-up until it exits (RPC threads)."""
        if self.single:
            return self.phase[s] == Phase.RUNNING
        return all_of(self.phase[s] != Phase.DOWN, self.phase[s] != Phase.EXITED)

    def turns_away(self, s: int, c: int) -> Expr:
        """The SCM would start another process for class ``c`` because of process ``s``: ``s`` has
        withdrawn class object ``c`` (suspended or revoked, 004.3, 004.5) or exited; for a
        service-hosted server only once ``s`` has exited (a second instance of a running service
        cannot be started)."""
        ex = self.phase[s] == Phase.EXITED
        if self.hosting == "service":
            return ex
        return any_of(ex, *[self.cls[s][c] == w for w in WITHDRAWN])

    def alive(self, k: int) -> Expr:
        """Client ``k``'s process has not died."""
        return ~self.dead[k] if self.dead is not None else TRUE

    # ------------------------------------------------------------ updates (COM API calls)
    def register(self, s: int, c: int, suspended: bool) -> dict:
        """CoRegisterClassObject(REGCLS_LOCAL_SERVER [| REGCLS_SUSPENDED]) for class ``c`` in ``s``."""
        return {self.cls[s][c]: ClassObj.PENDING if suspended else ClassObj.ACTIVE}

    def resume(self, s: int) -> dict:
        """CoResumeClassObjects: every registered, unrevoked class object of ``s`` accepts activations --
        those registered with REGCLS_SUSPENDED (004.10) and those suspended since (by
        CoSuspendClassObjects, or by COM when CoReleaseServerProcess reached zero).  The page: "causes
        OLE to inform the SCM about all the registered classes, and begins letting activation requests
        into the server process"
        (https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coresumeclassobjects)."""
        return {o: ite(any_of(o == ClassObj.PENDING, o == ClassObj.SUSPENDED), ClassObj.ACTIVE, o)
                for o in self.cls[s]}

    def suspend(self, s: int) -> dict:
        """CoSuspendClassObjects: "prevents any new activation requests from the SCM on all class
        objects registered within the process" -- every active class object of ``s`` is suspended;
        they must still be revoked
        (https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-cosuspendclassobjects).
        COM calls it itself when CoReleaseServerProcess reaches zero (004.5,
        :meth:`co_release_server_process`)."""
        return {o: ite(o == ClassObj.ACTIVE, ClassObj.SUSPENDED, o) for o in self.cls[s]}

    def process_refs(self, s: int) -> VarRef:
        """COM's per-process reference count of ``s`` (``server_refs[s]``, 0..2K+C+2), declared on first use."""
        if s not in self.SERVERS:
            raise InputError(f"server process {s!r} does not exist; use one of {', '.join(map(str, self.SERVERS))}")
        if not self._refs:
            hi = 2 * len(self.clients) + len(self.classes) + 2
            for t in self.SERVERS:
                self._refs[t] = self.m.int(f"server_refs[{t}]", 0, hi, 0,
                                           f"server process {t}'s per-process reference count "
                                           "(CoAddRefServerProcess/CoReleaseServerProcess)")
        return self._refs[s]

    def co_add_ref_server_process(self, s: int) -> dict:
        """CoAddRefServerProcess in process ``s``: ``server_refs[s] + 1`` (an update).

        The count is 0..2K+C+2; a design that raises it further is reported by the engines as an update
        out of range.  https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coaddrefserverprocess
        """
        r = self.process_refs(s)
        return {r: r + 1}

    def co_release_server_process(self, s: int, on_zero: Optional[Mapping[Any, Any]] = None) -> dict:
        """CoReleaseServerProcess in process ``s`` (an update): ``server_refs[s] - 1``.

        When it returns 0 (the count was 1), COM suspends every active class object of ``s`` in the
        same call ("OLE automatically calls CoSuspendClassObjects", 004.5) and ``on_zero`` -- the
        update your code makes on seeing 0, e.g. :meth:`decide` and a quit event (004.7) -- is
        applied; it reads the state before the call and may override the class objects.  An
        activation COM has dispatched into ``s`` and whose constructor has not yet run counts in the
        count (module docstring), so the call does not return 0 then.  Released at 0 (a double
        Release), the count stays 0 and nothing happens: the ULONG would wrap to a non-zero value.
        https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-coreleaseserverprocess
        """
        r = self.process_refs(s)
        zero = all_of(r == 1, ~self.activation_in_flight(s))
        out: dict = {r: max_(r - 1, 0)}
        for o in self.cls[s]:
            out[o] = ite(all_of(zero, o == ClassObj.ACTIVE), ClassObj.SUSPENDED, o)
        for key, e in dict(on_zero or {}).items():
            ref = self._ref(key)
            if ref is r:
                raise InputError(f"co_release_server_process({s}): on_zero may not change {r.name} itself")
            out[ref] = ite(zero, e, out.get(ref, ref))
        return out

    def activation_in_flight(self, s: int) -> Expr:
        """An activation COM dispatched into ``s`` (CoCreateInstance) whose constructor has not finished."""
        if self.call is None or self._probing:
            return lift(False)
        codes = [self._code[("activation", j)] for j in range(self._steps["activation"])
                 if ("activation", j) in self._code]
        return any_of(all_of(cs == s, any_of(*[cl == code for code in codes]))
                      for cl, cs in zip(self.call, self.call_server))

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
        """No client holds an IClassFactory, a LockServer or an instance (of any server process), and no
        server code runs for a client's call."""
        busy = self.call if self.call is not None else []
        return all_of(*[all_of(f == 0, i == 0, ~lk) for f, i, lk in zip(self.factory, self.instance, self.locked)],
                      *[cl == 0 for cl in busy])

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

    # ------------------------------------------------------------ helpers for updates
    def _ref(self, key: Any) -> VarRef:
        return self.m[key] if isinstance(key, str) else key

    def _norm(self, update: Mapping[Any, Any]) -> dict:
        return {self._ref(k): lift(v) for k, v in update.items()}

    @staticmethod
    def _then(first: dict, second: dict) -> dict:
        """Sequential composition: ``second`` evaluated in the state ``first`` leads to."""
        mapping = {k.name: v for k, v in first.items()}
        out = dict(first)
        for k, v in second.items():
            out[k] = substitute(v, mapping)
        return out

    def _site(self, f: CallSite, kind: str, s: int, k: int) -> list:
        """The code of call site ``kind`` in process ``s`` serving client ``k``: a list of updates."""
        if f is None:
            return [{}]
        try:
            params = [p for p in inspect.signature(f).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        except (TypeError, ValueError):
            params = [None]
        got = f(s, k) if len(params) >= 2 else f(s)
        if got is None:
            return [{}]
        if isinstance(got, Mapping):
            return [self._norm(got)]
        if isinstance(got, (list, tuple)) and all(isinstance(u, Mapping) for u in got):
            return [self._norm(u) for u in got] or [{}]
        raise InputError(f"add_clients: {kind}({s}) returned {type(got).__name__}; return an update (a dict), "
                         "a list of updates (one per step), or None")

    def _folded(self, steps: list) -> dict:
        out: dict = {}
        for u in steps:
            out = self._then(out, u)
        return out

    # ------------------------------------------------------------ clients (and the COM runtime they call)
    def add_clients(self, constructor: CallSite = None, destructor: CallSite = None, lock_server: CallSite = None,
                    unlock_server: CallSite = None, *, counts_instances: Optional[bool] = None,
                    counts_locks: Optional[bool] = None,
                    on_zero: Optional[Callable[[int], Mapping[Any, Any]]] = None) -> None:
        """Declare the client steps and the server code each call runs.

        ``constructor(s)``, ``destructor(s)``, ``lock_server(s)``, ``unlock_server(s)``: the update
        (dict), list of updates (one per step) or None that server process ``s``'s code makes in an
        instance's constructor (IClassFactory::CreateInstance, or COM's CreateInstance for
        CoCreateInstance), its destructor (the Release of its last reference, or COM's rundown of a
        dead client's), and LockServer(TRUE)/(FALSE) (the implicit ones around a marshaled factory,
        004.8, or the client's own).  A function of two arguments gets ``(s, k)``, ``k`` the client
        whose call it serves.  Updates read the state before their step.  The functions are called more
        than once per (s, k) and must only build updates (declare variables before add_clients).

        The earlier form (``counts_instances``, ``counts_locks``, ``on_zero``): a counter ``count[s]``
        (``self.count``) covering instances and/or locks, raised and lowered at those call sites, and
        ``on_zero(s)`` applied in the release that brings it from 1 to 0 while ``s`` initialises or
        runs.  InputError if called twice, or with both forms.
        """
        if self._clients_added:
            raise InputError("add_clients() was called twice")
        old = (counts_instances, counts_locks, on_zero)
        if any(x is not None for x in old):
            if any(x is not None for x in (constructor, destructor, lock_server, unlock_server)):
                raise InputError("add_clients: give either constructor/destructor/lock_server/unlock_server or "
                                 "counts_instances/counts_locks/on_zero, not both")
            if any(x is None for x in old):
                raise InputError("add_clients: the earlier form needs counts_instances, counts_locks and on_zero")
            constructor, destructor, lock_server, unlock_server = self._counting(bool(counts_instances),
                                                                                 bool(counts_locks), on_zero)
        self._clients_added = True
        sites = {"constructor": constructor, "activation": constructor, "destructor": destructor,
                 "lock_server": lock_server, "unlock_server": unlock_server}
        # Twice: first to learn how many steps each call site takes (which decides the variables that
        # track a call in progress), then for real, now that activation_in_flight can read them.
        self._probing = True
        code = {kind: {(s, k): self._site(f, kind, s, k) for s in self.SERVERS for k in self.clients}
                for kind, f in sites.items()}
        self._probing = False
        self._declare_calls(code)
        code = {kind: {(s, k): self._site(f, kind, s, k) for s in self.SERVERS for k in self.clients}
                for kind, f in sites.items()}
        if {kind: max(len(v) for v in per.values()) for kind, per in code.items()} != self._steps:
            raise InputError("add_clients: a call-site function gave a different number of steps when called "
                             "again; it must only build updates")
        self._declare_client_steps(code)

    def _counting(self, counts_instances: bool, counts_locks: bool,
                  on_zero: Callable[[int], Mapping[Any, Any]]) -> tuple:
        """Call-site code for the earlier form of :meth:`add_clients`."""
        m = self.m
        self.count = {s: m.int(f"count[{s}]", 0, 2 * len(self.clients), 0,
                               f"server process {s}'s own count of " +
                               " and ".join(w for w, on in (("instances", counts_instances), ("locks", counts_locks))
                                            if on) if (counts_instances or counts_locks) else "nothing")
                      for s in self.SERVERS}

        def up(s: int) -> dict:
            return {self.count[s]: self.count[s] + 1}

        def down(s: int) -> dict:
            n = self.count[s]
            trigger = all_of(n == 1, any_of(self.phase[s] == Phase.INIT, self.phase[s] == Phase.RUNNING))
            out: dict = {n: n - 1}
            for key, e in dict(on_zero(s)).items():
                ref = self._ref(key)
                out[ref] = ite(trigger, e, ref)
            return out

        return (up if counts_instances else None, down if counts_instances else None,
                up if counts_locks else None, down if counts_locks else None)

    def _declare_calls(self, code: dict) -> None:
        """Which server code outlasts the client's call step: every step of a constructor (the call
        is dispatched first, 004.4) and the second and later steps of other code -- except in a
        single-threaded server, where the one thread runs a call's code with nothing in between."""
        self._steps = {kind: max(len(v) for v in per.values()) for kind, per in code.items()}
        positions = []
        if not self.single:
            for kind in _KINDS:
                if kind == "activation" and not self.co_create_instance:
                    continue
                first = 0 if kind in ("constructor", "activation") else 1
                positions += [(kind, j) for j in range(first, self._steps[kind])]
        self._code = {pos: i + 1 for i, pos in enumerate(positions)}
        if positions:
            m, P = self.m, len(self.SERVERS)
            self.call = [m.int(f"call[{k}]", 0, len(positions), 0,
                               f"server code still running for client {k}'s call (0: none; "
                               + ", ".join(f"{i}: {kd} step {j}" for (kd, j), i in self._code.items()) + ")")
                         for k in self.clients]
            self.call_server = [m.int(f"call_server[{k}]", 0, P, 0, f"the server process running client {k}'s call")
                                for k in self.clients]

    def _start(self, kind: str, s: int, k: int, steps: list, done: dict, whole: bool = False) -> dict:
        """The update of a client's call step into ``s`` that runs ``kind``'s code: the first step of it
        (all of it when single-threaded, or ``whole``), then either ``done`` or the rest pending in
        ``call[k]``."""
        if self.single or whole:
            return self._then(self._folded(steps), done)
        first = 0 if kind in ("constructor", "activation") else 1
        if len(steps) <= first:
            return self._then(self._folded(steps), done)
        head = self._folded(steps[:first])
        return {**head, self.call[k]: lift(self._code[(kind, first)]), self.call_server[k]: lift(s)}

    def _declare_client_steps(self, code: dict) -> None:
        m = self.m
        alive = self.alive
        in_call = (lambda k: self.call[k] == 0) if self.call is not None else (lambda k: TRUE)

        def needs_server(steps: list) -> bool:
            return any(u for u in steps)

        def reachable(s: int, steps: list) -> Expr:
            """The call's code can run in ``s`` now (a call with no server code needs nothing)."""
            return self.serving(s) if needs_server(steps) else self.phase[s] != Phase.EXITED

        ri = self.request_instance
        # Declaration order decides nothing but which of several equally short traces the explicit
        # engine reports (its BFS tries actions in this order): every client's activation steps
        # first, then the other client steps from the last client down to client 0.  The 004.8 race
        # then reads as the document tells it: client 0 gets its factory, and in its window another
        # client connects, creates an instance and releases it, and the server shuts down.
        for k in self.clients:
            fac, inst, req = self.factory[k], self.instance[k], self.request[k]
            free = [alive(k), req == 0, fac == 0, inst == 0, in_call(k)]
            for s in self.SERVERS:
                ph = self.phase[s]
                for c in self.classes:
                    lock = code["lock_server"][(s, k)] if self.implicit_lock else [{}]
                    got = {fac: lift(s), self.served[s]: lift(True), self.early: self.early | (ph == Phase.INIT),
                           self.late: self.late | self.decided[s]}
                    # CoGetClassObject, one step in the client's lane when a class object accepts it: COM
                    # dispatches the request to class object c in process s, a server thread marshals
                    # IClassFactory (with the implicit lock, LockServer(TRUE) runs in the server in the same
                    # step, 004.8), and the client unmarshals the proxy.
                    m.action("client_get_class_object", f"client{k}", guard=[*free, self.accepting(s, c)],
                             update={**self._start("lock_server", s, k, lock, {}), **got},
                             args={"k": k, "c": c, "s": s}, fair=False,
                             doc="004.8: CoGetClassObject; COM marshals the class object's IClassFactory "
                                 "to client k, which unmarshals it")
                    if not ri:
                        continue
                    # CoCreateInstance: COM dispatches the activation to class object c in process s, whose
                    # CreateInstance runs the constructor -- next (multi-threaded: another thread may run
                    # in between, 004.4) or in the same message (single-threaded, 004.3).
                    ctor = code["activation"][(s, k)]
                    hand = {self.served[s]: lift(True), self.early: self.early | (ph == Phase.INIT),
                            self.late: self.late | self.decided[s]}
                    done = {inst: lift(s), self.late: self.late | self.decided[s]}
                    m.action("client_co_create_instance", f"client{k}", guard=[*free, self.accepting(s, c)],
                             update={**self._start("activation", s, k, ctor, done, whole=True), **hand},
                             args={"k": k, "c": c, "s": s}, fair=False,
                             doc="CoCreateInstance: COM dispatches the activation to class object c in process s; "
                                 "its CreateInstance runs the constructor and the instance is handed back")
                    if not self.single:
                        m.action("client_activation_dispatched", f"client{k}", guard=[*free, self.accepting(s, c)],
                                 update={**self._start("activation", s, k, ctor, done), **hand},
                                 args={"k": k, "c": c, "s": s}, fair=False,
                                 doc="CoCreateInstance: COM dispatches the activation to class object c in process "
                                     "s; its constructor has not run yet (004.4)")
                # The same calls made earlier, while no class object accepted them: COM serves them now
                # (one step per process: the class is the one the client asked for, request[k]).
                ready = any_of(all_of(req == c + 1, self.accepting(s, c)) for c in self.classes)
                lock = code["lock_server"][(s, k)] if self.implicit_lock else [{}]
                hand = {self.served[s]: lift(True), self.early: self.early | (ph == Phase.INIT),
                        self.late: self.late | self.decided[s]}
                m.action("com_serve_class_object", f"client{k}", guard=[ready, *([~ri[k]] if ri else [])],
                         update={**self._start("lock_server", s, k, lock, {}), fac: lift(s), **hand, req: lift(0)},
                         args={"k": k, "s": s},
                         doc="COM serves client k's waiting CoGetClassObject from process s: it marshals the "
                             "class object's IClassFactory (004.8)")
                if ri:
                    ctor = code["activation"][(s, k)]
                    done = {inst: lift(s), self.late: self.late | self.decided[s]}
                    m.action("com_dispatch_activation", f"client{k}", guard=[ready, ri[k]],
                             update={**self._start("activation", s, k, ctor, done), **hand, req: lift(0),
                                     ri[k]: lift(False)},
                             args={"k": k, "s": s},
                             doc="COM dispatches client k's waiting CoCreateInstance to the class object in process s")
            # Waiting: the call is made while no process accepts the class (it is suspended or revoked,
            # or not registered yet); the SCM may start a process for it, and COM serves it later.
            for c in self.classes:
                none = all_of(*[~self.accepting(s, c) for s in self.SERVERS])
                m.action("client_request_class_object", f"client{k}", guard=[*free, none],
                         update={req: c + 1, **({ri[k]: False} if ri else {})}, args={"k": k, "c": c}, fair=False,
                         doc="the client calls CoGetClassObject for class c; no class object accepts it yet, so "
                             "it waits")
                if ri:
                    m.action("client_request_instance", f"client{k}", guard=[*free, none],
                             update={req: c + 1, ri[k]: True}, args={"k": k, "c": c}, fair=False,
                             doc="the client calls CoCreateInstance for class c; no class object accepts it yet, "
                                 "so it waits")
        for k in reversed(self.clients):
            fac, lk, inst = self.factory[k], self.locked[k], self.instance[k]
            made = self.created[k] if self.locks_first else None
            for s in self.SERVERS:
                ex = self.phase[s] == Phase.EXITED
                dtor = code["destructor"][(s, k)]
                unlock = code["unlock_server"][(s, k)]
                lock = code["lock_server"][(s, k)]
                m.action("client_release_instance", f"client{k}",
                         guard=[alive(k), inst == s, in_call(k), ~ex, reachable(s, dtor)],
                         update={**self._start("destructor", s, k, dtor, {}), inst: 0}, args={"k": k, "s": s},
                         fair=False, doc="Release of the last reference: the destructor runs in the server")
                # A client undoes its LockServer(TRUE) before releasing the factory (the documented
                # pairing); releasing while locked would leak the lock, a client bug outside 004.x.
                fac_code = unlock if self.implicit_lock else [{}]
                m.action("client_release_factory", f"client{k}",
                         guard=[alive(k), fac == s, ~lk, in_call(k), ~ex, reachable(s, fac_code)],
                         update={**self._start("unlock_server", s, k, fac_code, {}), fac: 0},
                         args={"k": k, "s": s}, fair=False,
                         doc="Release of the IClassFactory proxy" +
                             ("; COM's implicit LockServer(FALSE) runs in the server (004.8)" if self.implicit_lock else ""))
                m.action("client_release_disconnected", f"client{k}",
                         guard=[alive(k), ex, in_call(k), any_of(inst == s, fac == s)],
                         update={inst: ite(inst == s, 0, inst), fac: ite(fac == s, 0, fac),
                                 lk: ite(fac == s, False, lk),
                                 **({made: ite(fac == s, False, made)} if made is not None else {})},
                         args={"k": k, "s": s}, fair=False,
                         doc="the client releases its proxies into an exited server: the proxy drops them")
                if self.locks_first:
                    # Done: it created an instance and holds none; LockServer(FALSE) and the Release
                    # of the factory are one step (why this hides no race: module docstring of com_server).
                    m.action("client_unlock_and_release_factory", f"client{k}",
                             guard=[alive(k), fac == s, lk, made, inst == 0, in_call(k), ~ex, reachable(s, unlock)],
                             update={**self._start("unlock_server", s, k, unlock, {}), lk: False, made: False, fac: 0},
                             args={"k": k, "s": s}, fair=False,
                             doc="done with the factory: IClassFactory::LockServer(FALSE), then its Release")
                elif not self.implicit_lock:
                    m.action("client_unlock_server", f"client{k}",
                             guard=[alive(k), fac == s, lk, in_call(k), ~ex, reachable(s, unlock)],
                             update={**self._start("unlock_server", s, k, unlock, {}), lk: False},
                             args={"k": k, "s": s}, fair=False, doc="IClassFactory::LockServer(FALSE)")
                # 004.8's protocol: CreateInstance only once the client holds its own LockServer(TRUE).
                ctor = code["constructor"][(s, k)]
                done = {inst: lift(s), **({made: lift(True)} if made is not None else {})}
                create = [alive(k), fac == s, inst == 0, in_call(k), self.serving(s),
                          *([lk] if self.locks_first else [])]
                m.action("client_create_instance", f"client{k}", guard=create,
                         update=self._start("constructor", s, k, ctor, done, whole=True), args={"k": k, "s": s},
                         fair=False, doc="IClassFactory::CreateInstance: the constructor runs and the instance is "
                                         "handed back")
                if not self.single:
                    m.action("client_create_instance_dispatched", f"client{k}", guard=create,
                             update=self._start("constructor", s, k, ctor, done), args={"k": k, "s": s}, fair=False,
                             doc="IClassFactory::CreateInstance dispatched to a server thread; the constructor has "
                                 "not run yet (004.4)")
                if not self.implicit_lock:
                    m.action("client_lock_server", f"client{k}",
                             guard=[alive(k), fac == s, ~lk, in_call(k), reachable(s, lock)],
                             update={**self._start("lock_server", s, k, lock, {}), lk: True},
                             args={"k": k, "s": s}, fair=False,
                             doc="IClassFactory::LockServer(TRUE): the client keeps the server alive (004.8)")
                if self.dead is not None:
                    dead = self.dead[k]
                    m.action("com_rundown_instance", f"client{k}",
                             guard=[dead, inst == s, in_call(k), any_of(ex, reachable(s, dtor))],
                             update={**ite_update(~ex, self._start("destructor", s, k, dtor, {})), inst: 0},
                             args={"k": k, "s": s}, fair=False,
                             doc="COM releases a dead client's instance (the destructor runs), some time later")
                    # An explicit LockServer(TRUE) of a dead client is never undone (COM does not track it).
                    m.action("com_rundown_factory", f"client{k}",
                             guard=[dead, fac == s, ~lk, in_call(k), any_of(ex, reachable(s, fac_code))],
                             update={**ite_update(~ex, self._start("unlock_server", s, k, fac_code, {})), fac: 0,
                                     **({made: False} if made is not None else {})},
                             args={"k": k, "s": s}, fair=False,
                             doc="COM releases a dead client's IClassFactory, some time later" +
                                 (" (its implicit LockServer(FALSE) runs in the server)" if self.implicit_lock else ""))
            if self.dead is not None:
                m.action("client_dies", f"client{k}", guard=~self.dead[k],
                         update={self.dead[k]: True, self.request[k]: 0,
                                 **({self.request_instance[k]: False} if self.request_instance else {})},
                         args={"k": k}, fair=False,
                         doc="the client process dies; a call in progress still completes in the server")
        self._declare_pending(code)

    def _declare_pending(self, code: dict) -> None:
        """Steps of server code that outlast the client's call step, and the failure of a call into a
        process that exited.  They run in the client's lane (the call it is blocked in) and are fair."""
        if self.call is None:
            return
        m = self.m
        for k in self.clients:
            cl, cs = self.call[k], self.call_server[k]
            made = self.created[k] if self.locks_first else None
            for (kind, j), idx in self._code.items():
                for s in self.SERVERS:
                    steps = code[kind][(s, k)]
                    if j >= len(steps):
                        continue
                    last = j == len(steps) - 1
                    if last:
                        finish: dict = {cl: lift(0), cs: lift(0)}
                        if kind in ("constructor", "activation"):
                            finish[self.instance[k]] = lift(s)
                            if kind == "constructor" and made is not None:
                                finish[made] = lift(True)
                            if kind == "activation":
                                finish[self.late] = self.late | self.decided[s]
                    else:
                        finish = {cl: lift(self._code[(kind, j + 1)])}
                    args = {"k": k, "s": s, **({"step": j} if self._steps[kind] > 1 else {})}
                    m.action(_STEP_NAMES[kind], f"client{k}", guard=[cl == idx, cs == s, self.serving(s)],
                             update=self._then(steps[j], finish), args=args,
                             doc=f"{kind.replace('_', ' ')} code in server process {s} for client {k}'s call"
                                 + (f", step {j}" if self._steps[kind] > 1 else ""))
            m.action("client_call_failed", f"client{k}",
                     guard=[cl != 0, any_of(all_of(cs == s, self.phase[s] == Phase.EXITED) for s in self.SERVERS)],
                     update={cl: 0, cs: 0}, args={"k": k},
                     doc="the server process exited during the call: the call fails (an RPC error)")

    # ------------------------------------------------------------ SCM, environment, definitions
    def finish(self) -> None:
        """Add the SCM, the assumptions and the definitions the COM catalog reads; call last."""
        if self._finished:
            raise InputError("finish() was called twice")
        if not self._clients_added:
            raise InputError("call add_clients() before finish()")
        self._finished = True
        m = self.m
        P = len(self.SERVERS)
        first, last = self.SERVERS[0], self.SERVERS[-1]

        def wants(c: int) -> Expr:
            return any_of(all_of(self.alive(k), r == c + 1) for k, r in enumerate(self.request))

        def nobody_accepts(c: int) -> Expr:
            return all_of(*[~self.accepting(s, c) for s in self.SERVERS])

        for n in self.SERVERS[1:]:
            m.action("scm_launch_server", "scm",
                     guard=[self.phase[n] == Phase.DOWN, self.phase[n - 1] != Phase.DOWN,
                            any_of(all_of(wants(c), nobody_accepts(c), self.turns_away(n - 1, c))
                                   for c in self.classes)],
                     update={self.phase[n]: Phase.INIT}, args={"s": n},
                     doc="004.3/004.5: an activation finds the class objects revoked or suspended; COM returns an "
                         "error and the SCM starts a new server process" +
                         (" (a service: only once the last one has exited)" if self.hosting == "service" else ""))
        hosting = ("the SCM starts the next one when an activation finds the last one's class objects withdrawn"
                   if self.hosting == "exe" else
                   "the server is hosted in a service, so the SCM starts the next one only once the last has exited")
        m.assume(f"at most {P} server process{'es' if P > 1 else ''} ({hosting}); once all have started, an "
                 "activation that none of them accepts waits -- a cut-off of the model: runs in which an activation "
                 "waits only for that reason are not counterexamples to activation_eventually_served")
        m.assume("each client holds at most one class factory and one instance at a time")
        m.assume("a client's own calls (activation requests, CreateInstance, Release, LockServer"
                 + (", dying" if self.dead is not None else "") + ") are never forced; COM completing a call the "
                 "client is blocked in, the SCM answering an activation and every server thread are weakly fair")
        if self.dead is not None:
            m.assume("COM releases a dead client's references some time later, or never (the rundown is not forced)")
        if self.co_create_instance and not self.single:
            m.assume("COM counts an activation it has dispatched in the per-process reference count until the "
                     "constructor has run: CoReleaseServerProcess does not return 0 in that window (our reading of "
                     "004.4-004.5: the helpers coordinate the shutdown decision with activations)")
        ex = {s: self.phase[s] == Phase.EXITED for s in self.SERVERS}
        m.define("server_exited_in_use",
                 any_of(all_of(ex[s], any_of(self.instances(s) > 0, self.locks(s) > 0)) for s in self.SERVERS))
        m.define("client_holds_disconnected",
                 any_of(all_of(ex[s], any_of(f == s, i == s))
                        for s in self.SERVERS for f, i in zip(self.factory, self.instance)))
        m.define("activation_after_shutdown_decision", self.late)
        m.define("activation_before_init_complete", self.early)
        m.define("shutdown_decided", any_of(*[self.decided[s] for s in self.SERVERS]),
                 "some server process is committed to exit")
        # unused_server_exits (004.2, 004.5, 004.7): trigger, goal, hold and witness.
        idle = m.define("nobody_holds_anything", self.idle(),
                        "no client holds an IClassFactory, a LockServer or an instance, and no call is in progress")
        m.define("unused_after_serving", all_of(any_of(*[self.served[s] for s in self.SERVERS]), idle),
                 "some server process has served an activation, and no client holds anything")
        m.define("every_served_server_exited",
                 all_of(*[any_of(~self.served[s], ex[s]) for s in self.SERVERS]),
                 "every server process that has served an activation has exited")
        m.define("served_server_exited", any_of(*[all_of(self.served[s], ex[s]) for s in self.SERVERS]),
                 "a server process that served an activation has exited")
        m.define("server_exited", ex[first])
        m.define("client_holds_factory", any_of(f != 0 for f in self.factory))
        m.define("server_cleaning_up", self.phase[first] == Phase.CLEANUP)
        # started_server_accepts_activations: the first process (every process runs the same code)
        m.define("first_server_starting", self.phase[first] == Phase.INIT)
        m.define("first_server_reachable_or_leaving",
                 any_of(*[self.accepting(first, c) for c in self.classes],
                        self.phase[first] == Phase.CLEANUP, ex[first]))
        # activation_eventually_served (004.3, 004.5), for client 0 (the clients are identical).
        k0 = 0
        got = any_of(self.factory[k0] != 0, self.instance[k0] != 0)
        m.define("activation_requested", self.request[k0] != 0, "client 0 waits for an activation")
        m.define("activation_served", any_of(got, ~self.alive(k0)),
                 "client 0 holds what it asked for (or has died)")
        m.define("activation_served_to_client", got, "client 0 was served an activation")
        cut_off = any_of(all_of(self.request[k0] == c + 1, nobody_accepts(c), self.phase[last] != Phase.DOWN,
                                self.turns_away(last, c)) for c in self.classes)
        m.define("activation_not_cut_off", ~cut_off,
                 f"client 0 is not waiting only because all {P} server processes are used up")


def ite_update(cond: Expr, update: Mapping[Any, Any]) -> dict:
    """``update`` where ``cond`` holds, nothing elsewhere (each variable keeps its value)."""
    return {k: ite(cond, v, k) for k, v in update.items()}


def com_design(name: str, doc: str, build: Callable[[Mapping[str, Any]], System], *,
               knobs: Iterable[Any] = (), settings: Optional[Mapping[str, Any]] = None,
               expect: Iterable[str] = (), vacuous: Iterable[str] = (), clients: int = 2, classes: int = 2) -> Any:
    """Wrap ``build(parameters) -> System`` as a Design the CLI and the tests accept.

    The family gets the knobs ``clients`` (1..4) and ``classes`` (1..3) in front of
    yours, so ``--param clients=3`` works on every COM design.  ``expect``: the
    catalog ids the design is known to violate (empty: it should be correct);
    ``vacuous``: those whose subject never happens in it.
    """
    from ..lang.designs import Design, Family, Knob

    all_knobs = (Knob("clients", clients, "number of client processes", 1, 4),
                 Knob("classes", classes, "number of CLSIDs the server registers", 1, 3), *knobs)
    fam = Family(name=name, doc=doc, knobs=tuple(all_knobs), build=build, properties=CHECKED_AGAINST)
    return Design(name, fam, dict(settings or {}), tuple(expect), doc, vacuous=tuple(vacuous))


# The COM catalog entries (properties/catalog/com.py) a model built on ComSide is checked against.
CHECKED_AGAINST = (
    "server_exits_only_when_unused",
    "client_never_holds_disconnected_object",
    "no_activation_after_shutdown_decision",
    "no_activation_before_init_complete",
    "unused_server_exits",
    "activation_eventually_served",
)
