"""The controlled scheduler: a service's real threads run one at a time, in virtual time.

Each service thread is a real Python thread (so unmodified code runs as it
is) that holds a *baton* while it runs.  It is started with
``_thread.start_new_thread``, not ``threading.Thread``: ``Thread.start()``
waits for the new thread to signal that it runs, which costs about a
millisecond on a busy machine (twenty times a bare start), and the harness
does not need it (the thread waits for its baton first anyway).  Every call into a stand-in
(scmcheck/testing/standins) is a scheduling point: the thread hands the baton
back to the harness and waits until the harness picks it again.  The harness
(:meth:`Scheduler.step`) picks which runnable thread runs next; the choice
comes from a :class:`Chooser` (Hypothesis draws it, so failures shrink and a
seed reproduces them; a recorded list replays them).

Time is virtual, in whole milliseconds: a sleep or a timed wait blocks the
thread until the harness advances the clock to its deadline
(:meth:`Scheduler.advance`), which it does only when no thread can run.  The
wall clock is used for one thing: the watchdog.  A thread holding the baton
longer than ``watchdog_s`` wall seconds is running code outside the harness
(a busy loop, a real socket, a real lock): :class:`BlockedOutside` carries its
Python frame (``sys._current_frames``), the thread is sent an asynchronous
:class:`RunOver`, and the run ends.  A run never hangs.

When a run ends, every thread still in it gets :class:`RunOver` (a
BaseException, so ``except Exception`` in service code does not swallow it)
from the stand-in call it is blocked in, and unwinds.
"""

from __future__ import annotations

import _thread
import ctypes
import sys
import threading as _rt  # the real module: the harness's own locks
import traceback
from typing import Callable, Optional, Protocol

NEW, READY, RUNNING, BLOCKED, EXITED = "new", "ready", "running", "blocked", "exited"
DEFAULT_WATCHDOG_S = 3.0  # wall seconds a thread may run between two stand-in calls


class RunOver(BaseException):
    """Raised in a service thread when its run has ended (never caught by ``except Exception``)."""


class HarnessError(Exception):
    """The service did something the harness cannot run (a blocking call at import time, ...)."""


class BlockedOutside(Exception):
    """A thread ran longer than the watchdog allows without calling a stand-in."""

    def __init__(self, thread: str, frame: str, seconds: float) -> None:
        super().__init__(f"{thread} blocked outside the harness for {seconds:g} s (wall clock) at {frame}")
        self.thread, self.frame, self.seconds = thread, frame, seconds


class Chooser(Protocol):
    def choose(self, n: int, what: str) -> int:
        """An index in ``0..n-1`` (never called with n < 2)."""


class VThread:
    """A service thread under the scheduler."""

    def __init__(self, sched: "Scheduler", name: str, fn: Callable[[], None], daemon: bool, host: bool,
                 owner: object = None) -> None:
        self.sched, self.name, self.fn, self.daemon, self.host = sched, name, fn, daemon, host
        self.owner = owner  # the stand-in Thread object, if any (current_thread() returns it)
        self.index = len(sched.threads)
        self.state = NEW
        self.ready: Callable[[], bool] = _never
        self.deadline: Optional[int] = None
        self.baton = _rt.Lock()
        self.baton.acquire()
        self.ident: Optional[int] = None  # the real thread's id, once started
        self.done = _rt.Lock()  # released when the real thread is through with this VThread
        self.done.acquire()
        self.in_handler = 0  # the control code this thread is handling (the dispatcher), else 0

    def runnable(self, now: int) -> bool:
        if self.state in (NEW, READY):
            return True
        if self.state == BLOCKED:
            return self.ready() or (self.deadline is not None and self.deadline <= now)
        return False

    def __repr__(self) -> str:
        return f"<VThread {self.name} {self.state}>"


def _never() -> bool:
    return False


_local = _rt.local()


def me() -> Optional[VThread]:
    """The service thread calling, or None (the harness, or a thread the harness does not run)."""
    return getattr(_local, "vt", None)


class Scheduler:
    """One run's threads, baton and virtual clock."""

    def __init__(self, watchdog_s: float = DEFAULT_WATCHDOG_S) -> None:
        self.now_ms = 0
        self.threads: list[VThread] = []
        self.back = _rt.Lock()  # released by a service thread when it hands the baton back
        self.back.acquire()
        self.over = False
        self.watchdog_s = watchdog_s
        self.steps = 0
        self.on_exit: Callable[[VThread, Optional[BaseException]], None] = lambda vt, exc: None
        self.harness_ident = _thread.get_ident()  # the harness's thread: it imports the service's module
        install_foreign_thread_hooks()

    # -------------------------------------------------------------- called by service threads

    def spawn(self, name: str, fn: Callable[[], None], daemon: bool, host: bool = False,
              owner: object = None) -> VThread:
        """A new thread, runnable from now on; it first runs when the harness picks it."""
        vt = VThread(self, name, fn, daemon, host, owner)
        self.threads.append(vt)
        vt.ident = _thread.start_new_thread(self._bootstrap, (vt,))
        return vt

    def _bootstrap(self, vt: VThread) -> None:
        try:
            _local.vt = vt
            vt.baton.acquire()
            exc: Optional[BaseException] = None
            if not self.over:
                vt.state = RUNNING
                try:
                    vt.fn()
                except RunOver:
                    pass
                except BaseException as e:  # noqa: BLE001 - a service thread's exception is recorded
                    exc = e
            vt.state = EXITED
            if not self.over:
                try:
                    self.on_exit(vt, exc)
                except RunOver:
                    pass
                self.back.release()  # after the run ended nobody waits for it
        except RunOver:  # the watchdog's asynchronous RunOver, arriving late
            vt.state = EXITED
        finally:
            vt.done.release()

    def pause(self) -> None:
        """A scheduling point: let the harness choose who runs next (this thread stays runnable)."""
        vt = self._caller()
        if vt is None:
            return
        vt.state = READY
        self._hand_back(vt)

    def wait_until(self, ready: Callable[[], bool], timeout_ms: Optional[int] = None) -> bool:
        """Block until ``ready()`` (True) or ``timeout_ms`` virtual ms pass (False); None: no timeout.

        A scheduling point even when ``ready()`` already holds.  When the harness resumes the
        thread no other thread has run since it checked, so ``ready()`` still holds and the caller
        may consume what it waited for (an auto-reset event, a lock).
        """
        vt = self._caller()
        if vt is None:
            if ready():
                return True
            if timeout_ms == 0:
                return False
            if _thread.get_ident() == self.harness_ident:
                raise HarnessError("a blocking call at module level, while scmcheck imported the service's file "
                                   "(no service thread runs yet); move it into SvcDoRun or a thread it starts")
            raise HarnessError("a blocking call from a thread scmcheck does not schedule (one started by other "
                               "means than threading or _thread, e.g. concurrent.futures, asyncio or a C "
                               "extension); scmcheck can run only threads the service starts with threading or "
                               "_thread")
        vt.ready = ready
        vt.deadline = None if timeout_ms is None else self.now_ms + max(0, int(timeout_ms))
        vt.state = BLOCKED
        self._hand_back(vt)
        vt.ready, vt.deadline = _never, None
        return ready()

    def _caller(self) -> Optional[VThread]:
        vt = me()
        if vt is None or vt.sched is not self:
            if vt is not None and vt.sched.over:
                raise RunOver()
            return None
        if self.over:
            raise RunOver()
        return vt

    def _hand_back(self, vt: VThread) -> None:
        self.back.release()
        vt.baton.acquire()
        if self.over:
            raise RunOver()
        vt.state = RUNNING

    # -------------------------------------------------------------- called by the harness

    def runnable(self) -> list[VThread]:
        return [t for t in self.threads if t.runnable(self.now_ms)]

    def next_deadline(self) -> Optional[int]:
        ds = [t.deadline for t in self.threads if t.state == BLOCKED and t.deadline is not None]
        return min(ds) if ds else None

    def step(self, vt: VThread) -> None:
        """Run ``vt`` until its next scheduling point (or its end).  BlockedOutside if it does not
        come back within the watchdog."""
        self.steps += 1
        vt.baton.release()
        if not self.back.acquire(timeout=self.watchdog_s):
            frame = _frame_of(vt)
            self._interrupt(vt)
            raise BlockedOutside(vt.name, frame, self.watchdog_s)

    def advance(self, to_ms: int) -> None:
        self.now_ms = max(self.now_ms, to_ms)

    def teardown(self, wall_s: float = 1.0) -> None:
        """End the run: every thread still in it unwinds with RunOver; wait for them briefly."""
        self.over = True
        for vt in self.threads:
            if vt.state != EXITED and vt.ident is not None:
                try:
                    vt.baton.release()
                except RuntimeError:  # it holds the baton already (blocked outside the harness)
                    pass
        for vt in self.threads:
            if vt.ident is not None:
                vt.done.acquire(timeout=wall_s / max(1, len(self.threads)))

    def _interrupt(self, vt: VThread) -> None:
        """Raise RunOver asynchronously in a thread stuck outside the harness (a busy loop gets it at
        once; a real blocking call when it returns).  The real thread is a daemon either way."""
        if vt.ident is None:
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(vt.ident), ctypes.py_object(RunOver))


def _frame_of(vt: VThread) -> str:
    """``file:line in function: source`` of the innermost frame of ``vt``'s real thread."""
    frame = sys._current_frames().get(vt.ident) if vt.ident is not None else None
    if frame is None:
        return "(frame unavailable)"
    fs = traceback.extract_stack(frame)
    # innermost frame outside this package: where the service's own code is
    here = __file__.rsplit("/", 1)[0]
    for f in reversed(fs):
        if not f.filename.startswith(here):
            return f"{f.filename}:{f.lineno} in {f.name}: {(f.line or '').strip()}"
    f = fs[-1]
    return f"{f.filename}:{f.lineno} in {f.name}"


# -------------------------------------------------------------- threads the harness does not run

foreign_errors: list[str] = []  # what such threads raised (search.py moves them into the report's errors)
_hooks_installed = False


def service_frame(exc: BaseException) -> str:
    """`` at FILE:LINE in FUNCTION`` of the innermost frame of ``exc``'s traceback outside scmcheck, or ""."""
    import os

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tb, last = exc.__traceback__, None
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(here):
            last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    code = last.tb_frame.f_code
    return f" at {os.path.basename(code.co_filename)}:{last.tb_lineno} in {code.co_name}"


def install_foreign_thread_hooks() -> None:
    """Keep scmcheck's own exceptions (HarnessError, RunOver) raised in threads it does not schedule off
    stderr: a thread the service started by other means than the stand-ins, or one left over from a run,
    would print one traceback per call.  They are recorded in :data:`foreign_errors` (one line each, with
    the service's frame) and reach the user in the report; every other exception goes to the hook that was
    there before.  Installed once per process; it chains to the previous hooks."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    prev_thread, prev_unraisable = _rt.excepthook, sys.unraisablehook

    def record(thread: str, exc: BaseException) -> None:
        line = f"{thread}: {exc}{service_frame(exc)}"
        if line not in foreign_errors and len(foreign_errors) < 50:
            foreign_errors.append(line)

    def thread_hook(args: object) -> None:
        exc = getattr(args, "exc_value", None)
        if isinstance(exc, (HarnessError, RunOver)):
            t = getattr(args, "thread", None)
            record(f"thread {getattr(t, 'name', '?')}", exc)
            return
        prev_thread(args)  # type: ignore[arg-type]

    def unraisable_hook(u: object) -> None:
        exc = getattr(u, "exc_value", None)
        if isinstance(exc, (HarnessError, RunOver)):
            record("a thread started with the real _thread.start_new_thread", exc)
            return
        prev_unraisable(u)  # type: ignore[arg-type]

    _rt.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook
