"""Stand-in for pywin32's ``pythoncom``: what a local server calls, with pythoncom's own behaviour.

Sources: pywin32's com/win32com/src (PyFactory.cpp, dllmain.cpp, PyGatewayBase.cpp,
PyIUnknown.cpp, PyIClassFactory.cpp) and the COM pages it wraps:

* the module lock count (dllmain.cpp ``g_cLockCount``): PyCom_DLLAddRef /
  PyCom_DLLReleaseRef; every live gateway (a Python COM object handed out)
  holds one; IClassFactory::LockServer(TRUE/FALSE) on pythoncom's class
  factory moves it (PyFactory.cpp, C++: a Python server cannot change it);
  CreateInstance holds a temporary one while it creates the object; the class
  factories themselves do not count.  When it reaches 0, pythoncom posts
  WM_QUIT to the thread named by ``EnableQuitMessage`` (PostThreadMessage) --
  and does nothing else: the class objects stay registered.
* ``CoRegisterClassObject`` / ``CoRevokeClassObject`` / ``CoResumeClassObjects``
  (learn.microsoft.com, combaseapi) with REGCLS_SUSPENDED.
* importing pythoncom calls CoInitializeEx for the importing thread with
  ``sys.coinit_flags`` (default COINIT_APARTMENTTHREADED).
* pythoncom has no CoAddRefServerProcess, CoReleaseServerProcess nor
  CoSuspendClassObjects: servers wanting them call ole32 through ctypes
  (ctypes_.py).
"""

from __future__ import annotations

import uuid
import weakref
from typing import Any, Optional

from . import _sync
from ..com.run import ComError
from .pywintypes import error  # noqa: F401 - pythoncom.error


class com_error(ComError):  # noqa: N801 - pywintypes.com_error: (hresult, strerror, excepinfo, argerror)
    def __init__(self, hresult: int, text: str, excepinfo: Any = None, argerror: Any = None) -> None:
        Exception.__init__(self, hresult, text, excepinfo, argerror)
        self.hresult = hresult

CLSCTX_INPROC_SERVER, CLSCTX_INPROC_HANDLER, CLSCTX_LOCAL_SERVER, CLSCTX_REMOTE_SERVER = 1, 2, 4, 16
CLSCTX_INPROC = CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER
CLSCTX_SERVER = CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER
CLSCTX_ALL = CLSCTX_INPROC | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER
REGCLS_SINGLEUSE, REGCLS_MULTIPLEUSE, REGCLS_MULTI_SEPARATE, REGCLS_SUSPENDED, REGCLS_SURROGATE = 0, 1, 2, 4, 8
COINIT_MULTITHREADED, COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, COINIT_SPEED_OVER_MEMORY = 0, 2, 4, 8
IID_IUnknown = "{00000000-0000-0000-C000-000000000046}"
IID_IDispatch = "{00020400-0000-0000-C000-000000000046}"
IID_IClassFactory = "{00000001-0000-0000-C000-000000000046}"
WM_QUIT = 0x0012


def _run() -> Any:
    return _sync.run()


def _scmcheck_imported_(run: Any) -> None:
    """pythoncom's module init: CoInitializeEx(sys.coinit_flags) on the importing thread."""
    flags = getattr(run.proc_here().sys, "coinit_flags", COINIT_APARTMENTTHREADED)
    run.com_init(int(flags), "import pythoncom (sys.coinit_flags)")


def CoInitialize() -> None:  # noqa: N802
    CoInitializeEx(COINIT_APARTMENTTHREADED)


def CoInitializeEx(flags: int) -> None:  # noqa: N802
    hr = _run().com_init(int(flags), "CoInitializeEx")
    if hr < 0:
        raise com_error(hr, "Cannot change thread mode after it is set.", None, None)


def CoUninitialize() -> None:  # noqa: N802
    _run().emit("com_uninitialized", _sync.caller(), proc=_run().proc_here().label)


def MakeIID(text: str, is_clsid: int = 0) -> str:  # noqa: N802
    return str(text)


def CreateGuid() -> str:  # noqa: N802
    return "{" + str(uuid.uuid4()).upper() + "}"


class PyIClassFactory:
    """pythoncom.MakePyFactory's object: pywin32's CPyFactory (PyFactory.cpp) behind a PyIClassFactory.

    ``_scmcheck_create_`` and ``_scmcheck_lock_server_`` are what COM runs in the server for
    IClassFactory::CreateInstance and LockServer (the harness calls them, scmcheck/testing/com/run.py).
    """

    def __init__(self, clsid: str) -> None:
        self.clsid = str(clsid)
        self._run = _run()
        self._proc = self._run.proc_here()

    def _scmcheck_lock_server_(self, lock: bool) -> None:
        """CPyFactory::LockServer: PyCom_DLLAddRef / PyCom_DLLReleaseRef (the latter may post WM_QUIT)."""
        self._run.dll_ref(1 if lock else -1, "LockServer(TRUE)" if lock else "LockServer(FALSE)", self._proc)

    def _scmcheck_create_(self) -> Any:
        """CPyFactory::CreateInstance: a temporary module lock around win32com.server.policy's
        CreateInstance (the class registered for the CLSID, called with no arguments, wrapped in a
        gateway that holds a lock of its own)."""
        r = self._run
        r.dll_ref(1, "CreateInstance (temporary)", self._proc)
        try:
            klass = _registered_class(self._proc, self.clsid)
            instance = klass()
            gateway = _Gateway(instance)
            self._proc.gateways += 1
            r.dll_ref(1, "gateway created", self._proc)
        finally:
            r.dll_ref(-1, "CreateInstance (temporary)", self._proc)
        return gateway

    def _scmcheck_release_(self, gateway: Any) -> None:
        """The gateway's last Release (PyGatewayBase::~PyGatewayBase): drop the Python object, then
        PyCom_DLLReleaseRef."""
        gateway._obj_ = None
        self._proc.gateways -= 1
        self._run.dll_ref(-1, "gateway destroyed", self._proc)


class _Gateway:
    def __init__(self, obj: Any) -> None:
        self._obj_ = obj


def _registered_class(proc: Any, clsid: str) -> type:
    """What win32com.server.policy finds in the registry for ``clsid`` (the PythonCOM value that
    win32com.server.register writes from ``_reg_clsid_``): the class of the server's module."""
    want = str(clsid).strip("{}").upper()
    for value in vars(proc.module).values():
        if isinstance(value, type) and str(getattr(value, "_reg_clsid_", "")).strip("{}").upper() == want:
            return value
    raise com_error(-2147221164, "Class not registered", None, None)  # REGDB_E_CLASSNOTREG


_factories: "weakref.WeakSet[PyIClassFactory]" = weakref.WeakSet()


def MakePyFactory(clsid: Any) -> PyIClassFactory:  # noqa: N802
    f = PyIClassFactory(str(clsid))
    _factories.add(f)
    return f


def CoRegisterClassObject(clsid: Any, factory: Any, clsctx: int, flags: int) -> int:  # noqa: N802
    return _run().register_class(str(clsid), factory, int(flags))


def CoRevokeClassObject(cookie: int) -> None:  # noqa: N802
    _run().revoke_class(int(cookie))


def CoResumeClassObjects() -> None:  # noqa: N802
    _run().resume_classes()


def EnableQuitMessage(thread_id: int) -> None:  # noqa: N802
    """PyCom_EnableQuitMessage: the thread that gets WM_QUIT when the lock count reaches 0."""
    r = _run()
    r.proc_here().quit_thread = int(thread_id)
    r.emit("quit_enabled", _sync.caller(), proc=r.proc_here().label, thread_id=int(thread_id))


def PumpMessages() -> None:  # noqa: N802
    """GetMessage/DispatchMessage until WM_QUIT (the calling thread's queue)."""
    r = _run()
    while True:
        msg = r.get_message(True, "PumpMessages")
        if msg == "WM_QUIT":
            r.emit("quit_received", _sync.caller(), proc=r.proc_here().label)
            return
        r.dispatch(msg)


def PumpWaitingMessages(first: int = 0, last: int = -1) -> int:  # noqa: N802
    """PeekMessage/DispatchMessage while messages wait: 1 if WM_QUIT was received, else 0."""
    r = _run()
    while True:
        msg = r.get_message(False, "PumpWaitingMessages")
        if msg is None:
            return 0
        if msg == "WM_QUIT":
            r.emit("quit_received", _sync.caller(), proc=r.proc_here().label)
            return 1
        r.dispatch(msg)


def _GetInterfaceCount() -> int:  # noqa: N802
    """PyIUnknown objects alive (PyIUnknown.cpp cUnknowns): here, the class factories still referenced."""
    proc = _run().proc_here()
    return sum(1 for f in _factories if f._proc is proc)


def _GetGatewayCount() -> int:  # noqa: N802
    return _run().proc_here().gateways


def __getattr__(name: str) -> Optional[Any]:
    raise AttributeError(f"scmcheck's stand-in for pythoncom has no {name} (pythoncom itself has no "
                         "CoAddRefServerProcess, CoReleaseServerProcess or CoSuspendClassObjects: call them "
                         "through ctypes.oledll.ole32)" if name.startswith("Co") else
                         f"scmcheck's stand-in for pythoncom has no {name}")
