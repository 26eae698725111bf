"""One run of a Python COM local server: COM's SCM, the clients, the server processes, the events.

**The server processes.**  The SCM starts a server process for client 1's
activation at time 0.  A process is the user's module executed afresh (its
``__name__`` is not ``"__main__"``) on the process's main thread, then its
entry function (``FILE.py:main``) called there.  When the entry function
returns, Python waits for the process's non-daemon threads and the process
exits (``process_exited``); ``sys.exit`` and ``os._exit`` end it too.  COM's
own threads (RPC threads of a free-threaded server) are the harness's.

**COM's SCM** (CoRegisterClassObject, CoResumeClassObjects,
CoSuspendClassObjects pages; Out-of-process server implementation helpers):
an activation (CoGetClassObject) goes to a live process whose class object
for the CLSID is registered and not suspended.  If there is none, the SCM
waits for a process it started that has not yet made its classes available
(it registers them, or resumes them after REGCLS_SUSPENDED); otherwise it
starts another server process (004.3, 004.5), up to :data:`MAX_PROCESSES`
(the cut-off, as in the model: an activation that waits only for it is not a
violation).  The activation is a call *into* the process: in a
single-threaded apartment (STA) a message posted to the thread that
registered the class object, run when that thread pumps messages; in the
multithreaded apartment (MTA) a call on an RPC thread of COM's, at once.
When the call runs, COM looks the class object up: if it is still active the
activation is served, and COM's implicit ``LockServer(TRUE)`` (004.8) runs
in the server before the client gets its IClassFactory proxy; if it was
suspended or revoked meanwhile (or the process exited first), the server
answers CO_E_SERVER_STOPPING and the SCM routes the activation again.

**The clients** (lanes ``client1``, ``client2``): each holds at most one
IClassFactory and one instance and makes one call at a time: CoGetClassObject,
IClassFactory::CreateInstance, LockServer(TRUE/FALSE), Release of its
instance, Release of its factory (COM's implicit LockServer(FALSE), 004.8).
Hypothesis chooses which client does what, and when.  After ``calls`` calls
(the budget) the clients only release what they hold, so every run ends by
testing that the unused server exits.  A call into a process that exits
fails (``call_failed``); a reference into an exited process is
disconnected, and the client drops it.

The run ends when every process has exited and nothing is pending, at the
first violation, when nothing can happen any more (every thread blocked with
no timed wait and no client call left: time is then let run past
:data:`LIVENESS_MS`, so the liveness observers judge what waiting forever
costs), at the step budget (``depth``) or when the watchdog fires.

Events (properties/observers.py's :class:`Event`: seq, kind, time_ms,
thread, fields) are listed in properties/observers_com.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from scmcheck.properties.observers_com import LIVENESS_MS, ComMonitor

from .. import context
from ..run import Outcome, RunCore
from ..scheduler import EXITED, BlockedOutside, Chooser, RunOver, VThread, me, service_frame

MAX_PROCESSES = 2  # the SCM's cut-off on server processes (model/windows/com.py's default)
DEFAULT_CALLS = 6  # client calls per run before the clients only release
DEFAULT_DEPTH = 3000
STA, MTA = "STA", "MTA"
CO_E_SERVER_STOPPING = 0x80080008
RPC_E_DISCONNECTED = 0x80010108


@dataclass
class ClassObj:
    """A class object registered with CoRegisterClassObject in one process."""

    cookie: int
    clsid: str
    impl: Any  # pythoncom's PyIClassFactory stand-in or comtypes' ClassFactory
    state: str  # suspended | active | revoked
    sta: Optional[VThread]  # the apartment's thread in an STA; None in the MTA
    flags: int


@dataclass
class Obj:
    """An instance a client holds: the gateway (pywin32) or the COMObject (comtypes)."""

    oid: str
    impl: Any
    cls: ClassObj
    kind: str


@dataclass
class Call:
    """A call into a server process: an activation, or a client's call on what it holds."""

    kind: str  # CoGetClassObject | CreateInstance | LockServer(TRUE) | LockServer(FALSE) | Release | ReleaseFactory
    client: "Client"
    proc: "Proc"
    cls: ClassObj
    obj: Optional[Obj] = None
    clsid: str = ""


@dataclass
class Client:
    name: str
    factory: Optional[ClassObj] = None
    factory_proc: Optional["Proc"] = None
    instance: Optional[Obj] = None
    instance_proc: Optional["Proc"] = None
    locks: int = 0  # explicit LockServer(TRUE) calls not yet undone
    pending: Optional[str] = None  # the CLSID of an activation waiting for the SCM
    in_call: Optional[Call] = None


@dataclass
class Proc:
    """A server process and the COM state in it."""

    pid: int
    label: str
    main: Optional[VThread] = None
    exited: bool = False
    classes: dict = field(default_factory=dict)  # cookie -> ClassObj
    apartments: dict = field(default_factory=dict)  # VThread (None: the harness's import) -> STA | MTA
    msgq: dict = field(default_factory=dict)  # VThread -> posted messages (Call, or "WM_QUIT")
    quit_flag: set = field(default_factory=set)  # threads that called PostQuitMessage
    lock_count: int = 0  # pythoncom's g_cLockCount (dllmain.cpp)
    quit_thread: int = 0  # pythoncom.EnableQuitMessage's thread id
    gateways: int = 0
    server_refs: int = 0  # COM's per-process count (CoAddRefServerProcess)
    ready: bool = False
    served: bool = False
    available: bool = False  # some class object of it has accepted activations
    leaving: bool = False  # it suspended or revoked its classes, or a quit was posted
    module: Any = None
    sys: Any = None
    imported: set = field(default_factory=set)
    comtypes_server: Any = None
    objects: dict = field(default_factory=dict)  # oid -> Obj
    cookies: int = 0


class ComRun(RunCore):
    """One run (module docstring).  ``exec_module(proc)`` executes the server's module for ``proc``
    and returns its entry function."""

    def __init__(self, exec_module: Callable[["ComRun", Proc], Callable[[], Any]], chooser: Chooser,
                 properties: list[str], clsids: list[str], depth: int = DEFAULT_DEPTH, calls: int = DEFAULT_CALLS,
                 watchdog_s: float = 3.0, clients: int = 2) -> None:
        super().__init__(chooser, ComMonitor, properties, depth, watchdog_s)
        self.exec_module = exec_module
        self.calls_left = calls
        self.clsids = list(clsids)
        self.procs: list[Proc] = []
        self.proc_of: dict[VThread, Proc] = {}
        self.clients = [Client(f"client{i + 1}") for i in range(clients)]
        self.devices: list = []
        self.probe = Proc(0, "probe")

    # -------------------------------------------------------------- events and names

    def emit(self, kind: str, thread: Optional[str] = None, **fields: Any) -> None:
        if self.sched.over:  # a server object's __del__ running after the run (_drop_objects)
            return
        super().emit(kind, thread, **fields)

    # -------------------------------------------------------------- threads and processes

    def proc_here(self) -> Proc:
        """The process of the calling thread (the probe's, at import in the harness's thread)."""
        vt = me()
        return self.proc_of.get(vt, self.probe) if vt is not None else self.probe

    def thread_started(self, vt: VThread, by: Optional[str] = None) -> None:
        proc = self.proc_here()
        self.proc_of[vt] = proc
        if proc.sys is not None and vt.name and proc.pid > 1 and "@" not in vt.name:
            vt.name = f"{vt.name}@{proc.pid}"
        self.emit("thread_started", by, name=vt.name, host=vt.host, proc=proc.label)

    def _thread_exited(self, vt: VThread, exc: Optional[BaseException]) -> None:
        proc = self.proc_of.get(vt)
        if proc is None or proc.exited:
            return
        if exc is not None and not vt.host and not isinstance(exc, SystemExit):
            self.errors.append(f"{vt.name}: {type(exc).__name__}: {exc}{service_frame(exc)}")
            self.emit("thread_raised", vt.name, error=f"{type(exc).__name__}: {exc}"[:120])
        self.emit("thread_exited", vt.name, name=vt.name, host=vt.host, proc=proc.label)

    def _launch(self, reason: str) -> Proc:
        """The SCM starts a server process (CreateProcess with -Embedding)."""
        pid = len(self.procs) + 1
        proc = Proc(pid, f"server{pid}")
        self.procs.append(proc)
        name = "main" if pid == 1 else f"main@{pid}"
        self.emit("process_started", "SCM", proc=proc.label, reason=reason, _vars={f"{proc.label}_alive": True})
        vt = self.sched.spawn(name, lambda: self._process_main(proc), daemon=False, host=False)
        proc.main = vt
        self.proc_of[vt] = proc
        self.emit("thread_started", "SCM", name=vt.name, host=False, proc=proc.label)
        return proc

    def _process_main(self, proc: Proc) -> None:
        """The process's main thread: import the module, call the entry function, then exit as Python does."""
        reason = "returned"
        try:
            entry = self.exec_module(self, proc)
            entry()
        except RunOver:
            raise
        except SystemExit as exc:
            reason = f"sys.exit({exc.code!r})"
        except BaseException as exc:  # noqa: BLE001 - the server raised: Python prints it and exits with 1
            reason = f"raised {type(exc).__name__}"
            self.errors.append(f"{proc.label} main: {type(exc).__name__}: {exc}{service_frame(exc)}")
            self.emit("thread_raised", error=f"{type(exc).__name__}: {exc}"[:120])
        mine = [t for t, p in self.proc_of.items() if p is proc and t is not proc.main and not t.daemon
                and not t.host]
        self.sched.wait_until(lambda: all(t.state == EXITED for t in mine))
        self.process_exit(proc, reason)

    def service_exit(self, call: str) -> None:
        """``os._exit``/``os.abort`` in a server thread: that process ends (standins/os_.py)."""
        self.process_exit(self.proc_here(), call)

    def process_exit(self, proc: Proc, reason: str) -> None:
        if proc.exited:
            return
        killed = [t.name for t, p in self.proc_of.items() if p is proc and t.state != EXITED and t is not me()
                  and not t.host]
        held = self._held_in(proc)
        proc.exited = True
        self.emit("process_exited", proc=proc.label, reason=reason, killed=", ".join(killed), held=held,
                  _vars={f"{proc.label}_alive": False})
        self._disconnect(proc)

    def _held_in(self, proc: Proc) -> str:
        parts = []
        for c in self.clients:
            what = []
            if c.factory_proc is proc:
                what.append("IClassFactory")
            if c.locks and c.factory_proc is proc:
                what.append(f"{c.locks} LockServer lock{'s' if c.locks > 1 else ''}")
            if c.instance_proc is proc:
                what.append(f"instance {c.instance.oid}")
            if what:
                parts.append(f"{c.name}: {', '.join(what)}")
        return "; ".join(parts)

    def _disconnect(self, proc: Proc) -> None:
        """The process is gone: calls into it fail, activations sent to it are routed again, and
        the clients drop their disconnected proxies."""
        for c in self.clients:
            call = c.in_call
            if call is not None and call.proc is proc:
                c.in_call = None
                if call.kind == "CoGetClassObject":
                    self.emit("activation_refused", c.name, client=c.name, proc=proc.label,
                              why="the server process exited before the activation ran")
                    self._request(c, call.clsid)
                else:
                    self.emit("call_failed", c.name, client=c.name, proc=proc.label, call=call.kind,
                              why="RPC_E_DISCONNECTED: the server process exited")
            if c.factory_proc is proc:
                c.factory, c.factory_proc, c.locks = None, None, 0
                self.emit("reference_dropped", c.name, client=c.name, proc=proc.label, what="IClassFactory",
                          _vars={f"{c.name}_factory": False})
            if c.instance_proc is proc:
                c.instance, c.instance_proc = None, None
                self.emit("reference_dropped", c.name, client=c.name, proc=proc.label, what="instance",
                          _vars={f"{c.name}_instance": False})
        self._route_pending()

    # -------------------------------------------------------------- COM calls made by the stand-ins

    def com_init(self, flags: int, how: str) -> int:
        """CoInitializeEx on the calling thread: 0 (S_OK), 1 (S_FALSE: again, same model) or
        RPC_E_CHANGED_MODE (another model).  ``flags`` bit 2 (COINIT_APARTMENTTHREADED): STA."""
        proc, vt = self.proc_here(), me()
        want = STA if int(flags) & 2 else MTA
        have = proc.apartments.get(vt)
        if have is not None:
            return 1 if have == want else -2147417850  # RPC_E_CHANGED_MODE as a signed HRESULT
        proc.apartments[vt] = want
        self.emit("com_initialized", proc=proc.label, apartment=want, by=how)
        return 0

    def apartment(self) -> Optional[str]:
        return self.proc_here().apartments.get(me())

    def register_class(self, clsid: str, impl: Any, flags: int) -> int:
        """CoRegisterClassObject (page): the class object is active at once unless REGCLS_SUSPENDED."""
        proc, vt = self.proc_here(), me()
        apt = proc.apartments.get(vt)
        if apt is None:
            raise ComError(0x800401F0, "CoRegisterClassObject", "CoInitialize has not been called.")
        proc.cookies += 1
        suspended = bool(int(flags) & 4)
        c = ClassObj(proc.cookies, norm_clsid(clsid), impl, "suspended" if suspended else "active",
                     vt if apt == STA else None, int(flags))
        proc.classes[c.cookie] = c
        self.emit("class_registered", proc=proc.label, clsid=c.clsid, cookie=c.cookie, suspended=suspended,
                  apartment=apt, _vars={f"{proc.label}_active": self._active(proc)})
        if not suspended:
            proc.available = True
            self._route_pending()
        self.sched.pause()
        return c.cookie

    def revoke_class(self, cookie: int) -> None:
        proc = self.proc_here()
        c = proc.classes.get(int(cookie))
        if c is None or c.state == "revoked":
            raise ComError(0x80040154, "CoRevokeClassObject", "Class not registered")
        c.state = "revoked"
        proc.leaving = True
        self.emit("class_revoked", proc=proc.label, clsid=c.clsid, cookie=c.cookie,
                  _vars={f"{proc.label}_active": self._active(proc)})
        self.sched.pause()

    def resume_classes(self) -> None:
        """CoResumeClassObjects: every registered class object not revoked accepts activations."""
        proc = self.proc_here()
        n = 0
        for c in proc.classes.values():
            if c.state == "suspended":
                c.state, n = "active", n + 1
        proc.available = proc.available or n > 0
        proc.leaving = proc.leaving and n == 0
        self.emit("classes_resumed", proc=proc.label, count=n, _vars={f"{proc.label}_active": self._active(proc)})
        self._route_pending()
        self.sched.pause()

    def suspend_classes(self, by: str) -> None:
        """CoSuspendClassObjects, called by the server or by COM when CoReleaseServerProcess reaches 0."""
        proc = self.proc_here()
        for c in proc.classes.values():
            if c.state == "active":
                c.state = "suspended"
        proc.leaving = True
        self.emit("classes_suspended", proc=proc.label, by=by, _vars={f"{proc.label}_active": 0})

    def server_refs(self, delta: int) -> int:
        """CoAddRefServerProcess (+1) / CoReleaseServerProcess (-1); at 0 COM suspends the classes."""
        proc = self.proc_here()
        proc.server_refs = max(0, proc.server_refs + delta)
        op = "CoAddRefServerProcess" if delta > 0 else "CoReleaseServerProcess"
        self.emit("server_refs_changed", proc=proc.label, op=op, count=proc.server_refs,
                  _vars={f"{proc.label}_refs": proc.server_refs})
        if delta < 0 and proc.server_refs == 0:
            self.suspend_classes("CoReleaseServerProcess")
        return proc.server_refs

    def dll_ref(self, delta: int, why: str, proc: Optional[Proc] = None) -> None:
        """pythoncom's PyCom_DLLAddRef/PyCom_DLLReleaseRef (dllmain.cpp): at 0, WM_QUIT is posted to the
        thread EnableQuitMessage named, if any."""
        proc = proc or self.proc_here()
        proc.lock_count += delta
        self.emit("lock_count_changed", proc=proc.label, delta=delta, count=proc.lock_count, why=why,
                  _vars={f"{proc.label}_locks": proc.lock_count})
        if delta < 0 and proc.lock_count == 0 and proc.quit_thread:
            self.post_thread_message(proc.quit_thread, "WM_QUIT", "pythoncom: module lock count reached 0")

    def thread_by_id(self, tid: int) -> Optional[VThread]:
        i = int(tid) - 1000
        return self.sched.threads[i] if 0 <= i < len(self.sched.threads) else None

    def post_thread_message(self, tid: int, msg: str, why: str) -> bool:
        """PostThreadMessage: appended to the thread's queue, after the messages already there."""
        vt = self.thread_by_id(tid)
        proc = self.proc_of.get(vt) if vt is not None else None
        if vt is None or proc is None or vt.state == EXITED:
            return False
        proc.msgq.setdefault(vt, []).append(msg)
        if msg == "WM_QUIT":
            proc.leaving = True
            self.emit("quit_posted", proc=proc.label, to=vt.name, how=f"PostThreadMessage(WM_QUIT) ({why})")
        return True

    def post_quit_message(self, why: str) -> None:
        """PostQuitMessage: WM_QUIT is retrieved only once the thread's queue has no other message."""
        proc, vt = self.proc_here(), me()
        proc.quit_flag.add(vt)
        proc.leaving = True
        self.emit("quit_posted", proc=proc.label, to=self.who(), how=f"PostQuitMessage ({why})")

    def signal_quit(self, how: str) -> None:
        """A quit by other means than a message (comtypes' free-threaded queue.put)."""
        proc = self.proc_here()
        proc.leaving = True
        self.emit("quit_posted", proc=proc.label, to="main", how=how)

    def get_message(self, wait: bool, how: str) -> Optional[Any]:
        """GetMessage (wait) / PeekMessage (no wait) on the calling thread: a posted message, else the
        quit flag's WM_QUIT, else None (no wait) or block.  The first call marks the server ready."""
        proc, vt = self.proc_here(), me()
        self.mark_ready(how)
        q = proc.msgq.setdefault(vt, [])
        ready = lambda: bool(q) or vt in proc.quit_flag  # noqa: E731
        if wait:
            self.sched.wait_until(ready)
        else:
            self.sched.pause()
        if q:
            return q.pop(0)
        if vt in proc.quit_flag:
            proc.quit_flag.discard(vt)
            return "WM_QUIT"
        return None

    def mark_ready(self, how: str) -> None:
        proc = self.proc_here()
        if not proc.ready:
            proc.ready = True
            self.emit("server_ready", proc=proc.label, how=how)

    def dispatch(self, msg: Any) -> None:
        """DispatchMessage of a COM call (the OLE window's message): run it on this thread."""
        if isinstance(msg, Call):
            self._execute(msg)

    # -------------------------------------------------------------- the server side of a call

    def _execute(self, call: Call) -> None:
        c, proc = call.client, call.proc
        if proc.exited or c.in_call is not call:
            return
        if call.kind == "CoGetClassObject":
            if call.cls.state != "active":
                c.in_call = None
                self.emit("activation_refused", client=c.name, proc=proc.label,
                          why=f"CO_E_SERVER_STOPPING: the class object is {call.cls.state}")
                self._request(c, call.clsid)
                return
            proc.served = True
            self.emit("activation_served", client=c.name, proc=proc.label, clsid=call.clsid)
            self._lock_server(call.cls, True, implicit=True, client=c)
            self._returned(call, "S_OK")
        elif call.kind == "CreateInstance":
            obj = self._create(call.cls, proc, c)
            self._returned(call, "S_OK" if obj is not None else "E_FAIL", obj)
        elif call.kind in ("LockServer(TRUE)", "LockServer(FALSE)"):
            self._lock_server(call.cls, call.kind == "LockServer(TRUE)", implicit=False, client=c)
            self._returned(call, "S_OK")
        elif call.kind == "ReleaseFactory":
            self._lock_server(call.cls, False, implicit=True, client=c)
            self._returned(call, "S_OK")
        elif call.kind == "Release":
            self._release(call.obj, proc)
            self._returned(call, "S_OK")

    def _lock_server(self, cls: ClassObj, lock: bool, implicit: bool, client: Client) -> None:
        self.emit("lock_server", proc=self.proc_here().label, lock=lock, implicit=implicit, client=client.name)
        lock_server = getattr(cls.impl, "_scmcheck_lock_server_", None)
        try:
            if lock_server is not None:
                lock_server(lock)
            else:
                cls.impl.LockServer(None, bool(lock))
        except RunOver:
            raise
        except Exception as exc:  # noqa: BLE001 - the server's LockServer failed: E_FAIL to the client
            self._server_raised("LockServer", exc)

    def _create(self, cls: ClassObj, proc: Proc, client: Client) -> Optional[Obj]:
        try:
            impl = cls.impl._scmcheck_create_() if hasattr(cls.impl, "_scmcheck_create_") else \
                _comtypes_create(cls.impl)
        except RunOver:
            raise
        except Exception as exc:  # noqa: BLE001 - CreateInstance failed: the client gets E_FAIL
            self._server_raised("CreateInstance", exc)
            return None
        obj = Obj(self.new_name("obj"), impl, cls, "pywin32" if hasattr(cls.impl, "_scmcheck_create_") else
                  "comtypes")
        proc.objects[obj.oid] = obj
        self.emit("object_created", proc=proc.label, obj=obj.oid, client=client.name,
                  cls=type(getattr(impl, "_obj_", impl)).__name__)
        return obj

    def _release(self, obj: Optional[Obj], proc: Proc) -> None:
        if obj is None:
            return
        proc.objects.pop(obj.oid, None)
        self.emit("object_released", proc=proc.label, obj=obj.oid)
        try:
            if obj.kind == "pywin32":
                obj.cls.impl._scmcheck_release_(obj.impl)
            else:
                obj.impl.IUnknown_Release(None)
        except RunOver:
            raise
        except Exception as exc:  # noqa: BLE001
            self._server_raised("Release", exc)
        obj.impl = None

    def _server_raised(self, what: str, exc: BaseException) -> None:
        text = f"{what} raised {type(exc).__name__}: {' '.join(str(exc).split())[:120]}{service_frame(exc)}"
        if text not in self.errors:
            self.errors.append(text)
        self.emit("server_raised", call=what, error=text[:160])

    def _returned(self, call: Call, result: str, obj: Optional[Obj] = None) -> None:
        c = call.client
        if c.in_call is not call:
            return
        c.in_call = None
        vars_: dict = {}
        if call.kind == "CoGetClassObject":
            c.factory, c.factory_proc = call.cls, call.proc
            vars_[f"{c.name}_factory"] = True
        elif call.kind == "CreateInstance" and obj is not None:
            c.instance, c.instance_proc = obj, call.proc
            vars_[f"{c.name}_instance"] = True
        elif call.kind == "LockServer(TRUE)":
            c.locks += 1
        elif call.kind == "LockServer(FALSE)":
            c.locks = max(0, c.locks - 1)
        self.emit("call_returned", c.name, client=c.name, proc=call.proc.label, call=call.kind, result=result,
                  _vars=vars_)

    # -------------------------------------------------------------- COM's SCM

    def _active(self, proc: Proc) -> int:
        return sum(1 for c in proc.classes.values() if c.state == "active")

    def _find(self, clsid: str) -> Optional[tuple[Proc, ClassObj]]:
        for p in self.procs:
            if p.exited:
                continue
            for c in p.classes.values():
                if c.clsid == clsid and c.state == "active":
                    return p, c
        return None

    def _starting(self, clsid: str) -> Optional[Proc]:
        """A live process that has not yet made any class available nor begun to leave: the SCM waits
        for it (it started it for an activation) rather than start another."""
        for p in self.procs:
            if not p.exited and not p.available and not p.leaving:
                return p
        return None

    def _request(self, c: Client, clsid: str) -> None:
        c.pending = clsid
        self._route(c)

    def _route(self, c: Client) -> None:
        clsid = c.pending
        if clsid is None or c.in_call is not None:
            return
        hit = self._find(clsid)
        if hit is not None:
            proc, cls = hit
            c.pending = None
            call = Call("CoGetClassObject", c, proc, cls, clsid=clsid)
            c.in_call = call
            self.emit("activation_routed", "SCM", client=c.name, proc=proc.label, clsid=clsid)
            self._deliver(call)
            return
        starting = self._starting(clsid)
        if starting is not None:
            self.emit("activation_waiting", "SCM", client=c.name, clsid=clsid, cut_off=False,
                      why=f"{starting.label} is starting")
            return
        if len(self.procs) < MAX_PROCESSES:
            self.emit("activation_waiting", "SCM", client=c.name, clsid=clsid, cut_off=False,
                      why="the SCM starts a server process")
            self._launch(f"activation for {c.name}")
            return
        self.emit("activation_waiting", "SCM", client=c.name, clsid=clsid, cut_off=True,
                  why=f"the cut-off: {MAX_PROCESSES} server processes used")

    def _route_pending(self) -> None:
        for c in self.clients:
            if c.pending is not None and c.in_call is None and self._find(c.pending) is not None:
                self._route(c)

    def _deliver(self, call: Call) -> None:
        """The call enters the server: a message to the class object's STA thread, or an RPC thread (MTA)."""
        if call.cls.sta is not None:
            call.proc.msgq.setdefault(call.cls.sta, []).append(call)
            return
        rpc = self.sched.spawn(self.new_name("rpc") + ("" if call.proc.pid == 1 else f"@{call.proc.pid}"),
                               lambda: self._execute(call), daemon=True, host=True)
        self.proc_of[rpc] = call.proc
        self.emit("thread_started", "SCM", name=rpc.name, host=True, proc=call.proc.label)

    # -------------------------------------------------------------- the clients

    def client_options(self) -> list[tuple[Client, str]]:
        out: list[tuple[Client, str]] = []
        budget = self.calls_left > 0
        for c in self.clients:
            if c.in_call is not None or c.pending is not None:
                continue
            if c.factory is None and c.instance is None and budget:
                out += [(c, f"CoGetClassObject {clsid}") for clsid in self.clsids]
            if c.factory is not None:
                if c.instance is None and budget:
                    out.append((c, "CreateInstance"))
                if c.locks == 0 and budget:
                    out.append((c, "LockServer(TRUE)"))
                if c.locks > 0:
                    out.append((c, "LockServer(FALSE)"))
                if c.locks == 0:
                    out.append((c, "ReleaseFactory"))
            if c.instance is not None:
                out.append((c, "Release"))
        return out

    def client_act(self, c: Client, what: str) -> None:
        self.calls_left -= 1
        self.delivered.add(what.split(" ")[0])
        if what.startswith("CoGetClassObject"):
            clsid = what.split(" ", 1)[1]
            self.emit("activation_requested", c.name, client=c.name, clsid=clsid)
            self._request(c, clsid)
            return
        if what == "Release":
            obj, proc = c.instance, c.instance_proc
            c.instance, c.instance_proc = None, None
            call = Call("Release", c, proc, obj.cls, obj=obj)
            self.emit("call_sent", c.name, client=c.name, proc=proc.label, call=what,
                      _vars={f"{c.name}_instance": False})
        elif what == "ReleaseFactory":
            cls, proc = c.factory, c.factory_proc
            c.factory, c.factory_proc = None, None
            call = Call("ReleaseFactory", c, proc, cls)
            self.emit("call_sent", c.name, client=c.name, proc=proc.label, call=what,
                      _vars={f"{c.name}_factory": False})
        else:
            call = Call(what, c, c.factory_proc, c.factory)
            self.emit("call_sent", c.name, client=c.name, proc=call.proc.label, call=what)
        c.in_call = call
        self._deliver(call)

    # -------------------------------------------------------------- the loop

    def execute(self) -> Outcome:
        context.set_active(self)
        blocked = None
        outcome = "exited"
        try:
            first = self.clients[0]
            first.pending = self.clsids[0] if self.clsids else None
            self.emit("activation_requested", first.name, client=first.name, clsid=first.pending or "?")
            self.emit("activation_waiting", "SCM", client=first.name, clsid=first.pending or "?", cut_off=False,
                      why="the SCM starts a server process")
            self._launch(f"activation for {first.name}")
            outcome = self._loop()
        except BlockedOutside as exc:
            blocked, outcome = exc, "blocked"
        finally:
            self.sched.teardown()
            self._drop_objects()
            context.set_active(None)
        if self.violation is not None and outcome != "blocked":
            outcome = "violation"
        return self._outcome(outcome, blocked, [])

    def _drop_objects(self) -> None:
        """Free the server objects still alive while this run is still the active one, so a ``__del__``
        of the server's runs now (and records nothing), not during a later run."""
        import gc

        from ..scheduler import foreign_errors

        before = len(foreign_errors)
        for p in self.procs:
            for obj in p.objects.values():
                if obj.impl is not None and hasattr(obj.impl, "_obj_"):
                    obj.impl._obj_ = None
                obj.impl = None
            p.objects.clear()
            p.module = None
        for c in self.clients:
            c.instance = c.factory = c.in_call = None
        gc.collect(0)
        del foreign_errors[before:]  # a __del__ blocking on a lock a killed thread held: the harness's doing

    def _runnable(self) -> list[VThread]:
        return [t for t in self.sched.runnable() if not self.proc_of.get(t, self.probe).exited]

    def _deadline(self) -> Optional[int]:
        ds = [t.deadline for t in self.sched.threads if t.state == "blocked" and t.deadline is not None
              and not self.proc_of.get(t, self.probe).exited]
        return min(ds) if ds else None

    # RunCore's loop, with the clients in place of the SCM, after the threads

    def _options(self, runnable: list) -> list[tuple[str, Any]]:
        # The server's threads come first: a choice shrinks towards 0, so a shrunk run lets the server
        # run until it waits, and the clients act only where their timing matters.
        opts: list[tuple[str, Any]] = [("thread", t) for t in runnable]
        return opts + [("client", o) for o in self.client_options()]

    def _act(self, option: Any) -> None:
        self.client_act(*option)

    def _quiet(self) -> str:
        """Nothing can happen any more: done if every process exited and nothing waits, else let time
        run past the liveness bound (module docstring)."""
        alive = [p for p in self.procs if not p.exited]
        waiting = [c for c in self.clients if c.pending is not None or c.in_call is not None]
        if not alive and not waiting:
            self.emit("run_ended", "clock", outcome="exited")
            return "exited"
        return self._stuck(LIVENESS_MS)


class ComError(Exception):
    """pywintypes.com_error as pythoncom raises it: (hresult, text, excepinfo, argerror)."""

    def __init__(self, hresult: int, func: str, text: str) -> None:
        hr = hresult - (1 << 32) if hresult >= 1 << 31 else hresult
        super().__init__(hr, f"{func}: {text}", None, None)
        self.hresult = hr


def norm_clsid(clsid: Any) -> str:
    """A CLSID as ``{XXXXXXXX-...}`` in upper case, from a string or a GUID stand-in."""
    text = str(clsid).strip().upper()
    if not text.startswith("{"):
        text = "{" + text + "}"
    return text


def _comtypes_create(factory: Any) -> Any:
    """IClassFactory::CreateInstance on comtypes' ClassFactory, as COM calls it (ppv is an out pointer)."""
    ppv = [None]
    hr = factory.CreateInstance(None, None, None, ppv)
    if hr not in (None, 0) or ppv[0] is None:
        raise RuntimeError(f"CreateInstance returned {hr!r}")
    return ppv[0]
