"""Catalog entries for the COM local-server lifetime (rules 004.2-004.10).

Predicates read a model only through named definitions, which ``model/windows/com.py``
(``ComSide.finish``) provides; a user's server built on ComSide gets them for free.
"""

from __future__ import annotations

from scmcheck.model.lang.expr import not_
from scmcheck.model.lang.system import System

from .entry import Property


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
        _not("server_exited_in_use", "server_exits_only_when_unused"),
        _d("server_exited", "server_exits_only_when_unused"),
        "the first server process exited",
    ),
    Property(
        "client_never_holds_disconnected_object",
        "No client ever holds an IClassFactory or an instance that belongs to a server process that has exited.",
        ("004.8", "004.4", "004.6"),
        _not("client_holds_disconnected", "client_never_holds_disconnected_object"),
        _d("client_served_by_relaunched_server", "client_never_holds_disconnected_object"),
        "a client holds a class factory from the server process the SCM relaunched",
    ),
    Property(
        "no_activation_after_shutdown_decision",
        "No activation is served by a server process that has decided to shut down; "
        "later activations go to a new server process started by the SCM.",
        ("004.3", "004.4", "004.5"),
        _not("activation_after_shutdown_decision", "no_activation_after_shutdown_decision"),
        _d("server_relaunched", "no_activation_after_shutdown_decision"),
        "the SCM started a second server process for an activation",
    ),
    Property(
        "no_activation_before_init_complete",
        "No activation reaches a server process before it has registered all its classes and finished initialising.",
        ("004.9", "004.10"),
        _not("activation_before_init_complete", "no_activation_before_init_complete"),
        _d("client_holds_factory", "no_activation_before_init_complete"),
        "a client holds a class factory",
    ),
    Property(
        "suspended_server_cleans_up_promptly",
        "A server process whose class objects accept no activations -- suspended when the process reference "
        "count reached zero, never resumed, or never registered -- starts its cleanup and exits; it never "
        "sits idle and unreachable while time passes.",
        ("004.5", "004.7", "004.10"),
        _not("server_stalled", "suspended_server_cleans_up_promptly"),
        _d("server_cleaning_up", "suspended_server_cleans_up_promptly"),
        "the first server process started its cleanup",
    ),
]
