"""Implementations in other languages: an adapter process driven over a JSON-lines protocol.

``scmcheck test --cmd 'COMMAND'`` starts COMMAND (split with ``shlex``, no
shell) once per check and drives the service it hosts, one run after another,
through this protocol; the SCM, the observers (properties/observers.py), the
Hypothesis search and shrinking (search.py), the report (report.py) and the
ITF traces (tracefile.py) are the same as for a pywin32 service.  The harness
keeps control of scheduling: the adapter's code runs one thread-step at a time,
when told ``run``, so an adapter for a real language writes its service as step
functions or a cooperative loop (examples/adapters/node/ does so with
generators).  Like a quint-connect or Modelator step driver, the adapter is an
imperative shell around the implementation; unlike them, the choices come from
scmcheck's search, not from a model trace.

Protocol, version 1
===================

One JSON object per line (UTF-8, ``\\n``-terminated) on the adapter's stdin
(harness -> adapter) and stdout (adapter -> harness); the adapter may write
anything to stderr (the harness shows its last lines when something fails).
The harness sends a message and waits for exactly one reply line before the
next.  Times are **virtual milliseconds** since the service was started
(integers); nothing in the adapter may use the wall clock.

Harness -> adapter:

============  ===========================================  ===============================================
``type``      fields                                       meaning / expected reply
============  ===========================================  ===============================================
``hello``     ``protocol`` (int, 1), ``tool`` ("scmcheck")  first line; reply ``hello``
``start``     ``run`` (int, from 0), ``now_ms`` (0)         a new run: a fresh service process (state from
                                                            earlier runs must not leak); the host threads
                                                            ``dispatcher`` (host: true) and ``ServiceMain``
                                                            start; reply ``result``
``control``   ``control`` (Win32 code, HandlerEx page),     the SCM sent a control (ControlService): queue
              ``name`` ("STOP" ...), ``event_type`` (int),   it for the dispatcher, which calls the handler
              ``data`` (JSON: null, a list, or a string     when it runs; reply ``result``
              of hex for bytes), ``now_ms``
``run``       ``thread`` (a name the adapter reported       run that thread until its next scheduling point
              runnable), ``now_ms``                          (a wait, a SetServiceStatus, any API call) or
                                                            its end; reply ``result``
``advance``   ``to_ms`` (int > now), ``now_ms`` (before)    the virtual clock jumps (only when no thread is
                                                            runnable); timed waits due by ``to_ms`` end;
                                                            reply ``result``
``end``       ``run``                                       the run is over; drop the service; reply
                                                            ``result`` (calls and threads ignored)
``bye``       --                                            close; the adapter exits (no reply)
============  ===========================================  ===============================================

Adapter -> harness:

============  ===========================================  ===============================================
``type``      fields                                       meaning
============  ===========================================  ===============================================
``hello``     ``protocol`` (int, must equal the             version agreed; ``fingerprint``: what the
              harness's), ``adapter`` (str),                adapter says identifies its code (e.g. SHA-256
              ``fingerprint`` (str, optional)               of its sources): part of a trace's fingerprint
``result``    ``calls`` (list, in the order made),          what the code did during this message, and
              ``threads`` (list)                            every live thread's state afterwards
``error``     ``message`` (str)                             the adapter could not do it: the check stops
                                                            (exit 2) with this message
============  ===========================================  ===============================================

A ``threads`` entry: ``{"name": str, "state": "runnable"}``, or ``{"name",
"state": "blocked", "until_ms": int or null, "on": str}`` -- blocked in a wait
that times out at virtual time ``until_ms`` (null: no timeout, INFINITE), on
what ``on`` names (for people).  The list holds exactly the threads started
and not exited (empty after ``process_exit``).  A wait whose object is
already signalled is reported runnable; ``run`` then completes it.

A ``calls`` entry has ``call`` and ``thread`` (the thread that made it;
``process`` for the process itself), and:

=========================  ==================================================  ==========================
``call``                   fields                                              event (observers.py)
=========================  ==================================================  ==========================
``SetServiceStatus``       the SERVICE_STATUS fields: ``dwCurrentState``,      ``status_reported``
                           ``dwControlsAccepted``, ``dwWin32ExitCode``,
                           ``dwServiceSpecificExitCode``, ``dwCheckPoint``,
                           ``dwWaitHint`` (ms); DWORDs; ``dwServiceType``
                           optional
``handler_entered``        ``control`` -- the dispatcher called HandlerEx      ``handler_entered``
``handler_returned``       ``control``, ``result`` (the DWORD returned)        ``handler_returned``
``handler_raised``         ``control``, ``error`` (str), before                ``handler_raised``
                           ``handler_returned``
``thread_started``         ``name``, ``host`` (bool: the host's own thread)    ``thread_started``
``thread_exited``          ``error`` (str or null: what it raised)             ``thread_exited``
``service_main_returned``  ``raised`` (bool)                                   ``svcrun_returned``
``process_exit``           ``reason``: ``returned`` (StartServiceCtrl-         ``process_exited``
                           Dispatcher returned after SERVICE_STOPPED) or the
                           call that ended it, e.g. ``ExitProcess(1)``
=========================  ==================================================  ==========================

Semantics follow the Microsoft pages: SetServiceStatus and SERVICE_STATUS
(learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus,
.../ns-winsvc-service_status: dwCheckPoint, dwWaitHint in ms), HandlerEx
(.../nc-winsvc-lphandler_function_ex: one control at a time on the
dispatcher's thread, the DWORD result), ControlService
(.../nf-winsvc-controlservice: which controls the SCM sends in which state;
scmcheck's SCM follows it, run.py).  The adapter reports what its code did;
it judges nothing.  The harness never sends a control while the handler of
the previous one has not returned.

Errors
======

A line that is not one JSON object, a missing or mistyped field, an unknown
``call`` or ``type``, a thread that is unknown or reported twice, a
``protocol`` other than :data:`PROTOCOL_VERSION`, an ``error`` reply, an
adapter that exits, or one that does not reply within ``timeout_s`` wall
seconds: :class:`AdapterError` (an InputError: one line naming the command,
the line and the fix; ``scmcheck test`` exits 2).  An error inside a run ends
the check: the search sees a quiet run, and :func:`check_command` raises the
error afterwards (so Hypothesis never shrinks a broken adapter).

Traces and replay
=================

A violation's trace is saved as ``<name>.<property>.adapter.itf.json`` with
``#meta.scmcheck.implementation`` as for a pywin32 service (schema, choices,
budgets, reason) plus ``adapter``: ``command``, ``protocol``, ``fingerprint``
(:func:`fingerprint`: SHA-256 over the command string and the SHA-256 of
every word of it that names an existing file) and ``adapter_fingerprint``
(the hello's).  A trace never runs code by itself: :func:`replay_trace`
needs the command given again (``scmcheck show TRACE --target 'COMMAND'``),
or the recorded one with the explicit ``--trust``.  A command whose
fingerprint differs (an edited file, another command) is *stale* and is not
run; an adapter whose hello fingerprint differs is stale too.  Otherwise the
run is repeated with the recorded choices and must give the same steps
(same events, threads, arguments and times): *reproduced*, else *diverged*
with the first differing step.  The suffix ``.adapter.itf.json`` keeps these
traces out of the pytest plugin's ``*.impl.itf.json`` replays, which would
run the recorded command on the trace's word.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import shlex
import subprocess
import threading
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers import BY_ID, STATE_NAMES

from .api import chosen_properties
from .report import PropertyResult, Report, from_search, unviolated, violated
from .run import CONTROLS, DEFAULT_CONTROLS, DEFAULT_DEPTH, Outcome, Run

PROTOCOL_VERSION = 1
DEFAULT_TIMEOUT_S = 10.0  # wall seconds the adapter may take to answer one message
TRACE_SUFFIX = ".adapter.itf.json"
MODEL = "adapter-service"
FIX = "see examples/adapters/PROTOCOL.md"
_RESERVED = ("SCM", "clock", "process", "import")
_DWORD = 0xFFFFFFFF
_STATUS_FIELDS = ("dwCurrentState", "dwControlsAccepted", "dwWin32ExitCode", "dwServiceSpecificExitCode",
                  "dwCheckPoint", "dwWaitHint")


class AdapterError(InputError):
    """The adapter broke the protocol, exited or hung (module docstring, Errors): one line."""


# ------------------------------------------------------------------ the process


class Channel:
    """The adapter process and its pipes: one request line, one reply line, a wall-clock timeout.

    ``failed`` keeps the first error; every later request raises it again at once.
    """

    def __init__(self, command: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.command, self.timeout_s = command, timeout_s
        self.proc: Optional[subprocess.Popen] = None
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.stderr_tail: deque = deque(maxlen=5)
        self.line_no = 0  # lines read from the adapter
        self.failed: Optional[AdapterError] = None
        self.hello: dict = {}

    def _fail(self, what: str, fix: str, sent: Optional[dict] = None) -> AdapterError:
        about = f" (line {self.line_no} from the adapter, in reply to {_summary(sent)})" if sent is not None else ""
        tail = f"; its stderr ended: {' | '.join(self.stderr_tail)}" if self.stderr_tail else ""
        err = AdapterError(f"--cmd {shlex.quote(self.command)}: {what}{about}; {fix}{tail}")
        if self.failed is None:
            self.failed = err
        return err

    def open(self) -> dict:
        """Start the process and exchange hellos; the adapter's hello.  AdapterError if it fails."""
        try:
            argv = shlex.split(self.command)
        except ValueError as exc:
            raise self._fail(f"cannot split the command ({exc})", "quote it as a POSIX shell would") from None
        if not argv:
            raise self._fail("the command is empty", "give the program that runs the adapter, e.g. "
                             "--cmd 'node examples/adapters/node/service.js'")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, encoding="utf-8", errors="replace", bufsize=1)
        except OSError as exc:
            raise self._fail(f"cannot start {argv[0]!r} ({exc.strerror or exc})",
                             "give a program on PATH or a path to it") from None
        threading.Thread(target=self._read, args=(self.proc.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, False), daemon=True).start()
        reply = self.request({"type": "hello", "protocol": PROTOCOL_VERSION, "tool": "scmcheck"}, expect="hello")
        got = reply.get("protocol")
        if got != PROTOCOL_VERSION:
            raise self._fail(f"the adapter speaks protocol {got!r}, scmcheck speaks {PROTOCOL_VERSION}",
                             f"answer hello with \"protocol\": {PROTOCOL_VERSION} ({FIX})", reply)
        self.hello = reply
        return reply

    def _read(self, stream: Any, out: bool) -> None:
        for line in stream:
            if out:
                self.lines.put(line)
            elif line.strip():
                self.stderr_tail.append(line.strip()[:200])
        if out:
            self.lines.put(None)

    def request(self, msg: dict, expect: str = "result") -> dict:
        """Send ``msg``; the reply object, of type ``expect``.  AdapterError for anything else."""
        if self.failed is not None:
            raise self.failed
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._exited(msg) from None
        try:
            line = self.lines.get(timeout=self.timeout_s)
        except queue.Empty:
            raise self._fail(f"no reply within {self.timeout_s:g} s (wall clock) to {_summary(msg)}",
                             "the adapter must answer every message with one line on stdout and flush it; a step "
                             "must not block (wait through the protocol instead), or raise --adapter-timeout") \
                from None
        if line is None:
            raise self._exited(msg)
        self.line_no += 1
        return self._parse(line, msg, expect)

    def _exited(self, sent: dict) -> AdapterError:
        code = self.proc.wait(timeout=2) if self.proc is not None else None
        return self._fail(f"the adapter exited (status {code}) before answering {_summary(sent)}",
                          "keep it reading stdin until \"bye\"; run the command by hand to see why it ended")

    def _parse(self, line: str, sent: dict, expect: str) -> dict:
        text = line.strip()
        try:
            obj = json.loads(text)
        except ValueError:
            raise self._fail(f"not a JSON line: {text[:60]!r}", f"write one JSON object per line on stdout, and "
                             f"anything else on stderr ({FIX})", sent) from None
        if not isinstance(obj, dict):
            raise self._fail(f"a JSON {type(obj).__name__}, not an object: {text[:60]!r}",
                             f"write one JSON object per line ({FIX})", sent)
        kind = obj.get("type")
        if kind == "error":
            raise self._fail(f"the adapter answered error: {str(obj.get('message'))[:160]}",
                             "fix the adapter or the service it hosts", sent)
        if kind != expect:
            raise self._fail(f"\"type\": {kind!r} where {expect!r} was due", f"answer {_summary(sent)} with a "
                             f"{expect!r} line ({FIX})", sent)
        return obj

    def close(self) -> None:
        """Say bye and end the process (killed if it does not exit within a second)."""
        p = self.proc
        if p is None:
            return
        try:
            if p.poll() is None and p.stdin is not None:
                p.stdin.write(json.dumps({"type": "bye"}) + "\n")
                p.stdin.close()
            p.wait(timeout=1)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            p.kill()
            p.wait()
        self.proc = None


def _summary(msg: Optional[dict]) -> str:
    if not msg:
        return "?"
    kind = msg.get("type")
    if kind == "run":
        return f"\"run {msg.get('thread')}\""
    if kind == "control":
        return f"\"control {msg.get('name')}\""
    if kind == "advance":
        return f"\"advance to {msg.get('to_ms')} ms\""
    return f"\"{kind}\""


# ------------------------------------------------------------------ one run


@dataclass
class _Thread:
    host: bool
    state: str = "runnable"  # runnable | blocked | exited
    until_ms: Optional[int] = None
    on: str = ""


class AdapterRun(Run):
    """One run of the adapter's service under scmcheck's SCM (run.py's ``Run``: its SCM, events, monitor
    and choice order are reused; the threads are the adapter's, stepped through the protocol)."""

    def __init__(self, channel: Channel, chooser: Any, properties: list[str], run_index: int = 0,
                 depth: int = DEFAULT_DEPTH, controls: int = DEFAULT_CONTROLS) -> None:
        super().__init__(lambda: type(None), chooser, properties, depth=depth, controls=controls)
        self.channel, self.run_index = channel, run_index
        self.threads: dict[str, _Thread] = {}
        self.in_handler: dict[str, int] = {}
        self.handler_since: dict[str, int] = {}
        self.sent: list[tuple[int, str]] = []  # controls sent, not yet entered: (code, event type's name)
        self.last: Optional[dict] = None  # the message being answered

    # -------------------------------------------------------------- protocol

    def _ask(self, msg: dict, thread: str) -> None:
        self.last = msg
        reply = self.channel.request(msg)
        self._apply_calls(reply.get("calls"), thread)
        self._apply_threads(reply.get("threads"))

    def _bad(self, what: str) -> AdapterError:
        return self.channel._fail(what, f"fix the adapter's reply ({FIX})", self.last)

    def _apply_calls(self, calls: Any, default: str) -> None:
        if not isinstance(calls, list):
            raise self._bad(f"field calls is {type(calls).__name__}, not a list")
        for c in calls:
            if self.exited:
                break
            if not isinstance(c, dict) or not isinstance(c.get("call"), str):
                raise self._bad(f"a calls entry without a \"call\" name: {json.dumps(c)[:80]}")
            thread = c.get("thread", default)
            if not isinstance(thread, str) or thread in ("SCM", "clock") or \
                    (thread not in self.threads and thread != "process" and c["call"] != "thread_started"):
                raise self._bad(f"call {c['call']} from unknown thread {thread!r}")
            handle = _CALLS.get(c["call"])
            if handle is None:
                raise self._bad(f"unknown call {c['call']!r} (known: {', '.join(_CALLS)})")
            handle(self, c, thread)

    def _apply_threads(self, threads: Any) -> None:
        if not isinstance(threads, list):
            raise self._bad(f"field threads is {type(threads).__name__}, not a list")
        if self.exited:
            return
        seen: set[str] = set()
        for t in threads:
            name = t.get("name") if isinstance(t, dict) else None
            if name not in self.threads or self.threads[name].state == "exited" or name in seen:
                why = "listed twice" if name in seen else "not a live thread"
                raise self._bad(f"threads lists {name!r}, which is {why}"
                                " (report thread_started first, and list each live thread once)")
            seen.add(name)
            vt = self.threads[name]
            state = t.get("state")
            if state == "runnable":
                vt.state, vt.until_ms, vt.on = "runnable", None, ""
            elif state == "blocked":
                until = t.get("until_ms")
                if until is not None and (not isinstance(until, int) or isinstance(until, bool)):
                    raise self._bad(f"thread {name}: until_ms is {until!r}, not an integer (virtual ms) or null")
                vt.state, vt.until_ms, vt.on = "blocked", until, str(t.get("on", ""))[:60]
            else:
                raise self._bad(f"thread {name}: state {state!r}, not \"runnable\" or \"blocked\"")
        missing = [n for n, v in self.threads.items() if v.state != "exited" and n not in seen]
        if missing:
            raise self._bad(f"threads leaves out {', '.join(missing)}, which never exited (report thread_exited, "
                            "or list every live thread)")

    # -------------------------------------------------------------- calls -> events

    def _on_status(self, c: dict, thread: str) -> None:
        vals = {f: _dword(c, f, self._bad) for f in _STATUS_FIELDS}
        state, accepted, hint, cp = (vals["dwCurrentState"], vals["dwControlsAccepted"], vals["dwWaitHint"],
                                     vals["dwCheckPoint"])
        self.reported, self.accepted = state, accepted
        self.emit("status_reported", thread, state=state, accepted=accepted, checkpoint=cp, wait_hint_ms=hint,
                  win32_exit=vals["dwWin32ExitCode"], svc_exit=vals["dwServiceSpecificExitCode"],
                  in_handler=self.in_handler.get(thread, 0),
                  _vars={"reported": STATE_NAMES.get(state, "NONE"), "checkpoint": cp, "wait_hint": hint,
                         "accepted": accepted})

    def _on_entered(self, c: dict, thread: str) -> None:
        control = _dword(c, "control", self._bad)
        event = ""
        for i, (code, ev) in enumerate(self.sent):
            if code == control:
                event = ev
                del self.sent[i]
                break
        name = CONTROLS.get(control, str(control))
        self.delivered.add(name)
        if event:
            self.delivered.add(f"{name}/{event}")
        self.in_handler[thread], self.handler_since[thread] = control, self.sched.now_ms
        self.handler_busy = True
        self.emit("handler_entered", thread, control=control, name=name, event=event, _reads=("control",),
                  _vars={"handler": name, "control": "NONE"})

    def _on_returned(self, c: dict, thread: str) -> None:
        control, result = _dword(c, "control", self._bad), _dword(c, "result", self._bad)
        since = self.handler_since.pop(thread, self.sched.now_ms)
        self.in_handler.pop(thread, None)
        self.handler_busy = bool(self.sent)
        self.emit("handler_returned", thread, control=control, name=CONTROLS.get(control, str(control)),
                  result=result, duration_ms=self.sched.now_ms - since, _vars={"handler": "idle"})

    def _on_raised(self, c: dict, thread: str) -> None:
        control = _dword(c, "control", self._bad)
        text = " ".join(str(c.get("error", "")).split())[:160]
        label = CONTROLS.get(control, str(control))
        self.handler_errors.append(f"{label}: {text}")
        self.emit("handler_raised", thread, control=control, name=label, error=text[:120])

    def _on_started(self, c: dict, thread: str) -> None:
        name = c.get("name")
        if not isinstance(name, str) or not name or name in _RESERVED or name in self.threads:
            raise self._bad(f"thread_started names {name!r}: give a new thread name other than "
                            f"{', '.join(_RESERVED)}")
        host = c.get("host", False)
        if not isinstance(host, bool):
            raise self._bad(f"thread_started {name}: host is {host!r}, not true or false")
        self.threads[name] = _Thread(host)
        self.emit("thread_started", thread, name=name, host=host,
                  _vars={} if host else {"threads_alive": self._alive()})

    def _on_exited(self, c: dict, thread: str) -> None:
        vt = self.threads.get(thread)
        if vt is None or vt.state == "exited":
            raise self._bad(f"thread_exited for {thread!r}, which is not a live thread")
        vt.state = "exited"
        err = c.get("error")
        if err:
            text = " ".join(str(err).split())[:120]
            if not vt.host:
                self.errors.append(f"{thread}: {text}")
            self.emit("thread_raised", thread, error=text)
        self.emit("thread_exited", thread, name=thread, host=vt.host, _vars={"threads_alive": self._alive()})

    def _on_main_returned(self, c: dict, thread: str) -> None:
        raised = c.get("raised", False)
        if not isinstance(raised, bool):
            raise self._bad(f"service_main_returned: raised is {raised!r}, not true or false")
        self.emit("svcrun_returned", thread, raised=raised)

    def _on_process_exit(self, c: dict, thread: str) -> None:
        reason = c.get("reason")
        if not isinstance(reason, str) or not reason:
            raise self._bad("process_exit without a reason (\"returned\", or the call that ended it)")
        self._process_exit(reason, thread)

    # -------------------------------------------------------------- run.py's hooks, for these threads

    def _alive(self, delta: int = 0) -> int:
        return sum(1 for t in self.threads.values() if not t.host and t.state != "exited") + delta

    def _process_exit(self, reason: str, by: Optional[str] = None) -> None:
        live = [n for n, t in self.threads.items() if t.state != "exited"]
        killed = [n for n in live if not self.threads[n].host and n != by]
        if reason == "power_off":
            killed = [n for n in live if n != "dispatcher"]
        self.exited = True
        for t in self.threads.values():
            t.state = "exited"
        self.emit("process_exited", by or ("process" if reason == "returned" else "SCM"), reason=reason,
                  killed=", ".join(killed), unsaved=None, _vars={"threads_alive": 0})

    def _send(self, control: int) -> None:
        """ControlService, as run.py sends it (event type and data drawn), then handed to the adapter."""
        super()._send(control)
        code, event_type, data, event = self.queue.pop()
        self.sent.append((code, event))
        self.handler_busy = True  # the SCM sends the next control only when this one's handler returned
        self._ask({"type": "control", "control": code, "name": CONTROLS.get(code, str(code)),
                   "event_type": event_type, "data": _jsonable(data), "now_ms": self.sched.now_ms}, "dispatcher")

    # -------------------------------------------------------------- the loop

    def execute(self) -> Outcome:
        outcome = "exited"
        try:
            self._ask({"type": "start", "run": self.run_index, "now_ms": 0}, "process")
            outcome = self._loop()
        except AdapterError:
            outcome = "adapter_error"  # the check reports channel.failed (module docstring, Errors)
            self.violation = None
        finally:
            if self.channel.failed is None:
                try:
                    self.channel.request({"type": "end", "run": self.run_index})
                except AdapterError:
                    pass
        if self.violation is not None:
            outcome = "violation"
        return self._outcome(outcome, None, self.handler_errors)

    # run.py's loop over the adapter's threads: the SCM's options first, then each runnable thread, then
    # (only when none is runnable) a jump of the clock to the next deadline, told to the adapter.

    def _runnable(self) -> list[str]:
        now = self.sched.now_ms
        return [n for n, t in self.threads.items()
                if t.state == "runnable" or (t.state == "blocked" and t.until_ms is not None and t.until_ms <= now)]

    def _wakeup(self) -> Optional[int]:
        ds = [t.until_ms for t in self.threads.values() if t.state == "blocked" and t.until_ms is not None]
        return min(ds) if ds else None

    def _step(self, thread: str) -> None:
        self.sched.steps += 1
        self._ask({"type": "run", "thread": thread, "now_ms": self.sched.now_ms}, thread)

    def _clock_moved(self, before_ms: int) -> None:
        self._ask({"type": "advance", "to_ms": self.sched.now_ms, "now_ms": before_ms}, "process")
        super()._clock_moved(before_ms)  # then the power-off, as run.py


def _dword(c: dict, name: str, bad: Any) -> int:
    v = c.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= _DWORD:
        raise bad(f"call {c.get('call')}: field {name} is {v!r}, not a DWORD (an integer 0..4294967295)")
    return v


def _jsonable(data: Any) -> Any:
    """HandlerEx's lpEventData as JSON (module docstring): tuples as lists, bytes as hex strings."""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).hex()
    if isinstance(data, (list, tuple)):
        return [_jsonable(x) for x in data]
    return data


_CALLS = {
    "SetServiceStatus": AdapterRun._on_status, "handler_entered": AdapterRun._on_entered,
    "handler_returned": AdapterRun._on_returned, "handler_raised": AdapterRun._on_raised,
    "thread_started": AdapterRun._on_started, "thread_exited": AdapterRun._on_exited,
    "service_main_returned": AdapterRun._on_main_returned, "process_exit": AdapterRun._on_process_exit,
}


# ------------------------------------------------------------------ fingerprint


def fingerprint(command: str) -> tuple[str, dict]:
    """``(sha256, files)``: SHA-256 over the command string and, for every word of it that names an
    existing file (relative to the working directory), that file's SHA-256 (``files``: word -> hex)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    files = {}
    for w in words[1:] or words:
        p = Path(w)
        if p.is_file():
            files[w] = hashlib.sha256(p.read_bytes()).hexdigest()
    h = hashlib.sha256(command.encode("utf-8"))
    for w, sha in sorted(files.items()):
        h.update(f"\0{w}\0{sha}".encode())
    return h.hexdigest(), files


# ------------------------------------------------------------------ the check


def _make_runner(channel: Channel, depth: int, controls: int) -> Any:
    counter = {"n": 0}

    def make(chooser: Any, props: list) -> AdapterRun:
        counter["n"] += 1
        return AdapterRun(channel, chooser, list(props), counter["n"] - 1, depth=depth, controls=controls)

    return make


def _validate(properties: Optional[Sequence[str]], runs: int, depth: int, timeout_s: float) -> list[str]:
    props = chosen_properties(properties, runs, depth)
    if not timeout_s > 0:
        raise InputError(f"--adapter-timeout {timeout_s}: give a number of wall seconds > 0, e.g. 10")
    return props


def check_command(command: str, runs: int = 100, seed: Optional[int] = None, depth: int = DEFAULT_DEPTH,
                  properties: Optional[Sequence[str]] = None, out: Optional[Union[str, Path]] = None,
                  timeout_s: float = DEFAULT_TIMEOUT_S, controls: int = DEFAULT_CONTROLS) -> Report:
    """Search ``runs`` runs of the service the adapter ``command`` hosts (module docstring).

    ``depth``: scheduling steps (``run`` messages) per run; ``out``: a folder for the traces of
    violations (None: not saved); ``timeout_s``: wall seconds per reply.  InputError (one line) for
    bad input, AdapterError for a broken adapter (module docstring, Errors).
    """
    from .search import Stats, search

    props = _validate(properties, runs, depth, timeout_s)
    fp, files = fingerprint(command)
    channel = Channel(command, timeout_s)
    try:
        hello = channel.open()
        stats = Stats()
        found = search(_make_runner(channel, depth, controls), props, runs, seed, stats)
        if channel.failed is not None:
            raise channel.failed
    finally:
        channel.close()
    meta = {"command": command, "protocol": PROTOCOL_VERSION, "fingerprint": fp, "files": files,
            "adapter": str(hello.get("adapter", "")), "adapter_fingerprint": hello.get("fingerprint")}
    budgets = {"depth": depth, "controls": controls, "timeout_s": timeout_s}
    by_prop = {f.property: f for f in found}
    results = []
    for p in props:
        results.append(_result(p, by_prop.get(p), stats, command, out, fp, budgets, meta))
    return from_search(f"--cmd {command}", fp, stats, seed, runs, results)  # no blocked line: no thread of it is ours


def _result(p: str, f: Any, stats: Any, command: str, out: Optional[Union[str, Path]], fp: str, budgets: dict,
            meta: dict) -> PropertyResult:
    ob = BY_ID[p]
    if f is None:
        return unviolated(p, ob, stats)
    trace = to_trace(f.outcome, command, p)
    path = None
    if out is not None:
        path = Path(out) / f"{_slug(command)}.{p}{TRACE_SUFFIX}"
        save(trace, f.outcome, path, fp, budgets, meta)
    return violated(p, ob.rules, f, stats, trace, str(path) if path else None)


def to_trace(outcome: Outcome, command: str, prop: Optional[str]) -> Any:
    """The run as a Trace (tracefile.to_trace), its model named :data:`MODEL`."""
    from . import tracefile

    return replace(tracefile.to_trace(outcome, command, "adapter", prop), model=MODEL)


def save(trace: Any, outcome: Outcome, path: Path, fp: str, budgets: dict, meta: dict) -> Path:
    """Write the trace atomically (tracefile.save) with the ``adapter`` fields (module docstring)."""
    from . import tracefile

    try:
        return tracefile.save(trace, outcome, path, fp, budgets, None, extra={"adapter": meta})
    except OSError as exc:
        raise InputError(f"--out {path.parent}: cannot write the trace ({exc.strerror or exc}); give a writable "
                         "folder") from None


def _slug(command: str) -> str:
    """A file-name stem for the command: its last word naming an existing file (stem), plus its options."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    stem = next((Path(w).stem for w in reversed(words) if Path(w).is_file()), "adapter")
    opts = [w.lstrip("-") for w in words if w.startswith("--")] + \
        [words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--")]
    text = "_".join([stem, *opts]) if opts else stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]


# ------------------------------------------------------------------ replay


def replay_trace(path: Path, command: Optional[str], timeout_s: Optional[float] = None) \
        -> tuple[str, Optional[Outcome], str]:
    """Re-run the adapter trace ``path`` with ``command`` and its recorded choices (module docstring).

    ``(status, outcome, text)``: ``reproduced`` (the same steps, the same property), ``diverged`` (the
    first differing step in ``text``), or ``stale`` (the fingerprint differs; nothing is run).
    InputError if ``command`` is None (a trace never runs code by itself) or the file is not an adapter
    trace; AdapterError for a broken adapter.
    """
    from scmcheck.traces.itf import load

    from .search import Replay
    from .tracefile import SCHEMA, implementation_meta

    meta = implementation_meta(Path(path))
    a = (meta or {}).get("adapter")
    if meta is None or meta.get("schema") != SCHEMA or not isinstance(a, dict):
        raise InputError(f"{path}: field #meta.scmcheck.implementation.adapter is missing; not a trace of "
                         "scmcheck test --cmd (regenerate it with scmcheck test --cmd 'COMMAND')")
    recorded = str(a.get("command", ""))
    if command is None:
        raise InputError(f"{path}: replaying runs the adapter command the trace was recorded from "
                         f"({recorded}); give it: --target {shlex.quote(recorded)}, or --trust to run it")
    fp, files = fingerprint(command)
    if fp != a.get("fingerprint"):
        return "stale", None, _stale_text(command, recorded, files, a.get("files") or {})
    b = meta.get("budgets") or {}
    channel = Channel(command, float(timeout_s or b.get("timeout_s", DEFAULT_TIMEOUT_S)))
    try:
        hello = channel.open()
        if a.get("adapter_fingerprint") and hello.get("fingerprint") != a.get("adapter_fingerprint"):
            now = str(hello.get("fingerprint"))[:12]
            return "stale", None, (f"stale: the adapter's own fingerprint is now {now}…, "
                                   f"the trace was recorded from {str(a['adapter_fingerprint'])[:12]}… (a file it "
                                   "loads has changed); the recorded choices do not apply to changed code")
        trace = load(Path(path))
        props = [trace.property] if trace.property else list(BY_ID)
        run = AdapterRun(channel, Replay(meta.get("choices", [])), props, depth=int(b.get("depth", DEFAULT_DEPTH)),
                         controls=int(b.get("controls", DEFAULT_CONTROLS)))
        out = run.execute()
        if channel.failed is not None:
            raise channel.failed
    finally:
        channel.close()
    return _compare(trace, out, command)


def _stale_text(command: str, recorded: str, files: dict, was: dict) -> str:
    if command != recorded:
        why = f"the command differs from the recorded one ({recorded})"
    else:
        changed = [w for w in set(files) | set(was) if files.get(w) != was.get(w)]
        why = f"{', '.join(sorted(changed)) or 'a file it names'} changed since the trace was saved"
    return f"stale: {why}; the recorded choices do not apply to changed code, so it is not replayed"


def _compare(saved: Any, out: Outcome, command: str) -> tuple[str, Optional[Outcome], str]:
    got = to_trace(out, command, saved.property)

    def key(s: Any) -> tuple:
        return s.action, s.process, json.dumps(s.args, sort_keys=True, default=str), round(float(s.time), 6)

    a, b = [key(s) for s in saved.steps], [key(s) for s in got.steps]
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "diverged", out, (f"diverged at step {i + 1}: recorded {x[1]} {x[0]} {x[2]} at {x[3]:g} s, "
                                     f"re-run {y[1]} {y[0]} {y[2]} at {y[3]:g} s")
    prop = out.violation.property if out.violation else None
    if len(a) != len(b) or prop != saved.property:
        return "diverged", out, (f"diverged after step {min(len(a), len(b))}: recorded {len(a)} steps ending in "
                                 f"{saved.property}, re-run {len(b)} steps ending {prop or out.outcome}")
    return "reproduced", out, f"re-run with the recorded choices: the same {len(a)} steps, {prop} violated again"

