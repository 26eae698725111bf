"""CreateInstance preempted between dispatch and constructor (issue 8, design 8; rules 004.4-004.6).

A free-threaded EXE server.  COM dispatches an activation (CoCreateInstance) to a class object and
an RPC thread runs its CreateInstance, whose constructor counts the new instance.  The release that
brings the count to zero sets the quit event; the main thread revokes every class object and exits.

``buggy``: the count is the server's own (Interlocked++ in the constructor and LockServer(TRUE),
Interlocked-- in the destructor and LockServer(FALSE)); at zero it even suspends its class objects,
as COM would.  An activation dispatched just before another client's final release is not counted
yet: the constructor runs in a server committed to exit (no_activation_after_shutdown_decision),
which exits under the new instance (client_never_holds_disconnected_object) or before it runs
(activation_eventually_served).  ``fixed``: CoAddRefServerProcess in the constructor and
LockServer(TRUE), CoReleaseServerProcess in the destructor and LockServer(FALSE) (004.6): COM counts
the activations it dispatches (an assumption the verdict states) and suspends at zero (004.5).

    scmcheck check examples/com/create_instance_race.py:buggy --engine all
    scmcheck check examples/com/create_instance_race.py:fixed --engine all
"""

from scmcheck.model.com import ClassObj, ComSide, Phase, com_design, ite_update
from scmcheck.model.designs import Knob
from scmcheck.model.lang.system import System


def build(p):
    m = System("create_instance_race", __doc__, parameters=p)
    com = ComSide(m, clients=p["clients"], classes=p["classes"], threading="free_threaded", co_create_instance=True)
    quit_event = {s: m.bool(f"quit_event[{s}]", False, f"server {s}'s main thread is told to quit") for s in com.SERVERS}
    count = {s: m.int(f"objects[{s}]", 0, 2 * len(com.clients), 0, f"server {s}'s own count") for s in com.SERVERS}
    quit = lambda s: {**com.decide(s), quit_event[s]: True}  # noqa: E731 -- what the thread that saw 0 does
    if p["helpers"]:
        up = com.co_add_ref_server_process
        down = lambda s: com.co_release_server_process(s, on_zero=quit(s))  # noqa: E731
    else:
        up = lambda s: {count[s]: count[s] + 1}  # noqa: E731
        down = lambda s: {count[s]: count[s] - 1, **ite_update(count[s] == 1, {**com.suspend(s), **quit(s)})}  # noqa: E731
    for s in com.SERVERS:
        ph, objs = com.phase[s], com.cls[s]
        for c in com.classes:
            com.server_action(s, "main_register_class", args={"c": c},
                              guard=[ph == Phase.INIT, objs[c] == ClassObj.UNREG,
                                     *[objs[b] != ClassObj.UNREG for b in com.classes[:c]]],
                              update=com.register(s, c, suspended=True))
        com.server_action(s, "main_resume_and_wait", guard=[ph == Phase.INIT, com.all_registered(s)],
                          update={ph: Phase.RUNNING, **com.resume(s)})
        com.server_action(s, "main_revoke_all", guard=[ph == Phase.RUNNING, quit_event[s]],
                          update={ph: Phase.CLEANUP, **com.revoke_all(s)})
        com.server_action(s, "main_exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)], update={ph: Phase.EXITED})
    com.add_clients(constructor=up, destructor=down, lock_server=up, unlock_server=down)
    com.finish()
    return m


KNOBS = (Knob("helpers", True, "count with CoAddRefServerProcess/CoReleaseServerProcess (004.6)"),)
buggy = com_design("create-instance-race", "the final release falls between an activation's dispatch and its "
                   "constructor (004.4)", build, knobs=KNOBS, settings={"helpers": False}, classes=1,
                   expect=("no_activation_after_shutdown_decision", "client_never_holds_disconnected_object",
                           "server_exits_only_when_unused", "activation_eventually_served"))
fixed = com_design("create-instance-helpers", "CoAddRefServerProcess in the constructor (004.5, 004.6)", build,
                   knobs=KNOBS, classes=1)
