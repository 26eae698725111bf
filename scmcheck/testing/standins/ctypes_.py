"""``ctypes`` as a COM server sees it: the real module, plus the Windows-only names servers call.

Servers that want COM's per-process reference count call ole32 through
ctypes, because pythoncom does not wrap it: ``ctypes.oledll.ole32.CoAddRefServerProcess()``,
``CoReleaseServerProcess()`` (returns the new count; at 0 COM suspends the
class objects, CoReleaseServerProcess page), ``CoSuspendClassObjects()``,
``CoResumeClassObjects()``; and user32's ``PostQuitMessage``/``PostThreadMessageW``
and kernel32's ``GetCurrentThreadId``.  ``oledll``, ``windll``, ``WinDLL``,
``OleDLL``, ``HRESULT``, ``WINFUNCTYPE``, ``WinError``, ``FormatError`` and
``GetLastError`` exist only on Windows; here they are the harness's, for the
server's module only (scmcheck/testing/loader.py).  Everything else is the
real ``ctypes``.
"""

from __future__ import annotations

import ctypes as _real
from typing import Any, Callable

from . import _sync

HRESULT = _real.c_long
WINFUNCTYPE = _real.CFUNCTYPE
RPC_E_CHANGED_MODE = -2147417850


def _ole32(name: str) -> Callable:
    r = _sync.run

    def CoAddRefServerProcess() -> int:  # noqa: N802
        return r().server_refs(+1)

    def CoReleaseServerProcess() -> int:  # noqa: N802
        return r().server_refs(-1)

    def CoSuspendClassObjects() -> int:  # noqa: N802
        r().suspend_classes("CoSuspendClassObjects")
        r().sched.pause()
        return 0

    def CoResumeClassObjects() -> int:  # noqa: N802
        r().resume_classes()
        return 0

    def CoInitialize(reserved: Any = None) -> int:  # noqa: N802
        return r().com_init(2, "CoInitialize")

    def CoInitializeEx(reserved: Any = None, flags: int = 0) -> int:  # noqa: N802
        return r().com_init(int(flags), "CoInitializeEx")

    def CoUninitialize() -> None:  # noqa: N802
        return None

    def CoRegisterClassObject(clsid: Any, unk: Any, clsctx: int, flags: int, cookie: Any = None) -> int:  # noqa: N802
        value = r().register_class(str(getattr(clsid, "_obj", clsid)), unk, int(flags))
        target = getattr(cookie, "_obj", cookie)
        if target is not None and hasattr(target, "value"):
            target.value = value
        return 0

    def CoRevokeClassObject(cookie: Any) -> int:  # noqa: N802
        r().revoke_class(int(getattr(cookie, "value", cookie)))
        return 0

    return locals()[name] if name in locals() else _missing("ole32", name)


def _user32(name: str) -> Callable:
    def PostQuitMessage(code: int = 0) -> None:  # noqa: N802
        _sync.run().post_quit_message("user32.PostQuitMessage")

    def PostThreadMessageW(tid: int, msg: int, wparam: Any = 0, lparam: Any = 0) -> int:  # noqa: N802
        if int(msg) == 0x0012:
            return int(_sync.run().post_thread_message(int(tid), "WM_QUIT", "user32.PostThreadMessage"))
        return 1

    table = {"PostQuitMessage": PostQuitMessage, "PostThreadMessageW": PostThreadMessageW,
             "PostThreadMessageA": PostThreadMessageW}
    return table.get(name) or _missing("user32", name)


def _kernel32(name: str) -> Callable:
    if name == "GetCurrentThreadId":
        from .win32api import GetCurrentThreadId

        return GetCurrentThreadId
    return _missing("kernel32", name)


def _missing(dll: str, name: str) -> Callable:
    raise AttributeError(f"function '{name}' not found (scmcheck stands in for these {dll} functions of a COM "
                         "server only: CoAddRefServerProcess, CoReleaseServerProcess, CoSuspendClassObjects, "
                         "CoResumeClassObjects, CoInitialize(Ex), CoRegisterClassObject, CoRevokeClassObject; "
                         "user32 PostQuitMessage, PostThreadMessageW; kernel32 GetCurrentThreadId)")


class _Dll:
    def __init__(self, name: str, lookup: Callable[[str], Callable]) -> None:
        self._name, self._lookup = name, lookup

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._lookup(name)


class _Loader:
    """``ctypes.oledll`` / ``ctypes.windll``: ``.ole32``, ``.user32``, ``.kernel32``."""

    _dlls = {"ole32": _ole32, "user32": _user32, "kernel32": _kernel32}

    def __getattr__(self, name: str) -> _Dll:
        key = name.lower()
        if key not in self._dlls:
            raise AttributeError(f"scmcheck stands in for ole32, user32 and kernel32 only, not {name}")
        return _Dll(key, self._dlls[key])

    def LoadLibrary(self, name: str) -> _Dll:  # noqa: N802
        return getattr(self, name.rsplit(".", 1)[0])


oledll = _Loader()
windll = _Loader()


def WinDLL(name: str, *args: Any, **kw: Any) -> _Dll:  # noqa: N802
    return getattr(windll, name.rsplit(".", 1)[0])


OleDLL = WinDLL


def GetLastError() -> int:  # noqa: N802
    return 0


def FormatError(code: int = 0) -> str:  # noqa: N802
    return f"error {code}"


def WinError(code: Any = None, descr: Any = None) -> OSError:  # noqa: N802
    return OSError(code or 0, descr or FormatError(code or 0))


def __getattr__(name: str) -> Any:
    return getattr(_real, name)
