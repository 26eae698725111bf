"""Stand-in for ``os`` as the service sees it: the real module, except the calls that end the process.

``os._exit(n)`` and ``os.abort()`` end a real service's process at once
(ExitProcess: every thread dies, no cleanup runs, and pywin32's host never
reports SERVICE_STOPPED).  Under the harness they would end the harness too,
so here they record ``process_exited`` with the call as its reason
(scmcheck/testing/run.py ``Run.service_exit``; properties/observers.py judges
it, ``no_exit_before_stopped``) and end the calling thread with RunOver; the
run ends there, as the process would.  ``os.kill`` of the process's own id is
the same.  At import time (no service thread yet) they raise
:class:`ExitCalled`, which the loader reports as bad input.  Every other name
is the real ``os``'s (``os.path``, ``os.environ``, ``os.getpid``, ...).
"""

from __future__ import annotations

import os as _real
from typing import Any, NoReturn

from ..scheduler import RunOver, me


class ExitCalled(SystemExit):
    """``os._exit`` or ``os.abort`` called while the service's module was being imported."""

    def __init__(self, call: str) -> None:
        super().__init__(call)
        self.call = call


def _end(call: str) -> NoReturn:
    if me() is None:
        raise ExitCalled(call)
    from . import _sync

    _sync.run().service_exit(call)
    raise RunOver()


def _exit(n: int) -> NoReturn:
    _end(f"os._exit({n!r})")


def abort() -> NoReturn:
    _end("os.abort()")


def kill(pid: int, sig: int) -> None:
    if pid == _real.getpid():
        _end(f"os.kill(os.getpid(), {sig!r})")
    _real.kill(pid, sig)


def __getattr__(name: str) -> Any:
    return getattr(_real, name)


def __dir__() -> list:
    return sorted(set(dir(_real)) | {"_exit", "abort", "kill"})


__all__ = list(getattr(_real, "__all__", ()))
