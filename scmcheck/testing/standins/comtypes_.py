"""Stand-in for the ``comtypes`` package as a COM local server uses it (comtypes/__init__.py,
comtypes/_comobject.py).

comtypes needs Windows-only parts of ctypes at import (HRESULT, oledll,
windll, WINFUNCTYPE), so scmcheck stands in for the whole package.  What
matters for the lifetime, as comtypes does it:

* importing comtypes calls CoInitializeEx for the importing thread with
  ``sys.coinit_flags`` (default COINIT_APARTMENTTHREADED); ``sys.coinit_flags = 0``
  before the import makes the server free-threaded (MTA);
* ``COMObject``: the first AddRef of an instance keeps it and calls the
  local server's ``Lock`` (CoAddRefServerProcess), the last Release calls
  ``Unlock`` (CoReleaseServerProcess; at 0 the quit: comtypes_server_localserver.py);
  with no local server running yet (``COMObject.__server__`` is None) neither
  is called;
* interfaces (``IUnknown`` subclasses with ``_iid_`` and ``_methods_``) and
  ``COMMETHOD``/``STDMETHOD`` are recorded, not turned into vtables: the
  harness calls the server's objects directly.
"""

from __future__ import annotations

import ctypes as _ctypes
import uuid
from typing import Any

from . import _sync

CLSCTX_INPROC_SERVER, CLSCTX_INPROC_HANDLER, CLSCTX_LOCAL_SERVER, CLSCTX_REMOTE_SERVER = 1, 2, 4, 16
CLSCTX_INPROC = CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER
CLSCTX_SERVER = CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER
CLSCTX_ALL = CLSCTX_INPROC | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER
COINIT_MULTITHREADED, COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, COINIT_SPEED_OVER_MEMORY = 0, 2, 4, 8
HRESULT = _ctypes.c_long
BSTR = _ctypes.c_wchar_p
S_OK = 0


def _scmcheck_imported_(run: Any) -> None:
    """comtypes/__init__.py: ``CoInitializeEx(getattr(sys, "coinit_flags", COINIT_APARTMENTTHREADED))``."""
    flags = getattr(run.proc_here().sys, "coinit_flags", COINIT_APARTMENTTHREADED)
    run.com_init(int(flags), "import comtypes (sys.coinit_flags)")


class GUID:
    """comtypes.GUID: a GUID from its string form."""

    def __init__(self, text: Any = None) -> None:
        self._text = "{" + str(text or uuid.UUID(int=0)).strip("{}").upper() + "}"

    def __str__(self) -> str:
        return self._text

    __repr__ = __str__

    def __eq__(self, other: Any) -> bool:
        return str(self) == str(other).upper()

    def __hash__(self) -> int:
        return hash(self._text)

    @classmethod
    def create_new(cls) -> "GUID":
        return cls(str(uuid.uuid4()))


def COMMETHOD(idlflags: Any, restype: Any, methodname: str, *argspec: Any) -> tuple:  # noqa: N802
    return ("COMMETHOD", idlflags, restype, methodname, argspec)


def STDMETHOD(restype: Any, name: str, argtypes: Any = ()) -> tuple:  # noqa: N802
    return ("STDMETHOD", restype, name, tuple(argtypes))


def helpstring(text: str) -> str:
    return text


def dispid(n: int) -> int:
    return n


class IUnknown:
    """comtypes.IUnknown: an interface is a subclass with ``_iid_`` and ``_methods_``."""

    _iid_ = GUID("{00000000-0000-0000-C000-000000000046}")
    _methods_: list = []


class IDispatch(IUnknown):
    _iid_ = GUID("{00020400-0000-0000-C000-000000000046}")


class CoClass:
    """comtypes.CoClass: a base carrying ``_reg_clsid_``, ``_com_interfaces_`` ..."""


def _server() -> Any:
    return _sync.run().proc_here().comtypes_server


class COMObject:
    """comtypes.COMObject with its reference counting (comtypes/_comobject.py)."""

    _instances_: dict = {}

    def __new__(cls, *args: Any, **kw: Any) -> "COMObject":
        self = super().__new__(cls)
        self._refcnt = 0
        return self

    def __init__(self, *args: Any, **kw: Any) -> None:
        pass

    def IUnknown_AddRef(self, this: Any = None) -> int:  # noqa: N802
        self._refcnt += 1
        if self._refcnt == 1:
            COMObject.__keep__(self)
        return self._refcnt

    def IUnknown_Release(self, this: Any = None) -> int:  # noqa: N802
        self._refcnt -= 1
        if self._refcnt == 0:
            COMObject.__unkeep__(self)
        return self._refcnt

    def IUnknown_QueryInterface(self, this: Any, riid: Any, ppv: Any) -> int:  # noqa: N802
        ppv[0] = self
        self.IUnknown_AddRef(this)
        return S_OK

    @staticmethod
    def __keep__(obj: "COMObject") -> None:
        COMObject._instances_[id(obj)] = None
        server = _server()
        if server:
            server.Lock()

    @staticmethod
    def __unkeep__(obj: "COMObject") -> None:
        COMObject._instances_.pop(id(obj), None)
        server = _server()
        if server:
            server.Unlock()

    @staticmethod
    def __run_localserver__(classobjects: list) -> None:
        from .comtypes_server_localserver import LocalServer

        proc = _sync.run().proc_here()
        assert proc.comtypes_server is None
        server = proc.comtypes_server = LocalServer()
        server.run(classobjects)
        proc.comtypes_server = None


def __getattr__(name: str) -> Any:
    if name in ("server", "hresult", "messageloop"):
        raise AttributeError(f"comtypes.{name}: import it first (import comtypes.{name})")
    raise AttributeError(f"scmcheck's stand-in for comtypes has no {name} (it has what a local server uses: "
                         "COMObject, CoClass, GUID, IUnknown, IDispatch, COMMETHOD, STDMETHOD, HRESULT, CLSCTX_*)")
