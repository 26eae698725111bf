"""Stand-in for ``comtypes.server``: ``IClassFactory`` (its submodules: localserver, register)."""

from __future__ import annotations

from .comtypes_ import GUID, IUnknown


class IClassFactory(IUnknown):
    _iid_ = GUID("{00000001-0000-0000-C000-000000000046}")
    _methods_: list = []
