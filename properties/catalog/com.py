"""Catalog entries for the COM local-server lifetime (rules 004.2-004.10).

Predicates read a model only through named definitions, which ``model/windows/com.py``
(``ComSide.finish``) provides; a user's server built on ComSide gets them for free.  Each
entry lists them in ``needs`` (the CLI refuses an entry whose names a model lacks) and the
Microsoft pages its formalisation follows in ``sources``:

* Out-of-process server implementation helpers (the page 004.x reads):
  https://learn.microsoft.com/en-us/windows/win32/com/out-of-process-server-implementation-helpers
* CoAddRefServerProcess:
  https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coaddrefserverprocess
* CoReleaseServerProcess:
  https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coreleaseserverprocess
* CoSuspendClassObjects:
  https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-cosuspendclassobjects
* CoResumeClassObjects:
  https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coresumeclassobjects
* CoRegisterClassObject:
  https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coregisterclassobject
* IClassFactory::LockServer:
  https://learn.microsoft.com/en-us/windows/win32/api/unknwnbase/nf-unknwnbase-iclassfactory-lockserver
"""

from __future__ import annotations

from scmcheck.model.lang.expr import not_
from scmcheck.model.lang.system import System

from .entry import Property

HELPERS = "https://learn.microsoft.com/en-us/windows/win32/com/out-of-process-server-implementation-helpers"
_API = "https://learn.microsoft.com/en-us/windows/win32/api/"
CO_ADDREF_SERVER_PROCESS = _API + "combaseapi/nf-combaseapi-coaddrefserverprocess"
CO_RELEASE_SERVER_PROCESS = _API + "combaseapi/nf-combaseapi-coreleaseserverprocess"
CO_SUSPEND_CLASS_OBJECTS = _API + "combaseapi/nf-combaseapi-cosuspendclassobjects"
CO_RESUME_CLASS_OBJECTS = _API + "combaseapi/nf-combaseapi-coresumeclassobjects"
CO_REGISTER_CLASS_OBJECT = _API + "combaseapi/nf-combaseapi-coregisterclassobject"
LOCK_SERVER = _API + "unknwnbase/nf-unknwnbase-iclassfactory-lockserver"


def _d(name: str, pid: str):
    def read(m: System):
        return m.definition(name, pid)

    return read


def _not(name: str, pid: str):
    return lambda m: not_(m.definition(name, pid))


PROPERTIES: list[Property] = [
    Property(
        "server_exits_only_when_unused",
        "A server process exits only when its instance count and its LockServer count are both zero.",
        ("004.2", "004.6"),
        predicate=_not("server_exited_in_use", "server_exits_only_when_unused"),
        witness=_d("server_exited", "server_exits_only_when_unused"),
        witness_doc="the first server process exited",
        needs=("server_exited_in_use", "server_exited"),
        # 004.2 (both counts zero) and 004.6 (the helpers in instances AND LockServer, or the
        # server may shut down prematurely): the helpers page, CoAddRefServerProcess's remarks,
        # and LockServer's "the server can shut down when the lock count is zero".
        sources=(HELPERS, CO_ADDREF_SERVER_PROCESS, CO_RELEASE_SERVER_PROCESS, LOCK_SERVER),
    ),
    Property(
        "client_never_holds_disconnected_object",
        "No client ever holds an IClassFactory or an instance that belongs to a server process that has exited.",
        ("004.8", "004.4", "004.6"),
        predicate=_not("client_holds_disconnected", "client_never_holds_disconnected_object"),
        # Witness: a server process that served an activation exits -- the subject of a disconnection
        # (it needs no second process, so it means the same whatever the cut-off on processes).
        witness=_d("served_server_exited", "client_never_holds_disconnected_object"),
        witness_doc="a server process that served an activation has exited",
        needs=("client_holds_disconnected", "served_server_exited"),
        # 004.8 (COM's implicit LockServer around a marshaled IClassFactory) is on the helpers
        # page; LockServer's page on why every lock must be counted.
        sources=(HELPERS, LOCK_SERVER, CO_RELEASE_SERVER_PROCESS),
    ),
    Property(
        "no_activation_after_shutdown_decision",
        "No activation is served by a server process already committed to exit (past its point of no "
        "return: the CoReleaseServerProcess that reached zero, the release message that revoked, the "
        "thread's unchecked decision, or the re-check that passed); later activations go to a new "
        "server process started by the SCM.",
        ("004.3", "004.4", "004.5"),
        predicate=_not("activation_after_shutdown_decision", "no_activation_after_shutdown_decision"),
        # Witness: some process commits to exit (the decision the entry is about; it needs no second
        # process, so it means the same whatever the cut-off on processes).
        witness=_d("shutdown_decided", "no_activation_after_shutdown_decision"),
        witness_doc="a server process committed to exit",
        needs=("activation_after_shutdown_decision", "shutdown_decided"),
        # The harm 004.3-004.5 describe is an activation handed out by a process that will not
        # honour it.  A server that re-checks its counts after revoking and stays alive (004.4's
        # classic fix) has not committed yet: it honours what it serves in between.
        sources=(HELPERS, CO_RELEASE_SERVER_PROCESS, CO_SUSPEND_CLASS_OBJECTS, CO_ADDREF_SERVER_PROCESS),
    ),
    Property(
        "no_activation_before_init_complete",
        "No activation reaches a server process before it has registered all its classes and finished initialising.",
        ("004.9", "004.10"),
        predicate=_not("activation_before_init_complete", "no_activation_before_init_complete"),
        witness=_d("client_holds_factory", "no_activation_before_init_complete"),
        witness_doc="a client holds a class factory",
        needs=("activation_before_init_complete", "client_holds_factory"),
        # REGCLS_SUSPENDED with CoRegisterClassObject, then CoResumeClassObjects once ready.
        sources=(HELPERS, CO_REGISTER_CLASS_OBJECT, CO_RESUME_CLASS_OBJECTS),
    ),
    Property(
        "unused_server_exits",
        "Once a server process has served an activation, if from some point on no client holds an "
        "instance, a lock or a class object, that server process eventually exits; a server never "
        "used is not required to exit (COM starts a server for an activation, and a stock server "
        "waits for it).",
        ("004.2", "004.5", "004.7"),
        kind="leads_to",
        # trigger: some process has served an activation and nobody holds anything;
        # eventually: every process that has served has exited;
        # hold: the loop of a counterexample keeps the server unused (no client holds anything).
        trigger=_d("unused_after_serving", "unused_server_exits"),
        eventually=_d("every_served_server_exited", "unused_server_exits"),
        hold=_d("nobody_holds_anything", "unused_server_exits"),
        witness=_d("served_server_exited", "unused_server_exits"),
        witness_doc="a server process that served an activation has exited",
        needs=("unused_after_serving", "every_served_server_exited", "nobody_holds_anything",
               "served_server_exited"),
        # 004.2 (both counts zero: the server may shut down), 004.5 (zero suspends the class
        # objects: the process can no longer be reached), 004.7 (CoReleaseServerProcess returning 0:
        # the server must start its cleanup).
        sources=(HELPERS, CO_RELEASE_SERVER_PROCESS, CO_SUSPEND_CLASS_OBJECTS, CO_ADDREF_SERVER_PROCESS,
                 LOCK_SERVER),
    ),
    Property(
        "activation_eventually_served",
        "A client's activation request (CoGetClassObject or CoCreateInstance) is eventually served by some "
        "server process -- the running one, or one the SCM starts when the running one has suspended or "
        "revoked its class objects -- unless the client dies first.  A run in which the request waits only "
        "because the model's cut-off on server processes is used up is not a counterexample (the cut-off is "
        "stated with the verdict).",
        ("004.3", "004.5"),
        kind="leads_to",
        # Client 0's request (the clients are identical, so any client's starvation is client 0's
        # under a renaming); goal: it holds what it asked for, or died; hold: the loop of a
        # counterexample never waits only on the cut-off (otherwise the last allowed process
        # exiting would look like a server that never answers).
        trigger=_d("activation_requested", "activation_eventually_served"),
        eventually=_d("activation_served", "activation_eventually_served"),
        hold=_d("activation_not_cut_off", "activation_eventually_served"),
        witness=_d("activation_served_to_client", "activation_eventually_served"),
        witness_doc="a client was served an activation",
        needs=("activation_requested", "activation_served", "activation_not_cut_off",
               "activation_served_to_client"),
        # 004.3 (an activation that finds the class objects revoked: the SCM starts a new process),
        # 004.5 (suspended at zero: new activations go to a new process); CoResumeClassObjects lets
        # activations in again; REGCLS_SUSPENDED without it leaves them waiting.
        sources=(HELPERS, CO_RELEASE_SERVER_PROCESS, CO_SUSPEND_CLASS_OBJECTS, CO_RESUME_CLASS_OBJECTS,
                 CO_REGISTER_CLASS_OBJECT),
    ),
    Property(
        "started_server_accepts_activations",
        "A server process that COM started eventually accepts activations (every class object registered "
        "and, with REGCLS_SUSPENDED, resumed) or begins its cleanup; it never sits started and unreachable.",
        ("004.9", "004.10"),
        witness=_d("first_server_starting", "started_server_accepts_activations"),
        witness_doc="a server process has started",
        kind="leads_to",
        trigger=_d("first_server_starting", "started_server_accepts_activations"),
        eventually=_d("first_server_reachable_or_leaving", "started_server_accepts_activations"),
        needs=("first_server_starting", "first_server_reachable_or_leaving"),
        sources=(CO_REGISTER_CLASS_OBJECT, CO_RESUME_CLASS_OBJECTS, HELPERS),
    ),
]
