"""The COM local-server family: its knobs and the built-in designs (rules 004.1-004.10)."""

from __future__ import annotations

from typing import Any, Mapping

from . import com_server
from ..windows.com import THREADING
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError


def _check(p: Mapping[str, Any]) -> None:
    """Reject knobs that mean nothing for the chosen counting scheme (so a typo cannot pass silently)."""
    helpers = p["counting"] == "helpers"
    rules = [
        (helpers and not p["count_locks"], "count_locks = false applies to counting = by_hand only"),
        (helpers and p["recheck_after_revoke"] != "no",
         "recheck_after_revoke applies to counting = by_hand only (with the helpers COM suspends the class objects, 004.5)"),
        (not helpers and p["helpers_in"] != "both", "helpers_in applies to counting = helpers only"),
        (not helpers and not p["cleanup_on_zero"], "cleanup_on_zero applies to counting = helpers only"),
        (not p["suspended_registration"] and not p["resume"],
         "resume = false applies to suspended_registration = true only"),
        (p["implicit_lock"] and not p["client_locks_first"],
         "client_locks_first = false applies to implicit_lock = false only (with the implicit lock the proxy "
         "answers the client's LockServer itself, 004.8)"),
    ]
    for bad, why in rules:
        if bad:
            raise InputError(f"inconsistent knobs: {why}")


COM_SERVER = Family(
    name="com_server",
    doc="Out-of-process COM server lifetime: SCM relaunch, K clients, C class objects, "
        "LockServer, process refcount, suspend/resume (004.1-004.10)",
    knobs=(
        Knob("clients", com_server.DEFAULTS["clients"], "number of client processes", 1, 4),
        Knob("classes", com_server.DEFAULTS["classes"], "number of CLSIDs the server registers", 1, 3),
        Knob("threading", com_server.DEFAULTS["threading"],
             "single_threaded: one thread, activations are messages; apartment: each class object in its own "
             "apartment; free_threaded: any RPC thread serves any call", choices=THREADING),
        Knob("counting", com_server.DEFAULTS["counting"],
             "by_hand: the server counts instances/locks itself; helpers: CoAddRefServerProcess/"
             "CoReleaseServerProcess (004.5)", choices=("by_hand", "helpers")),
        Knob("count_locks", True, "by_hand: LockServer(TRUE/FALSE) changes the count (004.2)"),
        Knob("helpers_in", "both", "helpers: called in instance constructors/destructors and LockServer (both), "
                                   "or in instances only (004.6)", choices=("both", "instances_only")),
        Knob("cleanup_on_zero", True, "helpers: start the cleanup when CoReleaseServerProcess returns 0 (004.7)"),
        Knob("recheck_after_revoke", "no", "by_hand: after revoking, re-check nothing (no), the instance count "
                                           "as 004.4 words it (instances), or instances and LockServer count "
                                           "(instances_and_locks), and stay alive until it is zero",
             choices=("no", "instances", "instances_and_locks")),
        Knob("suspended_registration", True, "register every class with REGCLS_SUSPENDED (004.10)"),
        Knob("resume", True, "call CoResumeClassObjects once every class is registered (004.10)"),
        Knob("implicit_lock", True, "COM's implicit LockServer(TRUE) on marshaling IClassFactory and "
                                    "LockServer(FALSE) on its release (004.8); false shows the race it prevents"),
        Knob("client_locks_first", com_server.DEFAULTS["client_locks_first"],
             "without the implicit lock: each client follows 004.8's protocol -- LockServer(TRUE) right after "
             "getting the factory, before CreateInstance; LockServer(FALSE) and the factory's Release only when "
             "done; false: lock, create and unlock in any order"),
        Knob("max_processes", com_server.DEFAULTS["max_processes"],
             "server processes the model may start in all, the first included (the model's cut-off, stated "
             "with every verdict); 1: never relaunched", 1, 3),
        Knob("hosting", com_server.DEFAULTS["hosting"],
             "exe: the SCM starts another server process as soon as an activation finds the last one's class "
             "objects suspended or revoked (004.3, 004.5); service: the server is hosted in a Windows service, "
             "which cannot run twice, so only once the last process has exited", choices=("exe", "service")),
        Knob("co_create_instance", com_server.DEFAULTS["co_create_instance"],
             "clients may also activate with CoCreateInstance: COM dispatches the activation to a class object "
             "and its CreateInstance runs the constructor in the server (004.4)"),
        Knob("clients_may_die", com_server.DEFAULTS["clients_may_die"],
             "a client process may die; COM releases its instance and factory some time later (never forced)"),
    ),
    build=com_server.build,
    properties=com_server.CHECKED_AGAINST,
    check=_check,
)

FAMILIES = [COM_SERVER]

_CLASSIC = {"counting": "by_hand", "suspended_registration": False}
# 004.9 with the default two classes: the early activation, and, once its release has started the
# shutdown, the second class object registered afterwards serves a late activation and the server
# exits under that client.  With one class only the early activation remains (tests pin both).
_EARLY_RACE = ("no_activation_before_init_complete", "no_activation_after_shutdown_decision",
               "server_exits_only_when_unused", "client_never_holds_disconnected_object")
# A count that misses the factory's lock never reaches zero when a client gets a class object and
# releases it without creating an instance: the server, used once, lingers forever (004.2, 004.6).
_LOCK_MISSED = ("server_exits_only_when_unused", "client_never_holds_disconnected_object", "unused_server_exits")

DESIGNS = [
    # ---- the documented correct designs, one per threading model
    Design("com-single-threaded-correct", COM_SERVER, {"threading": "single_threaded", **_CLASSIC}, (),
           "single-threaded server counting instances and LockServer by hand; the message queue serializes "
           "the shutdown decision (revoke on the final release) with activations (004.2, 004.3)",
           fixed=("threading",)),
    Design("com-apartment-correct", COM_SERVER, {"threading": "apartment"}, (),
           "apartment-model server: helpers in instances and LockServer, cleanup when CoReleaseServerProcess "
           "returns 0, REGCLS_SUSPENDED + CoResumeClassObjects (004.5-004.7, 004.10)",
           fixed=("threading",)),
    Design("com-free-threaded-correct", COM_SERVER, {"threading": "free_threaded"}, (),
           "free-threaded server: helpers in instances and LockServer, cleanup when CoReleaseServerProcess "
           "returns 0, REGCLS_SUSPENDED + CoResumeClassObjects (004.5-004.7, 004.10)",
           fixed=("threading",)),
    # ---- the documented ways to get it wrong
    Design("com-locks-not-counted", COM_SERVER,
           {"threading": "single_threaded", **_CLASSIC, "count_locks": False},
           _LOCK_MISSED,
           "the server counts instances but not LockServer (004.2): it exits while a client holds a lock; "
           "and a client that gets a class object and releases it without creating an instance never brings "
           "the count to zero, so the server, used once, never exits (unused_server_exits, new with the "
           "liveness entry)",
           fixed=("counting", "count_locks")),
    Design("com-helpers-on-instances-only", COM_SERVER, {"threading": "apartment", "helpers_in": "instances_only"},
           _LOCK_MISSED,
           "CoAddRefServerProcess/CoReleaseServerProcess in the instances but not in LockServer (004.6): "
           "premature shutdown while a client holds a lock; and a class object got and released without "
           "an instance never brings the process count to zero, so the server never exits "
           "(unused_server_exits, new with the liveness entry)",
           fixed=("counting", "helpers_in")),
    Design("com-no-implicit-lock", COM_SERVER,
           {"threading": "single_threaded", **_CLASSIC, "implicit_lock": False},
           ("client_never_holds_disconnected_object", "unused_server_exits"),
           "without COM's implicit LockServer on marshaling: between marshaling IClassFactory to one client and "
           "its LockServer(TRUE), another client creates an instance and releases it, the server shuts down, and "
           "the first client holds a disconnected factory (004.8); its LockServer(TRUE), sent after the release "
           "message has revoked the class objects, is never dispatched by the single thread that has left its "
           "message loop (no longer labelled server_exits_only_when_unused: that lock never reaches the server).  "
           "And a client that releases its factory without ever calling LockServer leaves the server's count "
           "untouched: used once, it never exits (unused_server_exits, new with the liveness entry; one "
           "client suffices)",
           fixed=("implicit_lock",)),
    Design("com-free-threaded-shutdown-race", COM_SERVER, {"threading": "free_threaded", "counting": "by_hand"},
           ("server_exits_only_when_unused", "client_never_holds_disconnected_object",
            "no_activation_after_shutdown_decision"),
           "free-threaded server counting by hand: one thread decides to shut down -- and, with no re-check, "
           "that decision is its point of no return -- while another hands out a class object, and it exits "
           "without re-checking (004.4)",
           fixed=("threading", "counting", "recheck_after_revoke")),
    Design("com-free-threaded-classic-recheck", COM_SERVER,
           {"threading": "free_threaded", "counting": "by_hand", "recheck_after_revoke": "instances"},
           ("server_exits_only_when_unused", "client_never_holds_disconnected_object"),
           "the classic fix as 004.4 words it: after revoking, re-check the instance count and stay alive "
           "until it is zero; a class object handed out during the cleanup holds only COM's implicit lock, "
           "which that re-check does not see, so the server still exits under its client.  (No longer "
           "labelled no_activation_after_shutdown_decision: the hand-out comes before the re-check that "
           "commits the server; what this design really breaks is the exit under a held factory.)",
           fixed=("threading", "counting", "recheck_after_revoke")),
    # 004.4's classic fix with both counts: clumsy but correct
    Design("com-free-threaded-recheck-all-counts", COM_SERVER,
           {"threading": "free_threaded", "counting": "by_hand", "recheck_after_revoke": "instances_and_locks"},
           (),
           "the classic, clumsy fix of 004.4 with both counts re-checked (004.2): the thread that sees zero "
           "only asks for the cleanup; after revoking, the server re-checks its instance and LockServer counts "
           "and stays alive until both are zero.  Correct.  (Earlier labelled as violating "
           "no_activation_after_shutdown_decision: the decision was taken to be the thread's first sight of "
           "zero, but a server that re-checks has not committed then -- it honours what it hands out while "
           "revoking.  The decision that counts is the point of no return, here the re-check that passes "
           "at exit, after which no class object is left to serve anything.)  With CoCreateInstance activations "
           "(--param co_create_instance=true) it loses an activation dispatched before the revocation whose "
           "constructor has not run when the server exits (activation_eventually_served); hosted in a service "
           "(--param hosting=service) it keeps new activations waiting while a client holds an instance.",
           fixed=("threading", "counting", "recheck_after_revoke")),
    Design("com-free-threaded-no-suspended-registration", COM_SERVER,
           {"threading": "free_threaded", "suspended_registration": False},
           _EARLY_RACE,
           "registering without REGCLS_SUSPENDED: an activation arrives as soon as the first class object "
           "is registered, before initialisation ends; its release can start the shutdown while later "
           "classes are still being registered and then served (004.9)",
           fixed=("threading", "suspended_registration")),
    Design("com-apartment-no-suspended-registration", COM_SERVER,
           {"threading": "apartment", "suspended_registration": False},
           _EARLY_RACE,
           "registering without REGCLS_SUSPENDED in an apartment server: an activation arrives as soon as "
           "the first apartment pumps messages, before initialisation ends, with the same consequences (004.9)",
           fixed=("threading", "suspended_registration")),
    Design("com-no-cleanup-on-zero", COM_SERVER, {"cleanup_on_zero": False},
           ("unused_server_exits",),
           "the server ignores CoReleaseServerProcess returning 0 (004.7): COM has suspended its class objects "
           "(004.5), so no client can reach it again, yet it never starts its cleanup and never exits "
           "(unused_server_exits; was suspended_server_cleans_up_promptly, which it replaces).  Since no "
           "server process ever exits or commits to exit, server_exits_only_when_unused, "
           "client_never_holds_disconnected_object and no_activation_after_shutdown_decision have nothing to "
           "judge: vacuous, as labelled.  New activations are still served, by the process the SCM starts "
           "(activation_eventually_served holds); hosted in a service (--param hosting=service) the SCM cannot "
           "start one while this process runs, and activation_eventually_served is violated.",
           fixed=("cleanup_on_zero",), vacuous=("server_exits_only_when_unused", "client_never_holds_disconnected_object",
                                                "no_activation_after_shutdown_decision")),
    Design("com-suspended-never-resumed", COM_SERVER, {"resume": False},
           ("activation_eventually_served", "started_server_accepts_activations"),
           "REGCLS_SUSPENDED without CoResumeClassObjects (004.10): the server enters its message loop "
           "accepting nothing, so no activation is ever served and it never leaves (it was labelled "
           "suspended_server_cleans_up_promptly, which started_server_accepts_activations and "
           "unused_server_exits replace); a client's activation waits forever (activation_eventually_served: the "
           "class objects are registered, not withdrawn, so the SCM starts no other process).  "
           "Every other entry about what clients and activations do is vacuous "
           "here, and is labelled so: no client ever reaches the server, so they have nothing to judge.",
           fixed=("suspended_registration", "resume"),
           vacuous=("server_exits_only_when_unused", "client_never_holds_disconnected_object",
                    "no_activation_after_shutdown_decision", "no_activation_before_init_complete",
                    "unused_server_exits")),
]
