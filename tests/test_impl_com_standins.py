"""The COM stand-ins behave as pywin32 and comtypes do (one run each, the harness's first choices)."""

from __future__ import annotations

from pathlib import Path

from scmcheck.properties.observers_com import BY_ID
from scmcheck.testing import loader
from scmcheck.testing.com.run import ComRun
from scmcheck.testing.search import Replay

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"


def _run(tmp_path: Path, source: str, choices=()):
    f = tmp_path / "srv.py"
    f.write_text(source)
    t = loader.load(f"{f}:main")
    out = ComRun(loader.com_exec(t), Replay(list(choices)), list(BY_ID), loader.clsids_of(t)).execute()
    return out, [e for e in out.events]


PYWIN32 = '''
import pythoncom
from win32com.server import localserver

class C:
    _reg_clsid_ = "{11111111-2222-3333-4444-555555555555}"
    _public_methods_ = []
    made = 0
    def __init__(self):
        C.made += 1

def main():
    localserver.serve([C._reg_clsid_])
'''


def test_pywin32_register_suspended_then_one_resume_and_lock_counts(tmp_path):
    out, evs = _run(tmp_path, PYWIN32)
    kinds = [e.kind for e in evs]
    reg = next(e for e in evs if e.kind == "class_registered")
    assert reg["suspended"] is True and reg["apartment"] == "STA"
    assert kinds.count("classes_resumed") == 1
    assert kinds.index("classes_resumed") < kinds.index("server_ready")
    locks = [(e["why"], e["count"]) for e in evs if e.kind == "lock_count_changed"]
    # COM's implicit LockServer(TRUE) (004.8) moves pythoncom's count; the factory itself does not
    assert locks[0] == ("LockServer(TRUE)", 1)
    # the run ends with the count at 0, WM_QUIT posted to the EnableQuitMessage thread, then revoke and exit
    assert locks[-1][1] == 0
    assert kinds.index("quit_posted") < kinds.index("class_revoked") < kinds.index("process_exited")
    assert out.outcome in ("exited", "violation")


def test_pywin32_create_instance_holds_a_temporary_lock(tmp_path):
    out, evs = _run(tmp_path, PYWIN32, choices=[])
    whys = [e["why"] for e in evs if e.kind == "lock_count_changed"]
    i = whys.index("gateway created")  # the first client choices: client1 calls CreateInstance
    assert whys[i - 1] == "CreateInstance (temporary)" and whys[i + 1] == "CreateInstance (temporary)"


COMTYPES_MTA = '''
import sys
sys.coinit_flags = 0
import comtypes
import comtypes.server.localserver

class C(comtypes.COMObject):
    _reg_clsid_ = comtypes.GUID("{21111111-2222-3333-4444-555555555555}")
    _reg_clsctx_ = comtypes.CLSCTX_LOCAL_SERVER
    _com_interfaces_ = []

def main():
    comtypes.server.localserver.run([C])
'''


def test_comtypes_registers_active_in_its_constructor_and_waits_on_a_queue_in_the_mta(tmp_path):
    out, evs = _run(tmp_path, COMTYPES_MTA)
    reg = next(e for e in evs if e.kind == "class_registered")
    assert reg["suspended"] is False and reg["apartment"] == "MTA"
    assert "classes_resumed" not in [e.kind for e in evs]
    ready = next(e for e in evs if e.kind == "server_ready")
    assert "queue.get" in ready["how"]
    refs = [e for e in evs if e.kind == "server_refs_changed"]
    assert refs and refs[-1]["count"] == 0
    suspended = [e for e in evs if e.kind == "classes_suspended"]
    assert suspended and suspended[0]["by"] == "CoReleaseServerProcess"  # COM suspends at zero
    quit_ = next(e for e in evs if e.kind == "quit_posted")
    assert "queue.put" in quit_["how"]


def test_sys_coinit_flags_stays_in_its_process(tmp_path):
    import sys

    _run(tmp_path, COMTYPES_MTA)
    assert not hasattr(sys, "coinit_flags")


def test_ctypes_helpers_for_the_servers_module_only(tmp_path):
    import ctypes

    src = '''
import ctypes
import pythoncom

class C:
    _reg_clsid_ = "{31111111-2222-3333-4444-555555555555}"

def main():
    pythoncom.CoRegisterClassObject(C._reg_clsid_, pythoncom.MakePyFactory(C._reg_clsid_),
                                    pythoncom.CLSCTX_LOCAL_SERVER, pythoncom.REGCLS_MULTIPLEUSE)
    ctypes.oledll.ole32.CoAddRefServerProcess()
    n = ctypes.oledll.ole32.CoReleaseServerProcess()
    assert n == 0
    pythoncom.PumpWaitingMessages()
'''
    out, evs = _run(tmp_path, src)
    assert [e["count"] for e in evs if e.kind == "server_refs_changed" and e["proc"] == "server1"] == [1, 0]
    # at 0 COM suspended server1's class, so the SCM started server2 for the pending activation (004.5)
    assert any(e.kind == "classes_suspended" and e["proc"] == "server1" for e in evs)
    assert any(e.kind == "process_started" and e["proc"] == "server2" for e in evs)
    assert not hasattr(ctypes, "oledll")  # the harness's own ctypes is untouched
    assert not out.errors
