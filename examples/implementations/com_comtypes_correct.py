"""A single-threaded comtypes local server, written as comtypes' documentation shows.

comtypes counts instances and LockServer with CoAddRefServerProcess /
CoReleaseServerProcess, so COM suspends the class objects when the count
reaches zero, and the server then posts WM_QUIT (PostQuitMessage).  The
apartment is single-threaded (comtypes' default), so nothing reaches the
server before its message loop runs.

Register with ``python com_comtypes_correct.py -regserver``; COM starts it
with ``-Embedding``.

scmcheck: ``scmcheck test examples/implementations/com_comtypes_correct.py:main``.
"""

from ctypes import POINTER, c_int

import comtypes
import comtypes.server.localserver
from comtypes import COMMETHOD, GUID, HRESULT, IUnknown
from comtypes.server.register import UseCommandLine


class IAdder(IUnknown):
    _iid_ = GUID("{3C1A5E2B-9D4F-4B8E-A0C3-7E6F5D4C3B21}")
    _methods_ = [
        COMMETHOD([], HRESULT, "Add",
                  (["in"], c_int, "a"),
                  (["out", "retval"], POINTER(c_int), "total")),
    ]


class Adder(comtypes.COMObject):
    _reg_clsid_ = GUID("{9A4E2C6B-1F3D-4E5A-8B7C-0D9E8F7A6B31}")
    _reg_progid_ = "ScmcheckDemo.Adder"
    _reg_threading_ = "Apartment"
    _reg_clsctx_ = comtypes.CLSCTX_LOCAL_SERVER
    _com_interfaces_ = [IAdder]

    def __init__(self):
        super().__init__()
        self.total = 0

    def Add(self, a):
        self.total += a
        return self.total


def main():
    UseCommandLine(Adder)


if __name__ == "__main__":
    main()
