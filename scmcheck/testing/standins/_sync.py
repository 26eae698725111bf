"""The synchronisation objects behind the stand-ins: events, mutexes, waits, in virtual time.

One implementation serves win32event (CreateEvent, WaitForSingleObject,
WaitForMultipleObjects) and threading (Event, Lock, RLock, Condition).  Only
one service thread runs at a time (scmcheck/testing/scheduler.py), so these
objects need no locks of their own: a waiter resumed by the harness finds what
it waited for still there, and consumes it (an auto-reset event, a lock).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from .. import context
from ..scheduler import me


def run() -> Any:
    return context.active()


def timeout_ms(seconds: Optional[float]) -> Optional[int]:
    """Python's timeout in seconds as virtual ms (None or negative: none); a positive timeout
    shorter than 1 ms is 1 ms, so a polling loop still lets virtual time pass."""
    if seconds is None or seconds < 0:
        return None
    if seconds == 0:
        return 0
    return max(1, int(math.ceil(seconds * 1000)))


def caller() -> str:
    vt = me()
    return vt.name if vt is not None else "import"


class Waitable:
    """Something a thread can wait for: ``signalled()`` says whether a wait would be satisfied,
    ``consume()`` is what a satisfied wait does to it (an auto-reset event resets)."""

    name = ""

    def signalled(self) -> bool:
        raise NotImplementedError

    def consume(self) -> None:
        pass


class EventObject(Waitable):
    """A Win32 event (CreateEvent page): a manual-reset event stays signalled until ResetEvent and
    releases every waiter; an auto-reset event releases one waiter and resets itself (if none is
    waiting, it stays signalled until one waits)."""

    def __init__(self, manual: bool, initial: bool, kind: str = "ev") -> None:
        self.run = run()
        self.manual, self.state = bool(manual), bool(initial)
        self.name = self.run.new_name(kind)

    def signalled(self) -> bool:
        return self.state

    def consume(self) -> None:
        if not self.manual:
            self.state = False
            self.run.emit("event_reset", caller(), object=self.name, auto=True, _vars={self.name: False})

    def set(self) -> None:
        self.state = True
        self.run.emit("event_set", caller(), object=self.name, _vars={self.name: True})
        self.run.sched.pause()

    def reset(self) -> None:
        self.state = False
        self.run.emit("event_reset", caller(), object=self.name, _vars={self.name: False})
        self.run.sched.pause()


def wait_any(objs: Sequence[Waitable], wait_all: bool, ms: Optional[int], what: str) -> Optional[int]:
    """Wait for one (the lowest index signalled) or all of ``objs`` for ``ms`` virtual ms (None:
    forever).  The index satisfied (0 for all), or None on timeout.  A scheduling point."""
    r = run()
    if wait_all:
        ready = lambda: all(o.signalled() for o in objs)  # noqa: E731
    else:
        ready = lambda: any(o.signalled() for o in objs)  # noqa: E731
    ok = r.sched.wait_until(ready, ms)
    names = ",".join(o.name for o in objs)
    if not ok:
        r.emit("wait_returned", caller(), call=what, objects=names, result="timeout",
               _reads=tuple(o.name for o in objs))
        return None
    if wait_all:
        for o in objs:
            o.consume()
        index = 0
    else:
        index = next(i for i, o in enumerate(objs) if o.signalled())
        objs[index].consume()
    r.emit("wait_returned", caller(), call=what, objects=names, result=f"signalled {objs[index].name}",
           _reads=tuple(o.name for o in objs))
    return index


class LockObject(Waitable):
    """A lock (threading.Lock; reentrant: RLock and a Win32 mutex, owned by a thread with a count)."""

    def __init__(self, reentrant: bool, kind: str = "lock") -> None:
        self.run = run()
        self.reentrant = reentrant
        self.owner: Optional[object] = None
        self.count = 0
        self.name = self.run.new_name(kind)

    def signalled(self) -> bool:  # free (or already ours, for a reentrant lock)
        return self.count == 0 or (self.reentrant and self.owner is me())

    def consume(self) -> None:
        self.owner = me()
        self.count += 1

    def acquire(self, ms: Optional[int]) -> bool:
        ok = self.run.sched.wait_until(self.signalled, ms)
        if ok:
            self.consume()
        return ok

    def release(self) -> None:
        if self.count == 0 or (self.reentrant and self.owner is not me()):
            raise RuntimeError("release unlocked lock" if self.count == 0 else "cannot release un-acquired lock")
        self.count -= 1
        if self.count == 0:
            self.owner = None
        self.run.sched.pause()
