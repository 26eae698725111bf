"""A free-threaded local server whose main thread sleeps on a quit event.

A common shape for a multithreaded COM EXE: the main thread registers every
class object with REGCLS_SUSPENDED, calls CoResumeClassObjects, and then waits
on a quit event.  Instances and LockServer call CoAddRefServerProcess /
CoReleaseServerProcess (004.6); the thread whose CoReleaseServerProcess returns
0 sets the quit event (004.7), and the main thread wakes, revokes every class
object and exits.  COM has already suspended the class objects at that point
(004.5), so the main thread revokes them all at once: no activation can reach
them in between, so the order of revocation is unobservable.

The SCM, the clients, the class-object table and the catalog's definitions come
from ``scmcheck.model.com.ComSide``; this file supplies only the server's steps.

    scmcheck check examples/com/my_server.py:design --engine all        # correct
    scmcheck check examples/com/my_server.py:forgets_quit --engine all  # never sets the event: never exits (004.7)
    scmcheck check examples/com/my_server.py:resumes_early --engine all # resumes after the first class (004.9/10)
"""

from __future__ import annotations

from typing import Any, Mapping

from scmcheck.model.com import ClassObj, ComSide, Phase, com_design
from scmcheck.model.designs import Knob
from scmcheck.model.lang.system import System


def build(p: Mapping[str, Any]) -> System:
    m = System("my_server", __doc__ or "", parameters=p)
    com = ComSide(m, clients=p["clients"], classes=p["classes"], threading="free_threaded")
    # ---- the server's own variables
    quit_event = {s: m.bool(f"quit_event[{s}]", False, f"server {s}'s main thread has been told to quit")
                  for s in com.SERVERS}

    for s in com.SERVERS:
        ph, objs = com.phase[s], com.cls[s]
        # ---- main thread: registration (fixed order), then CoResumeClassObjects
        for c in com.classes:
            earlier = [objs[b] != ClassObj.UNREG for b in com.classes[:c]]
            update = com.register(s, c, suspended=True)
            if p["resume_early"] and c == 0:
                # The mistake: CoResumeClassObjects right after the first class (004.10 says: after all).
                update = {objs[0]: ClassObj.ACTIVE}
            com.server_action(s, "main_register_class", guard=[ph == Phase.INIT, objs[c] == ClassObj.UNREG, *earlier],
                              update=update, args={"c": c}, doc="CoRegisterClassObject(... | REGCLS_SUSPENDED)")
        com.server_action(s, "main_resume_and_wait", guard=[ph == Phase.INIT, com.all_registered(s)],
                          update={ph: Phase.RUNNING, **com.resume(s)},
                          doc="CoResumeClassObjects, then WaitForSingleObject(quit_event)")
        # ---- main thread: woken by the quit event
        com.server_action(s, "main_revoke_all", guard=[ph == Phase.RUNNING, quit_event[s]],
                          update={ph: Phase.CLEANUP, **com.revoke_all(s)},
                          doc="CoRevokeClassObject for every class (already suspended by COM)")
        com.server_action(s, "main_exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)],
                          update={ph: Phase.EXITED}, doc="CoUninitialize and return from WinMain")

    def release(s: int) -> dict:
        # CoReleaseServerProcess: at zero COM suspends the class objects in the same call (004.5);
        # seeing 0, the calling thread sets the quit event (004.7) -- unless the design forgets to.
        # That release is the point of no return (com.decide): nothing more can be served.
        return com.co_release_server_process(s, on_zero={**com.decide(s), quit_event[s]: True}
                                             if p["signal_quit"] else None)

    # CoAddRefServerProcess in every constructor and LockServer(TRUE), CoReleaseServerProcess in every
    # destructor and LockServer(FALSE) (004.6).
    addref = com.co_add_ref_server_process
    com.add_clients(constructor=addref, destructor=release, lock_server=addref, unlock_server=release)
    com.finish()
    return m


KNOBS = (
    Knob("signal_quit", True, "set the quit event when CoReleaseServerProcess returns 0 (004.7)"),
    Knob("resume_early", False, "call CoResumeClassObjects after the first class instead of after all (004.10)"),
)

design = com_design("my-server", "free-threaded server; main thread waits on a quit event set when "
                    "CoReleaseServerProcess returns 0", build, knobs=KNOBS)
forgets_quit = com_design("my-server-forgets-quit", "the quit event is never set: the server, used once and "
                          "suspended by COM, is unreachable and never exits (004.7)", build, knobs=KNOBS,
                          settings={"signal_quit": False}, expect=("unused_server_exits",),
                          vacuous=("server_exits_only_when_unused", "client_never_holds_disconnected_object",
                                   "no_activation_after_shutdown_decision"))
resumes_early = com_design("my-server-resumes-early", "CoResumeClassObjects after the first class: "
                           "activations arrive while the rest is still registering; their release can "
                           "start the shutdown before the other classes are resumed and served (004.9)",
                           build, knobs=KNOBS, settings={"resume_early": True},
                           expect=("no_activation_before_init_complete", "no_activation_after_shutdown_decision",
                                   "server_exits_only_when_unused", "client_never_holds_disconnected_object",
                                   "activation_eventually_served"))
