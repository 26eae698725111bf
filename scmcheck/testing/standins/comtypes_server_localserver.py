"""Stand-in for ``comtypes.server.localserver`` with comtypes' behaviour (comtypes/server/localserver.py).

* ``run(classes)``: one ``ClassFactory`` per class -- each registers itself in
  its constructor with CoRegisterClassObject, REGCLS_MULTIPLEUSE (or the
  class's ``_regcls_``), with no REGCLS_SUSPENDED and no CoResumeClassObjects
  -- then ``COMObject.__run_localserver__``: a ``LocalServer`` runs, and the
  class objects are revoked when it returns.
* ``LocalServer.run``: ``CoInitialize(None)``; RPC_E_CHANGED_MODE means the
  thread is in the MTA: wait on a ``queue.Queue``; otherwise pump messages
  (comtypes.messageloop).
* ``Lock``: CoAddRefServerProcess; ``Unlock``: CoReleaseServerProcess, and
  when it returns 0 (COM has suspended the class objects,
  CoReleaseServerProcess page) put an item in the queue (MTA) or
  PostQuitMessage (STA).
* ``ClassFactory``: AddRef/Release do not count (2 and 1); CreateInstance
  creates the class's object and QueryInterface's it (its first AddRef locks
  the server); LockServer calls ``COMObject.__server__``'s Lock/Unlock.
"""

from __future__ import annotations

from typing import Any, Sequence

from . import _sync
from . import comtypes_ as comtypes
from . import comtypes_messageloop as messageloop
from . import queue_ as queue
from .comtypes_ import COMObject
from .comtypes_hresult import RPC_E_CHANGED_MODE, S_OK
from .comtypes_server import IClassFactory

REGCLS_SINGLEUSE, REGCLS_MULTIPLEUSE, REGCLS_MULTI_SEPARATE, REGCLS_SUSPENDED, REGCLS_SURROGATE = 0, 1, 2, 4, 8


def _ole32() -> Any:
    from .ctypes_ import oledll

    return oledll.ole32


def run(classes: Sequence[type]) -> None:
    classobjects = [ClassFactory(cls) for cls in classes]
    COMObject.__run_localserver__(classobjects)


class LocalServer:
    _queue = None

    def run(self, classobjects: Sequence[Any]) -> None:
        hr = _ole32().CoInitialize(None)
        if hr == RPC_E_CHANGED_MODE:
            self.run_mta()
        else:
            if hr >= 0:
                _ole32().CoUninitialize()
            self.run_sta()
        for obj in classobjects:
            obj._revoke_class()

    def run_sta(self) -> None:
        messageloop.run()

    def run_mta(self) -> None:
        self._queue = queue.Queue()
        _sync.run().mark_ready("comtypes LocalServer.run_mta: queue.get()")
        self._queue.get()

    def Lock(self) -> None:  # noqa: N802
        _ole32().CoAddRefServerProcess()

    def Unlock(self) -> None:  # noqa: N802
        rc = _ole32().CoReleaseServerProcess()
        if rc == 0:
            if self._queue:
                _sync.run().signal_quit("comtypes LocalServer.Unlock: queue.put(42)")
                self._queue.put(42)
            else:
                _sync.run().post_quit_message("comtypes LocalServer.Unlock")


class ClassFactory(COMObject):
    _com_interfaces_ = [IClassFactory]
    _locks = 0
    _queue = None
    regcls = REGCLS_MULTIPLEUSE

    def __init__(self, cls: type, *args: Any, **kw: Any) -> None:
        super().__init__()
        self._cls = cls
        self._register_class()
        self._args = args
        self._kw = kw

    def IUnknown_AddRef(self, this: Any = None) -> int:  # noqa: N802
        return 2

    def IUnknown_Release(self, this: Any = None) -> int:  # noqa: N802
        return 1

    def _register_class(self) -> None:
        regcls = getattr(self._cls, "_regcls_", self.regcls)
        clsctx = self._cls._reg_clsctx_
        clsctx &= ~comtypes.CLSCTX_INPROC
        clsctx &= ~comtypes.CLSCTX_INPROC_SERVER
        self.cookie = _sync.run().register_class(str(comtypes.GUID(self._cls._reg_clsid_)), self, regcls)

    def _revoke_class(self) -> None:
        _sync.run().revoke_class(self.cookie)

    def CreateInstance(self, this: Any, punkOuter: Any, riid: Any, ppv: Any) -> int:  # noqa: N802,N803
        obj = self._cls(*self._args, **self._kw)
        return obj.IUnknown_QueryInterface(None, riid, ppv)

    def LockServer(self, this: Any, fLock: Any) -> int:  # noqa: N802,N803
        server = _sync.run().proc_here().comtypes_server  # COMObject.__server__
        if fLock:
            server.Lock()
        else:
            server.Unlock()
        return S_OK
