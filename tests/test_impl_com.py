"""COM local servers under the harness: each example held to its verdict, property and shortest trace.

Lengths are those found with the default (derandomized) seed and 100 runs; a change in the harness,
the stand-ins or the observers that changes them must be looked at, not re-pinned blindly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.observers_com import BY_ID
from scmcheck.testing import check_implementation

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"


def _check(name: str, props=None, **kw):
    return check_implementation(f"{EX / name}.py:main", runs=100, properties=props, **kw)


def _verdicts(report) -> dict:
    return {r.id: (r.verdict, r.trace.length if r.trace is not None else None) for r in report.results}


@pytest.fixture(scope="module")
def pywin32_localserver():
    return _check("com_pywin32_localserver")


@pytest.fixture(scope="module")
def own_count():
    return _check("com_pywin32_own_count")


def test_comtypes_single_threaded_is_correct():
    r = _check("com_comtypes_correct")
    assert r.status == 0
    assert {v for v, _ in _verdicts(r).values()} == {"passed"}
    assert all(x.exercised > 0 for x in r.results)  # every entry's subject happened: the pass says something


def test_pywin32_stock_localserver_serves_a_queued_activation_after_its_quit(pywin32_localserver):
    v = _verdicts(pywin32_localserver)
    assert v["no_activation_after_shutdown_decision"] == ("violated", 51)
    assert v["server_exits_only_when_unused"] == ("violated", 32)
    assert v["client_never_holds_disconnected_object"] == ("violated", 52)
    for ok in ("no_activation_before_init_complete", "unused_server_exits", "activation_eventually_served",
               "started_server_accepts_activations"):
        assert v[ok][0] == "passed", ok
    r = next(x for x in pywin32_localserver.results if x.id == "no_activation_after_shutdown_decision")
    kinds = [s.action for s in r.trace.steps]
    quit_at = kinds.index("quit_posted")
    assert "activation_served" in kinds[quit_at:]  # served after WM_QUIT was posted: the queued activation
    assert kinds[-1] == "process_exited"
    assert "PostThreadMessage(WM_QUIT)" in r.reason


def test_pywin32_own_count_ignores_lockserver(own_count):
    v = _verdicts(own_count)
    assert v["server_exits_only_when_unused"] == ("violated", 46)
    assert v["client_never_holds_disconnected_object"] == ("violated", 46)
    assert v["no_activation_after_shutdown_decision"] == ("violated", 50)
    assert v["unused_server_exits"] == ("violated", 47)  # a factory taken and released: its count never moves
    r = next(x for x in own_count.results if x.id == "server_exits_only_when_unused")
    assert "IClassFactory" in r.reason


def test_free_threaded_without_suspended_is_the_0049_race():
    r = _check("com_free_threaded_no_suspended", ["no_activation_before_init_complete",
                                                  "server_exits_only_when_unused"])
    v = _verdicts(r)
    assert v["no_activation_before_init_complete"] == ("violated", 9)
    assert v["server_exits_only_when_unused"] == ("violated", 34)
    first = next(x for x in r.results if x.id == "no_activation_before_init_complete")
    kinds = [s.action for s in first.trace.steps]
    assert "server_ready" not in kinds and kinds[-1] == "activation_served"
    assert any(s.process.startswith("rpc") for s in first.trace.steps)  # served on a COM RPC thread (MTA)


def test_rules_come_from_the_catalog():
    from scmcheck.properties.catalog import CATALOG

    for pid, ob in BY_ID.items():
        assert tuple(CATALOG[pid].rules) == ob.rules


def test_trace_saved_as_itf_and_drawn(tmp_path, capsys):
    from scmcheck.cli import main

    r = _check("com_free_threaded_no_suspended", ["no_activation_before_init_complete"], out=tmp_path)
    path = Path(r.violated[0].trace_file)
    meta = json.loads(path.read_text())["#meta"]["scmcheck"]["implementation"]
    assert meta["kind"] == "com" and meta["choices"] and len(meta["source_sha256"]) == 64
    svg = tmp_path / "t.svg"
    assert main(["show", str(path), "--format", "svg", "-o", str(svg)]) == 0
    text = svg.read_text()
    assert "main" in text and "client1" in text and "SCM" in text


def test_cli_exit_codes(tmp_path, capsys):
    from scmcheck.cli import main

    assert main(["test", f"{EX / 'com_comtypes_correct.py'}:main", "--runs", "20", "--out", str(tmp_path)]) == 0
    assert main(["test", f"{EX / 'com_free_threaded_no_suspended.py'}:main", "--runs", "20",
                 "--property", "no_activation_before_init_complete", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "VIOLATED       no_activation_before_init_complete" in out


@pytest.mark.parametrize("body, needle", [
    ("import pythoncom\n\ndef main():\n    pass\n", "no class with _reg_clsid_"),
    ("import pythoncom\nimport win32com.client\n\nclass A:\n    _reg_clsid_ = '{00000000-0000-0000-0000-000000000001}'\n"
     "\ndef main():\n    pass\n", "import of"),
    ("import pythoncom\nraise RuntimeError('boom')\n\ndef main():\n    pass\n", "RuntimeError: boom"),
])
def test_bad_com_servers_are_one_line(tmp_path, body, needle):
    f = tmp_path / "srv.py"
    f.write_text(body)
    with pytest.raises(InputError) as e:
        check_implementation(f"{f}:main", runs=1)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_unknown_property_for_a_com_server_names_the_flag():
    with pytest.raises(InputError, match="--property stop_reaches_stopped"):
        _check("com_comtypes_correct", ["stop_reaches_stopped"])


def test_saved_com_trace_replays(tmp_path):
    from scmcheck.testing.com.api import replay_com

    r = _check("com_free_threaded_no_suspended", ["no_activation_before_init_complete"], out=tmp_path)
    status, _, text = replay_com(Path(r.violated[0].trace_file))
    assert status == "reproduced", text
