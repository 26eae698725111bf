"""Stand-in for ``threading`` as the service sees it: threads and locks under the scheduler.

Same API and semantics as the standard library's (docs.python.org,
"threading"): Thread (target/args/kwargs or a subclass's run, start once,
join with a timeout, daemon inherited from the creating thread), Event,
Lock, RLock, Condition, Semaphore, BoundedSemaphore, Timer, current_thread,
main_thread, enumerate, active_count.  Timeouts are virtual seconds.

Threads the pywin32 host makes (ServiceMain, the dispatcher) are not Python
threads in a real service, so ``current_thread()`` there is a dummy thread
whose ``daemon`` is True, as CPython's ``_DummyThread``: a thread started from
SvcDoRun is therefore a daemon unless told otherwise, as on Windows.
Anything else (``local``, ``get_native_id``, ``TIMEOUT_MAX``) is the real
module's.
"""

from __future__ import annotations

import threading as _real
from typing import Any, Callable, Optional

from . import _sync
from ..scheduler import me

TIMEOUT_MAX = _real.TIMEOUT_MAX
local = _real.local
ThreadError = RuntimeError


class Thread:
    """threading.Thread under the scheduler."""

    def __init__(self, group: Any = None, target: Optional[Callable] = None, name: Optional[str] = None,
                 args: tuple = (), kwargs: Optional[dict] = None, *, daemon: Optional[bool] = None) -> None:
        self._run_ctx = _sync.run()
        self._target, self._args, self._kwargs = target, tuple(args), dict(kwargs or {})
        if name is None:
            self._run_ctx.thread_counter += 1
            name = f"Thread-{self._run_ctx.thread_counter}"
            if target is not None and getattr(target, "__name__", None):
                name += f" ({target.__name__})"
        self._name = str(name)
        self._daemon = current_thread().daemon if daemon is None else bool(daemon)
        self._vt: Any = None
        self._started = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        r = self._run_ctx
        self._vt = r.sched.spawn(self._name, self.run, self._daemon, owner=self)
        r.thread_started(self._vt, _sync.caller())
        r.sched.pause()

    def run(self) -> None:
        try:
            if self._target is not None:
                self._target(*self._args, **self._kwargs)
        finally:
            del self._target, self._args, self._kwargs

    def join(self, timeout: Optional[float] = None) -> None:
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self._vt is me():
            raise RuntimeError("cannot join current thread")
        vt = self._vt
        ok = self._run_ctx.sched.wait_until(lambda: vt.state == "exited", _sync.timeout_ms(timeout))
        self._run_ctx.emit("join_returned", _sync.caller(), joined=self._name, result="exited" if ok else "timeout")

    def is_alive(self) -> bool:
        return self._started and self._vt is not None and self._vt.state != "exited"

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = str(value)

    @property
    def daemon(self) -> bool:
        return self._daemon

    @daemon.setter
    def daemon(self, value: bool) -> None:
        if self._started:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemon = bool(value)

    @property
    def ident(self) -> Optional[int]:
        return None if self._vt is None else 1000 + self._vt.index

    native_id = ident

    def isDaemon(self) -> bool:  # noqa: N802
        return self._daemon

    def setDaemon(self, value: bool) -> None:  # noqa: N802
        self.daemon = value

    def getName(self) -> str:  # noqa: N802
        return self._name

    def setName(self, name: str) -> None:  # noqa: N802
        self._name = str(name)

    def __repr__(self) -> str:
        status = "started" if self.is_alive() else ("stopped" if self._started else "initial")
        return f"<Thread({self._name}, {status}{' daemon' if self._daemon else ''})>"


class _HostThread(Thread):
    """A thread the pywin32 host made (ServiceMain, dispatcher): a dummy thread, daemon (module docstring)."""

    def __init__(self, vt: Any) -> None:
        self._run_ctx = _sync.run()
        self._name, self._daemon, self._vt, self._started = vt.name, True, vt, True


def current_thread() -> Thread:
    vt = me()
    if vt is None:
        return _real.current_thread()  # import time: the harness's thread
    if vt.owner is None:
        vt.owner = _HostThread(vt)
    return vt.owner


currentThread = current_thread  # noqa: N816


def main_thread() -> Thread:
    r = _sync.run()
    d = getattr(r, "dispatcher", None)
    if d is None:
        return _real.main_thread()
    if d.owner is None:
        d.owner = _HostThread(d)
    return d.owner


def enumerate() -> list:  # noqa: A001 - threading's name
    r = _sync.run()
    out = []
    for vt in r.sched.threads:
        if vt.state != "exited":
            if vt.owner is None:
                vt.owner = _HostThread(vt)
            out.append(vt.owner)
    return out


def active_count() -> int:
    return len(enumerate())


activeCount = active_count  # noqa: N816


def get_ident() -> int:
    vt = me()
    return 1000 + vt.index if vt is not None else _real.get_ident()


def get_native_id() -> int:
    return get_ident()


class Event:
    """threading.Event: a manual-reset event."""

    def __init__(self) -> None:
        self._ev = _sync.EventObject(manual=True, initial=False)

    def is_set(self) -> bool:
        return self._ev.state

    isSet = is_set  # noqa: N815

    def set(self) -> None:
        self._ev.set()

    def clear(self) -> None:
        self._ev.reset()

    def wait(self, timeout: Optional[float] = None) -> bool:
        return _sync.wait_any([self._ev], False, _sync.timeout_ms(timeout), "Event.wait") is not None


class Lock:
    """threading.Lock (not reentrant).  ``acquire(blocking, timeout)`` as the standard library's."""

    _reentrant = False

    def __init__(self) -> None:
        self._lock = _sync.LockObject(self._reentrant, "rlock" if self._reentrant else "lock")

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        ms = 0 if not blocking else _sync.timeout_ms(timeout)
        return self._lock.acquire(ms)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.count > 0

    __enter__ = acquire

    def __exit__(self, *exc: Any) -> None:
        self.release()

    # for Condition: drop the lock entirely, and take it back with the same count
    def _release_save(self) -> tuple:
        saved = (self._lock.count, self._lock.owner)
        self._lock.count, self._lock.owner = 0, None
        return saved

    def _acquire_restore(self, saved: tuple) -> None:
        self._lock.acquire(None)
        self._lock.count = saved[0]


class RLock(Lock):
    """threading.RLock: owned by a thread, reentrant."""

    _reentrant = True


class Condition:
    """threading.Condition over a Lock or RLock (default RLock)."""

    def __init__(self, lock: Optional[Lock] = None) -> None:
        self._cl = lock if lock is not None else RLock()
        self._waiters: list[list[bool]] = []
        self.acquire, self.release = self._cl.acquire, self._cl.release

    def __enter__(self) -> bool:
        return self._cl.acquire()

    def __exit__(self, *exc: Any) -> None:
        self._cl.release()

    def wait(self, timeout: Optional[float] = None) -> bool:
        if not self._cl._lock.count or self._cl._lock.owner is not me():
            raise RuntimeError("cannot wait on un-acquired lock")
        token = [False]
        self._waiters.append(token)
        saved = self._cl._release_save()
        r = _sync.run()
        ok = r.sched.wait_until(lambda: token[0], _sync.timeout_ms(timeout))
        if not ok and token in self._waiters:
            self._waiters.remove(token)
        self._cl._acquire_restore(saved)
        return ok

    def wait_for(self, predicate: Callable[[], Any], timeout: Optional[float] = None) -> Any:
        r = _sync.run()
        end = None if timeout is None else r.sched.now_ms + (_sync.timeout_ms(timeout) or 0)
        result = predicate()
        while not result:
            left = None if end is None else (end - r.sched.now_ms) / 1000
            if left is not None and left <= 0:
                break
            self.wait(left)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._cl._lock.count or self._cl._lock.owner is not me():
            raise RuntimeError("cannot notify on un-acquired lock")
        for token in self._waiters[:n]:
            token[0] = True
        del self._waiters[:n]
        _sync.run().sched.pause()

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all  # noqa: N815


class Semaphore:
    """threading.Semaphore."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value
        self._run = _sync.run()

    def acquire(self, blocking: bool = True, timeout: Optional[float] = None) -> bool:
        ms = 0 if not blocking else _sync.timeout_ms(timeout)
        ok = self._run.sched.wait_until(lambda: self._value > 0, ms)
        if ok:
            self._value -= 1
        return ok

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        self._value += n
        self._run.sched.pause()

    def __exit__(self, *exc: Any) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial = value

    def release(self, n: int = 1) -> None:
        if self._value + n > self._initial:
            raise ValueError("Semaphore released too many times")
        super().release(n)


class Timer(Thread):
    """threading.Timer: runs ``function`` after ``interval`` virtual seconds unless cancelled."""

    def __init__(self, interval: float, function: Callable, args: Any = None, kwargs: Any = None) -> None:
        super().__init__()
        self.interval, self.function = interval, function
        self.args, self.kwargs = args if args is not None else [], kwargs if kwargs is not None else {}
        self.finished = Event()

    def cancel(self) -> None:
        self.finished.set()

    def run(self) -> None:
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def __getattr__(name: str) -> Any:
    if name in ("Barrier", "BrokenBarrierError", "setprofile", "settrace"):
        raise AttributeError(f"scmcheck's stand-in for threading has no {name} yet")
    return getattr(_real, name)
