"""Out-of-process (local) COM server lifetime: activation, LockServer, process refcount, suspend/resume.

Rules encoded (numbers from properties/rules.py; source: "Out-of-Process Server Implementation Helpers"):
  004.1  CoAddRefServerProcess/CoReleaseServerProcess/CoSuspendClassObjects/CoResumeClassObjects
         exist to avoid activation races in servers with several apartments or class objects
  004.2  the server tracks live instances and the LockServer count; it may shut down only when both are zero
  004.3  single-threaded: the shutdown decision is serialized with activations by the message queue;
         the server revokes its class objects before another activation is dispatched, and a later
         activation makes the SCM start a new server process
  004.4  apartment/free-threaded: the decision must be coordinated with activations on other threads;
         the classic fix re-checks the instance count after revoking and stays alive until it is zero
  004.5  the process refcount reaching zero makes COM suspend the class objects; the server can then
         revoke at leisure; the SCM starts a new process for new activations
  004.6  the helpers must be used in BOTH instances and LockServer, or the server may exit prematurely
  004.7  when CoReleaseServerProcess returns 0 the server must start its cleanup
  004.8  COM's implicit LockServer(TRUE)/(FALSE) around a marshaled IClassFactory closes the window
         between marshaling and the client's own LockServer(TRUE)
  004.9  activations can arrive before initialisation ends: apartment model once a thread pumps,
         free-threaded once the first class object is registered
  004.10 REGCLS_SUSPENDED for every class, then CoResumeClassObjects when ready: no activation before

Actors: the SCM, K clients, and up to ``max_processes`` server processes (the first, and those the
SCM starts when an activation finds the class objects withdrawn -- or, ``hosting = service``, once
the last process has exited), each with its threads: ``serverS`` (main thread: registration,
cleanup, exit) and ``serverS.aptC`` (apartment C registering/revoking its class object).  In a
single-threaded server these are the one thread ``serverS``.  A client's call (CoGetClassObject,
CoCreateInstance, CreateInstance, LockServer, Release) is a step in the client's lane ``clientK``,
with the server code it runs in the same step, except that a multi-threaded server's constructor
may run in a later step than the call's dispatch (004.4; ``model/windows/com.py`` docstring).

Counts are real variables changed by the server's own code at each call site
(``ComSide.add_clients``): ``counting = helpers`` calls CoAddRefServerProcess/CoReleaseServerProcess
(COM's ``server_refs[s]``; at zero COM suspends the class objects, 004.5); ``counting = by_hand``
keeps ``objects[s]`` and ``server_locks[s]`` and decides on the release that brings their sum to
zero.

Client protocol (``client_locks_first``, matters only without COM's implicit lock): as 004.8 says
clients usually do, LockServer(TRUE) right after getting the factory, LockServer(FALSE) and the
factory's Release only when done.  With it, ``com-no-implicit-lock``'s shortest disconnected
factory is the race 004.8 tells: one client between marshaling and its LockServer(TRUE), another
client creating and releasing an instance, the server shutting down under the first.

Threading models differ in two places only: when an activation can first be dispatched
(``ComSide.accepting``: single-threaded only once the message loop runs) and whether the shutdown
decision is one message with the revocation of every class object (single-threaded, 004.3) or a
decision on one thread followed by separate revocation steps on the class objects' threads
(apartment, free-threaded, 004.4).  At this level of abstraction the apartment and free-threaded
models have the same reachable graph: an apartment thread registers its class object and starts
pumping with no step of anyone else in between, and each client's call is served by one thread
either way; they differ only in the lane names of the trace.

The classic fix of 004.4 is a knob with three values: no re-check, the instance count (the
document's words), or instances and the LockServer count.  With a re-check the release that sees
zero only asks for the cleanup (``ComSide.signal_cleanup``); the server commits to exit
(``ComSide.decide``) where the re-check passes, so an activation served while it revokes is not
"after the decision": the re-check keeps the server alive for it.  Only the re-check of both counts
keeps a client from being left with a class object handed out during the cleanup, because such a
hand-out raises only the lock count (COM's implicit LockServer, 004.8).

Liveness (``unused_server_exits``, ``activation_eventually_served``): a client's own calls are never
forced; COM completing a call a client waits in, the SCM answering a waiting activation and the
server threads are scheduled weakly fairly.  The model is untimed.  The built-in designs keep
``co_create_instance`` and ``clients_may_die`` off by default (the 004.x scenarios need neither, and
the state space stays small); ``--param co_create_instance=true`` shows what an activation in flight
does to 004.4's classic fix.

The COM side (SCM, clients, class-object table, monitors) is ``model/windows/com.py``; this file
supplies only the server's own steps and its shutdown decision, exactly as a user's server does
(examples/com/my_server.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..windows.com import CHECKED_AGAINST as _CHECKED, ClassObj, ComSide, Phase, ite_update
from ..lang.expr import all_of, any_of
from ..lang.system import System

DEFAULTS: dict[str, Any] = {
    "clients": 2,  # K client processes
    "classes": 2,  # C CLSIDs the server registers
    "threading": "free_threaded",  # single_threaded | apartment | free_threaded
    "counting": "helpers",  # by_hand (instance/lock counters) | helpers (CoAddRef/CoReleaseServerProcess)
    "count_locks": True,  # by_hand: LockServer counts too (004.2)
    "helpers_in": "both",  # helpers: in instances and LockServer (both) or instances only (004.6)
    "cleanup_on_zero": True,  # helpers: start cleanup when CoReleaseServerProcess returns 0 (004.7)
    "recheck_after_revoke": "no",  # by_hand: after revoking, re-check no count / the instance count
    #                                (the document's words, 004.4) / instances and locks; stay until zero
    "suspended_registration": True,  # REGCLS_SUSPENDED for every class (004.10)
    "resume": True,  # call CoResumeClassObjects once every class is registered (004.10)
    "implicit_lock": True,  # COM's implicit LockServer around a marshaled IClassFactory (004.8)
    "client_locks_first": True,  # without the implicit lock: clients LockServer(TRUE) before CreateInstance
    #                              and unlock (then release the factory) only when done (004.8)
    "max_processes": 2,  # the cut-off: server processes the model may start in all (1 = never relaunched)
    "hosting": "exe",  # exe: the SCM starts another process as soon as class objects are withdrawn;
    #                    service: only once the last one has exited (a service cannot run twice)
    "co_create_instance": False,  # clients may also activate with CoCreateInstance (ComSide: True)
    "clients_may_die": False,  # a client process may die; COM releases its references later
}


def build(p: Mapping[str, Any]) -> System:
    """The COM local-server model for parameters ``p`` (validated by the design layer)."""
    m = System("com_server", __doc__ or "", parameters=p)
    com = ComSide(m, clients=p["clients"], classes=p["classes"], threading=p["threading"],
                  implicit_lock=p["implicit_lock"], client_locks_first=p["client_locks_first"],
                  max_processes=p["max_processes"], hosting=p["hosting"],
                  co_create_instance=p["co_create_instance"], clients_may_die=p["clients_may_die"])
    helpers = p["counting"] == "helpers"
    counts_locks = p["helpers_in"] == "both" if helpers else p["count_locks"]
    suspended = p["suspended_registration"]
    single, apartment = com.single, p["threading"] == "apartment"
    K = len(com.clients)

    def class_thread(c: int) -> str:
        return f"apt{c}" if apartment else "main"

    recheck_kind = p["recheck_after_revoke"]

    def decide(s: int) -> dict:
        # The release that reaches zero.  Without a re-check it is the point of no return
        # (com.decide): single-threaded (004.3) the release message also revokes every class
        # object before another request is dispatched; multi-threaded (004.4, 004.7) the thread
        # that sees zero only decides and signals the main thread, which finishes initialising if
        # it has not, leaves its message loop, and the class objects are revoked one by one,
        # interleaved with other threads.  With 004.4's re-check the release only asks for the
        # cleanup (com.signal_cleanup): the server commits where the re-check passes, at exit.
        ask = com.signal_cleanup(s) if recheck_kind != "no" else com.decide(s)
        if single:
            return {**ask, com.phase[s]: Phase.CLEANUP, **com.revoke_all(s)}
        return ask

    # ---- the code at each call site: real counters, changed by the server's own calls
    if helpers:
        # 004.6: CoAddRefServerProcess in every constructor (and LockServer(TRUE)), CoReleaseServerProcess
        # in every destructor (and LockServer(FALSE)).  004.5: when it returns 0, COM has suspended the
        # class objects in the same call; 004.7: seeing 0, the server starts its cleanup.
        addref = com.co_add_ref_server_process

        def release(s: int) -> dict:
            return com.co_release_server_process(s, on_zero=decide(s) if p["cleanup_on_zero"] else None)

        sites = dict(constructor=addref, destructor=release,
                     lock_server=addref if counts_locks else None, unlock_server=release if counts_locks else None)
        recheck: dict = {}
    else:
        # By hand: g_cObjects in the constructor/destructor, g_cLocks in LockServer (004.2); the release
        # that brings their sum to zero while the server initialises or runs is the shutdown decision.
        objects = {s: m.int(f"objects[{s}]", 0, K, 0, f"server process {s}'s instance count (by hand)")
                   for s in com.SERVERS}
        locks = ({s: m.int(f"server_locks[{s}]", 0, K, 0, f"server process {s}'s LockServer count (by hand)")
                  for s in com.SERVERS} if counts_locks else None)

        def total(s: int) -> Any:
            return objects[s] + locks[s] if locks is not None else objects[s]

        def up(var: dict) -> Any:
            return lambda s: {var[s]: var[s] + 1}

        def down(var: dict) -> Any:
            def code(s: int) -> dict:
                zero = all_of(total(s) == 1, any_of(com.phase[s] == Phase.INIT, com.phase[s] == Phase.RUNNING))
                return {var[s]: var[s] - 1, **ite_update(zero, decide(s))}
            return code

        sites = dict(constructor=up(objects), destructor=down(objects),
                     lock_server=up(locks) if locks is not None else None,
                     unlock_server=down(locks) if locks is not None else None)
        # 004.4 says "re-check its instance count"; "instances_and_locks" also re-checks the lock
        # count, which COM's implicit LockServer raises for a class object handed out late (004.8).
        recheck = {s: {"no": [], "instances": [objects[s] == 0], "instances_and_locks": [total(s) == 0]}[recheck_kind]
                   for s in com.SERVERS}

    for s in com.SERVERS:
        ph, objs = com.phase[s], com.cls[s]
        # ---- initialisation: classes are registered in a fixed order (one thread in a
        # single-threaded or free-threaded server; apartments started one after the other).
        # Clients may ask for any class, so a fixed order loses no interleaving that matters.
        for c in com.classes:
            com.server_action(s, "server_register_class",
                              guard=[ph == Phase.INIT, objs[c] == ClassObj.UNREG,
                                     *[objs[b] != ClassObj.UNREG for b in com.classes[:c]]],
                              update=com.register(s, c, suspended), thread=class_thread(c), args={"c": c},
                              doc="CoRegisterClassObject(REGCLS_LOCAL_SERVER" + (" | REGCLS_SUSPENDED)" if suspended else ")"))
        resume = com.resume(s) if suspended and p["resume"] else {}
        com.server_action(s, "server_finish_init",
                          guard=[ph == Phase.INIT, com.all_registered(s)],
                          update={ph: Phase.RUNNING, **resume},
                          doc="rest of initialisation done" + ("; CoResumeClassObjects (004.10)" if resume else "")
                              + "; enter the message loop")
        # ---- cleanup (multi-threaded): leave the loop, revoke each class object on its thread, exit.
        if not single:
            com.server_action(s, "server_begin_cleanup", guard=[ph == Phase.RUNNING, com.cleanup_requested(s)],
                              update={ph: Phase.CLEANUP},
                              doc="004.7: the main thread, signalled, leaves its message loop and starts the cleanup")
            for c in com.classes:
                com.server_action(s, "server_revoke_class",
                                  guard=[ph == Phase.CLEANUP, objs[c] != ClassObj.UNREG, objs[c] != ClassObj.REVOKED,
                                         *[any_of(objs[b] == ClassObj.UNREG, objs[b] == ClassObj.REVOKED)
                                           for b in com.classes[:c]]],
                                  update=com.revoke(s, c), thread=class_thread(c), args={"c": c},
                                  doc="CoRevokeClassObject")
        check = recheck.get(s, [])
        # With a re-check, the exit is where the server commits (com.decide): the point of no return.
        com.server_action(s, "server_exit",
                          guard=[ph == Phase.CLEANUP, com.all_gone(s), *check],
                          update={ph: Phase.EXITED, **(com.decide(s) if check else {})},
                          doc="leave the message loop(s), CoUninitialize, exit the process"
                              + ("; only once the re-checked count is zero (004.4)" if check else ""))
    com.add_clients(**sites)
    com.finish()
    return m


# The entries this model is checked against (catalog ids, properties/catalog/com.py).
CHECKED_AGAINST = _CHECKED
