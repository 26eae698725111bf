"""A COM EXE server whose class factory holds a module lock (issue 8, design 7; rules 004.2, 004.8).

An ATL-style single-threaded local server: a module lock count (Lock/Unlock) is raised by each
instance's constructor and by LockServer(TRUE), lowered by the destructor and LockServer(FALSE);
the Unlock that reaches zero posts WM_QUIT: the server revokes its class objects and exits.

``buggy``: each class factory is itself a locking object (ATL's CComObject instead of
CComObjectNoLock): it takes a module lock when it is created at start-up and gives it back only
when it is destroyed -- after CoRevokeClassObject, which runs only once the count is zero.  Idle,
the count stays at the number of factories: the server never exits (unused_server_exits).
``fixed``: the factory does not count; a factory handed to a client is covered by COM's implicit
LockServer(TRUE) when it is marshaled and LockServer(FALSE) when the client releases it (004.8).

    scmcheck check examples/com/factory_module_lock.py:buggy --engine all
    scmcheck check examples/com/factory_module_lock.py:fixed --engine all
"""

from scmcheck.model.com import ClassObj, ComSide, Phase, com_design, ite_update
from scmcheck.model.designs import Knob
from scmcheck.model.lang.expr import all_of
from scmcheck.model.lang.system import System


def build(p):
    m = System("factory_module_lock", __doc__, parameters=p)
    com = ComSide(m, clients=p["clients"], classes=p["classes"], threading="single_threaded")
    top = len(com.classes) + 2 * len(com.clients)
    locks = {s: m.int(f"module_locks[{s}]", 0, top, 0, f"server {s}'s module lock count") for s in com.SERVERS}

    def lock(s):  # CAtlModule::Lock
        return {locks[s]: locks[s] + 1}

    def unlock(s):  # CAtlModule::Unlock: at zero, WM_QUIT -- revoke every class object, leave the loop
        quit = {**com.decide(s), com.phase[s]: Phase.CLEANUP, **com.revoke_all(s)}
        return {locks[s]: locks[s] - 1, **ite_update(all_of(locks[s] == 1, com.phase[s] == Phase.RUNNING), quit)}

    for s in com.SERVERS:
        ph, objs = com.phase[s], com.cls[s]
        for c in com.classes:  # the factory object is created, then registered (its lock: only if it counts)
            factory = lock(s) if p["factory_locks_module"] else {}
            com.server_action(s, "main_register_class", args={"c": c},
                              guard=[ph == Phase.INIT, objs[c] == ClassObj.UNREG,
                                     *[objs[b] != ClassObj.UNREG for b in com.classes[:c]]],
                              update={**com.register(s, c, suspended=False), **factory})
        com.server_action(s, "main_message_loop", guard=[ph == Phase.INIT, com.all_registered(s)],
                          update={ph: Phase.RUNNING})
        com.server_action(s, "main_exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)], update={ph: Phase.EXITED})
    com.add_clients(constructor=lock, destructor=unlock, lock_server=lock, unlock_server=unlock)
    com.finish()
    return m


KNOBS = (Knob("factory_locks_module", False, "the class factory takes a module lock for its lifetime"),)
# One client and one class show it (--param clients=2 --param classes=2 for more).
buggy = com_design("factory-module-lock", "the class factory holds a module lock: the server never exits when "
                   "idle (004.2, 004.8)", build, knobs=KNOBS, settings={"factory_locks_module": True},
                   clients=1, classes=1, expect=("unused_server_exits",),
                   vacuous=("server_exits_only_when_unused", "client_never_holds_disconnected_object",
                            "no_activation_after_shutdown_decision"))
fixed = com_design("factory-no-module-lock", "the class factory does not count; COM's implicit LockServer "
                   "covers a marshaled factory (004.8)", build, knobs=KNOBS, clients=1, classes=1)
