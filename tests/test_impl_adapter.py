"""scmcheck test --cmd: a service in another language driven through the adapter protocol (adapter.py).

The Node.js example (examples/adapters/node/) needs ``node`` on PATH: without it these tests fail
when CI=true (CI machines have Node.js 20) and are skipped otherwise.  The protocol-error tests use
small Python adapters and run everywhere.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scmcheck.model.lang.errors import InputError
from scmcheck.testing.adapter import TRACE_SUFFIX, AdapterError, check_command, fingerprint, replay_trace
from scmcheck.testing.tracefile import replay as tracefile_replay

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "examples" / "adapters" / "node"
SERVICE = NODE_DIR / "service.js"


@pytest.fixture
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is not on PATH and CI=true: install Node.js 20 on the CI machine (the adapter example "
                        "examples/adapters/node/ is tested there)")
        pytest.skip("node is not on PATH (install Node.js to test examples/adapters/node/)")
    return exe


def cmd(*extra: str, service: Path = SERVICE) -> str:
    return " ".join(["node", shlex.quote(str(service)), *extra])


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scmcheck", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


# ------------------------------------------------------------------ the Node example held to its verdicts


def test_correct_service_passes(node, tmp_path):
    report = check_command(cmd(), runs=60, out=tmp_path)
    assert report.status == 0, report.text()
    verdicts = {r.id: r.verdict for r in report.results}
    assert "violated" not in verdicts.values()
    # the observers really judged something: the stop path, INTERROGATE and shutdown happened
    for p in ("stopped_only_after_threads_exit", "pending_progress_within_wait_hint", "stop_reaches_stopped",
              "interrogate_always_answered", "no_data_loss_at_shutdown"):
        assert verdicts[p] == "passed", (p, report.text())
    assert report.steps > 60 * 10 and report.outcomes == {"exited": 60}
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("bug,prop,length,reason", [
    ("early-stopped", "stopped_only_after_threads_exit", 11,
     "SERVICE_STOPPED reported by ServiceMain while worker1, worker2 still run"),
    ("no-stop-progress", "pending_progress_within_wait_hint", 11,
     "STOP_PENDING with wait hint 3 s: no progress for 5 s (checkpoint stays 2)"),
])
def test_buggy_service_is_found(node, tmp_path, bug, prop, length, reason):
    report = check_command(cmd("--bug", bug), properties=[prop], out=tmp_path)  # the default, derandomized search
    assert report.status == 1
    (r,) = report.violated
    assert r.id == prop and r.reason == reason
    assert r.trace.length == length
    lanes = r.trace.processes
    assert lanes[:3] == ["SCM", "dispatcher", "ServiceMain"] and {"worker1", "worker2"} <= set(lanes)
    saved = Path(r.trace_file)
    assert saved.name.endswith(TRACE_SUFFIX)
    meta = json.loads(saved.read_text())["#meta"]["scmcheck"]["implementation"]
    assert meta["adapter"]["command"] == cmd("--bug", bug)
    assert meta["adapter"]["fingerprint"] == fingerprint(cmd("--bug", bug))[0]
    assert meta["adapter"]["files"] == {str(SERVICE): fingerprint(cmd("--bug", bug))[1][str(SERVICE)]}
    # the trace replays exactly: the same steps, the same property
    status, out, text = replay_trace(saved, cmd("--bug", bug))
    assert status == "reproduced", text
    assert out.violation.property == prop and f"the same {length} steps" in text
    assert tracefile_replay(saved, cmd("--bug", bug))[0] == "reproduced"


def test_cli_verdicts_and_show(node, tmp_path):
    ok = cli("test", "--cmd", cmd(), "--runs", "30", "--out", str(tmp_path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith(f"implementation --cmd {cmd()}: 30 runs")
    bad = cli("test", "--cmd", cmd("--bug", "early-stopped"), "--property", "stopped_only_after_threads_exit",
              "--out", str(tmp_path), "--json")
    assert bad.returncode == 1, bad.stderr
    res = json.loads(bad.stdout)["results"][0]
    assert res["verdict"] == "violated" and res["trace_steps"] == 11
    trace = res["trace_file"]
    drawn = cli("show", trace, "--format", "svg", "-o", str(tmp_path / "t.svg"))
    assert drawn.returncode == 0 and "drawn as saved" in drawn.stdout
    svg = (tmp_path / "t.svg").read_text()
    assert ">worker1<" in svg and ">ServiceMain<" in svg and ">SCM<" in svg
    rerun = cli("show", trace, "--trust")
    assert rerun.returncode == 0 and "SERVICE_STOPPED reported by ServiceMain" in rerun.stdout


def test_a_trace_never_runs_code_by_itself(node, tmp_path):
    report = check_command(cmd("--bug", "early-stopped"), properties=["stopped_only_after_threads_exit"],
                           out=tmp_path)
    saved = Path(report.violated[0].trace_file)
    with pytest.raises(InputError, match="--trust"):
        replay_trace(saved, None)


def test_stale_trace_is_reported_not_run(node, tmp_path):
    copy = tmp_path / "node"
    shutil.copytree(NODE_DIR, copy)
    command = cmd("--bug", "early-stopped", service=copy / "service.js")
    report = check_command(command, properties=["stopped_only_after_threads_exit"], out=tmp_path)
    saved = Path(report.violated[0].trace_file)
    assert replay_trace(saved, command)[0] == "reproduced"
    # another command: stale
    status, out, text = replay_trace(saved, cmd("--bug", "early-stopped"))
    assert status == "stale" and out is None and "command differs" in text
    # the service file edited: stale, named
    with open(copy / "service.js", "a") as f:
        f.write("// edited\n")
    status, out, text = replay_trace(saved, command)
    assert status == "stale" and out is None and "service.js changed" in text
    shown = cli("show", str(saved), "--target", command)
    assert shown.returncode == 2 and "stale" in shown.stderr and len(shown.stderr.strip().splitlines()) == 1
    # the shim (not named in the command) edited: the adapter's own fingerprint catches it
    shutil.copy(NODE_DIR / "service.js", copy / "service.js")
    assert replay_trace(saved, command)[0] == "reproduced"
    with open(copy / "scmcheck_adapter.js", "a") as f:
        f.write("// edited\n")
    status, _, text = replay_trace(saved, command)
    assert status == "stale" and "adapter's own fingerprint" in text


# ------------------------------------------------------------------ protocol errors: one line, exit 2

FAKE = textwrap.dedent('''
    import json, sys, time
    mode = sys.argv[1]
    def send(o):
        sys.stdout.write((o if isinstance(o, str) else json.dumps(o)) + "\\n"); sys.stdout.flush()
    def threads():
        return [{"name": "dispatcher", "state": "blocked", "until_ms": None, "on": "x"},
                {"name": "ServiceMain", "state": "blocked", "until_ms": None, "on": "x"}]
    for line in sys.stdin:
        msg = json.loads(line)
        t = msg["type"]
        if t == "hello":
            if mode == "garbage":
                send("hello there")
            elif mode == "version":
                send({"type": "hello", "protocol": 2, "adapter": "fake"})
            else:
                send({"type": "hello", "protocol": 1, "adapter": "fake"})
            continue
        if t == "start":
            if mode == "exit":
                sys.stderr.write("fake: segfault in the service\\n"); sys.exit(3)
            if mode == "hang":
                time.sleep(60)
            started = [{"call": "thread_started", "thread": "process", "name": n, "host": n == "dispatcher"}
                       for n in ("dispatcher", "ServiceMain")]
            if mode == "badcall":
                started.append({"call": "CreateProcessW", "thread": "ServiceMain"})
            if mode == "badstatus":
                started.append({"call": "SetServiceStatus", "thread": "ServiceMain", "dwCurrentState": "RUNNING"})
            send({"type": "result", "calls": started, "threads": threads()})
        elif t == "end":
            send({"type": "result", "calls": [], "threads": []})
        elif t == "bye":
            break
''')


@pytest.fixture
def fake(tmp_path) -> Path:
    p = tmp_path / "fake_adapter.py"
    p.write_text(FAKE)
    return p


@pytest.mark.parametrize("mode,says", [
    ("garbage", "not a JSON line: 'hello there' (line 1 from the adapter, in reply to \"hello\"); write one JSON"),
    ("version", "the adapter speaks protocol 2, scmcheck speaks 1"),
    ("exit", "the adapter exited (status 3) before answering \"start\""),
    ("hang", "no reply within 0.5 s (wall clock) to \"start\""),
    ("badcall", "unknown call 'CreateProcessW'"),
    ("badstatus", "field dwCurrentState is 'RUNNING', not a DWORD"),
])
def test_protocol_errors_are_one_line_exit_2(fake, tmp_path, mode, says):
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(fake))} {mode}"
    r = cli("test", "--cmd", command, "--runs", "5", "--adapter-timeout", "0.5", "--out", str(tmp_path))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"scmcheck: error: --cmd {shlex.quote(command)}: ") and says in lines[0], lines[0]
    assert "PROTOCOL.md" in lines[0] or mode in ("exit", "hang")  # the fix is named
    if mode == "exit":
        assert "its stderr ended: fake: segfault in the service" in lines[0]


def test_broken_adapter_raises_from_the_api(fake):
    with pytest.raises(AdapterError, match="unknown call"):
        check_command(f"{shlex.quote(sys.executable)} {shlex.quote(str(fake))} badcall", runs=50)


@pytest.mark.parametrize("args,says", [
    ((), "give exactly one of FILE.py:Class and --cmd"),
    (("x.py:A", "--cmd", "node"), "give exactly one of FILE.py:Class and --cmd"),
    (("--cmd", "no-such-program-scmcheck --x"), "cannot start 'no-such-program-scmcheck'"),
    (("--cmd", "node 'unclosed"), "cannot split the command"),
    (("--cmd", "node", "--adapter-timeout", "0"), "is not a number of seconds > 0"),
    (("x.py:A", "--adapter-timeout", "3"), "--adapter-timeout: applies only with --cmd"),
])
def test_bad_input_is_one_line_exit_2(args, says, tmp_path):
    r = cli("test", *args, "--out", str(tmp_path))
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
