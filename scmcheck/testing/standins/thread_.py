"""Stand-in for ``_thread`` as the service sees it: ``start_new_thread`` under the scheduler.

pywin32's own demo pipeTestService.py starts its client threads with
``_thread.start_new_thread(self.ProcessClient, (pipeHandle,))``.  With the real
module such a thread would run outside the scheduler: untracked (SERVICE_STOPPED
while it runs would pass unseen), in wall-clock time, and every stand-in call it
made would fail.  Here it is a service thread like one from ``threading``
(a lane of its own, judged by ``stopped_only_after_threads_exit``), named
``_thread-N (function)``.  As in CPython, an uncaught exception ends the
thread (recorded), ``SystemExit`` ends it quietly, and ``threading.current_thread()``
in it is a dummy thread (daemon).  ``allocate_lock`` is the stand-in
``threading.Lock``; anything else (``stack_size``, ``TIMEOUT_MAX`` ...) is the
real module's.
"""

from __future__ import annotations

import _thread as _real
from typing import Any, Callable, Optional

from . import _sync, threading_

error = RuntimeError
TIMEOUT_MAX = _real.TIMEOUT_MAX
LockType = threading_.Lock
RLock = threading_.RLock


def start_new_thread(function: Callable, args: Any, kwargs: Optional[dict] = None) -> int:
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError("optional 3rd arg must be a dictionary")
    if not callable(function):
        raise TypeError("first arg must be callable")
    r = _sync.run()
    name = r.new_name("_thread-")
    if getattr(function, "__name__", None):
        name += f" ({function.__name__})"
    kw = dict(kwargs or {})

    def body() -> None:
        function(*args, **kw)

    vt = r.sched.spawn(name, body, daemon=True)
    r.thread_started(vt, _sync.caller())
    r.sched.pause()
    return 1000 + vt.index


start_new = start_new_thread


def allocate_lock() -> threading_.Lock:
    return threading_.Lock()


allocate = allocate_lock


def get_ident() -> int:
    return threading_.get_ident()


def get_native_id() -> int:
    return threading_.get_ident()


def exit() -> None:  # noqa: A001 - _thread's name
    raise SystemExit


exit_thread = exit


def __getattr__(name: str) -> Any:
    return getattr(_real, name)
