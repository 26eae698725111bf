"""A free-threaded comtypes local server with two classes: the 004.9 start-up race.

``sys.coinit_flags = 0`` before importing comtypes puts the server's main
thread in the multithreaded apartment.  comtypes registers each class
factory in its constructor, with REGCLS_MULTIPLEUSE and no REGCLS_SUSPENDED,
and never calls CoResumeClassObjects: in the MTA, COM can dispatch an
activation on an RPC thread as soon as the first class is registered --
before the second is registered and before comtypes' local server is
running (so LockServer finds no server to lock).

scmcheck: ``scmcheck test examples/implementations/com_free_threaded_no_suspended.py:main``.
"""

import sys

sys.coinit_flags = 0  # COINIT_MULTITHREADED, read by comtypes at import

import comtypes  # noqa: E402
import comtypes.server.localserver  # noqa: E402
from comtypes import GUID, IUnknown  # noqa: E402


class IStore(IUnknown):
    _iid_ = GUID("{5D2B8A1C-3E4F-4A6B-9C8D-7E1F2A3B4C51}")
    _methods_ = []


class Store(comtypes.COMObject):
    _reg_clsid_ = GUID("{1F2E3D4C-5B6A-4798-8A9B-0C1D2E3F4A61}")
    _reg_progid_ = "ScmcheckDemo.Store"
    _reg_threading_ = "Free"
    _reg_clsctx_ = comtypes.CLSCTX_LOCAL_SERVER
    _com_interfaces_ = [IStore]


class StoreAdmin(comtypes.COMObject):
    _reg_clsid_ = GUID("{2A3B4C5D-6E7F-4809-9A1B-2C3D4E5F6A71}")
    _reg_progid_ = "ScmcheckDemo.StoreAdmin"
    _reg_threading_ = "Free"
    _reg_clsctx_ = comtypes.CLSCTX_LOCAL_SERVER
    _com_interfaces_ = [IStore]


def main():
    comtypes.server.localserver.run([Store, StoreAdmin])


if __name__ == "__main__":
    main()
