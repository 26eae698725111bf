"""Stand-in for pywin32's ``win32com.server.factory``, with its behaviour (win32com/server/factory.py).

``RegisterClassFactories(clsids, flags=None, clsctx=None)``: for each CLSID
(arguments starting with ``-`` or ``/``, such as ``-Embedding``, are skipped)
a pythoncom class factory registered with CoRegisterClassObject; the default
flags are REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED and the default context
CLSCTX_LOCAL_SERVER, so the caller must call CoResumeClassObjects once (as
localserver.serve does).  Returns ``[(factory, cookie), ...]``.
``RevokeClassFactories(infos)`` revokes each.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from . import pythoncom_ as pythoncom


def RegisterClassFactories(clsids: Iterable[Any], flags: Optional[int] = None,  # noqa: N802
                           clsctx: Optional[int] = None) -> list:
    if flags is None:
        flags = pythoncom.REGCLS_MULTIPLEUSE | pythoncom.REGCLS_SUSPENDED
    if clsctx is None:
        clsctx = pythoncom.CLSCTX_LOCAL_SERVER
    infos = []
    for clsid in clsids:
        if str(clsid)[:1] in ("-", "/"):
            continue
        factory = pythoncom.MakePyFactory(clsid)
        infos.append((factory, pythoncom.CoRegisterClassObject(clsid, factory, clsctx, flags)))
    return infos


def RevokeClassFactories(infos: Iterable[tuple]) -> None:  # noqa: N802
    for _factory, cookie in infos:
        pythoncom.CoRevokeClassObject(cookie)
