"""Where scmcheck writes, what a trace file may run, and how it fails.

* output places: ``check --out`` and ``show -o`` refuse a place they cannot
  write with exit 2 and one line naming it (``--out`` before any search);
* files are written 0644, atomically, and an interrupt leaves no temporary file;
* a trace naming ``file.py:object`` imports nothing unless asked to;
* an internal error is exit 4 and one line, its traceback only with ``--debug``;
* the command line: budgets, ``--seed``, usage lines, help, ``list --rules``.
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from scmcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
BUGGY = "service-stopped-before-workers-exit"
PROPERTY = "stopped_only_after_threads_exit"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(capsys, *argv):  # noqa: ANN001, ANN002, ANN201
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scmcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _one_line(err: str, code: int, expected: int = 2) -> str:
    assert code == expected, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def no_search(monkeypatch):  # noqa: ANN001, ANN201
    """Fail the test if a search starts (a bad --out must be refused before it)."""
    import scmcheck.properties.check as check_module

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the search started before --out was checked")

    monkeypatch.setattr(check_module, "check", refuse)


@pytest.fixture
def umask_022():  # noqa: ANN201
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("traces")
    assert main(["check", BUGGY, "--property", PROPERTY, "--out", str(out)]) == 1
    (path,) = out.glob("*.itf.json")
    return path


# ---------------------------------------------------------------- check --out

def test_out_is_an_existing_file(capsys, tmp_path, no_search):  # noqa: ANN001
    f = tmp_path / "taken"
    f.write_text("mine\n")
    code, _, err = run(capsys, "check", BUGGY, "--out", str(f))
    assert f"--out {f}: is a file, not a folder" in _one_line(err, code)
    assert f.read_text() == "mine\n"


def test_out_unwritable_folder(capsys, tmp_path, no_search):  # noqa: ANN001
    if IS_ROOT:  # root writes anywhere a mode allows nothing; /proc/self refuses even root
        folder = Path("/proc/self")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        code, _, err = run(capsys, "check", BUGGY, "--out", str(folder))
    finally:
        if not IS_ROOT:
            folder.chmod(0o700)
    line = _one_line(err, code)
    assert f"--out {folder}: cannot write files there" in line


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_out_under_proc(capsys, no_search):  # noqa: ANN001
    code, _, err = run(capsys, "check", BUGGY, "--out", "/proc/scmcheck-no-such/out")
    line = _one_line(err, code)
    assert "--out /proc/scmcheck-no-such/out: cannot create the folder /proc/scmcheck-no-such" in line


def test_out_under_a_file(capsys, tmp_path, no_search):  # noqa: ANN001
    f = tmp_path / "plain"
    f.write_text("")
    code, _, err = run(capsys, "check", BUGGY, "--out", str(f / "traces"))
    line = _one_line(err, code)
    assert f"--out {f / 'traces'}: is under {f}, which is a file" in line


def test_out_folder_made_for_nothing_is_removed(capsys, tmp_path):  # noqa: ANN001
    out = tmp_path / "new" / "deeper"
    code, _, _ = run(capsys, "check", "service-correct", "--engine", "explicit", "--depth", "4", "--out", str(out))
    assert code in (0, 3)  # no violation; liveness within a depth bound has no verdict
    assert not (tmp_path / "new").exists()


def test_pdr_invariant_is_saved_beside_the_traces(capsys, tmp_path):  # noqa: ANN001
    code, out, _ = run(capsys, "check", "controls-correct", "--engine", "pdr", "--property",
                       "reported_state_matches_actual", "--out", str(tmp_path), "--json")
    (r,) = json.loads(out)["results"]
    assert code == 0 and r["verdict"] == "proved"
    saved = Path(r["invariant_file"])
    assert saved.parent == tmp_path and saved.read_text().splitlines()[1] == r["invariant"]


def test_write_failing_after_the_search_prints_the_report_first(monkeypatch, tmp_path):  # noqa: ANN001
    import scmcheck.traces.itf as itf

    def full(path, text):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(itf, "write_atomic", full)
    both = io.StringIO()  # stdout and stderr in the order written
    monkeypatch.setattr(sys, "stdout", both)
    monkeypatch.setattr(sys, "stderr", both)
    code = main(["check", BUGGY, "--property", PROPERTY, "--out", str(tmp_path)])
    text = both.getvalue()
    assert code == 2 and "Traceback" not in text
    report = text.index("result: violation found")
    error = text.index(f"scmcheck: error: --out {tmp_path}: cannot write the trace file")
    assert report < error and "No space left on device" in text[error:]
    assert "trace (explicit, 7 steps): not written" in text and "draw it" not in text
    assert [ln for ln in text[error:].splitlines() if ln.strip()] == [text[error:].strip()]
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- show -o

def test_show_output_is_a_folder(capsys, tmp_path, trace_file):  # noqa: ANN001
    code, out, err = run(capsys, "show", str(trace_file), "-o", str(tmp_path))
    assert f"-o {tmp_path}: is a folder" in _one_line(err, code)
    assert out == ""


def test_show_output_unwritable_file(capsys, tmp_path, trace_file):  # noqa: ANN001
    if IS_ROOT:
        target = Path("/proc/version")
    else:
        target = tmp_path / "locked.svg"
        target.write_text("old\n")
        target.chmod(0o444)
    code, _, err = run(capsys, "show", str(trace_file), "-o", str(target))
    assert f"-o {target}: " in _one_line(err, code)
    if not IS_ROOT:
        assert target.read_text() == "old\n"


def test_show_output_under_a_file(capsys, tmp_path, trace_file):  # noqa: ANN001
    f = tmp_path / "plain"
    f.write_text("")
    code, _, err = run(capsys, "show", str(trace_file), "-o", str(f / "t.svg"))
    assert f"-o {f / 't.svg'}: {f} is a file, not a folder" in _one_line(err, code)


# ---------------------------------------------------------------- files: mode, atomic, interrupts

def test_trace_and_drawing_files_are_0644(capsys, tmp_path, umask_022):  # noqa: ANN001
    code, _, _ = run(capsys, "check", BUGGY, "--property", PROPERTY, "--out", str(tmp_path))
    assert code == 1
    (trace,) = tmp_path.glob("*.itf.json")
    assert stat.S_IMODE(trace.stat().st_mode) == 0o644
    drawing = tmp_path / "t.svg"
    assert run(capsys, "show", str(trace), "--format", "svg", "-o", str(drawing))[0] == 0
    assert stat.S_IMODE(drawing.stat().st_mode) == 0o644


def test_write_atomic_removes_its_temporary_file_on_an_exception(monkeypatch, tmp_path):  # noqa: ANN001
    import scmcheck.traces.itf as itf

    def interrupted(src, dst):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(itf.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        itf.write_atomic(tmp_path / "t.json", "{}\n")
    assert list(tmp_path.iterdir()) == []


_SIGNAL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from scmcheck.traces import itf

    real = os.replace

    def replace(src, dst):  # the signal arrives in the middle of the write
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        real(src, dst)

    os.replace = replace
    itf.write_atomic(Path(sys.argv[1]), "x" * 100000 + "\\n")
    print("returned")
""")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_signal_during_write_leaves_no_temporary_file(tmp_path, sig):  # noqa: ANN001
    target = tmp_path / "t.itf.json"
    proc = subprocess.run([sys.executable, "-c", _SIGNAL_SCRIPT, str(target), sig], capture_output=True,
                          text=True, timeout=120)
    assert "returned" not in proc.stdout  # the signal still took effect...
    if sig == "SIGTERM":
        assert proc.returncode == -signal.SIGTERM
    else:
        assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # ...after the file was complete
    assert target.read_text() == "x" * 100000 + "\n"


# ---------------------------------------------------------------- a trace file never runs code

EVIL = textwrap.dedent("""
    from pathlib import Path
    Path({marker!r}).write_text("imported")
    from scmcheck.model.designs import built_in
    m = built_in({design!r})
""")


@pytest.fixture
def evil_trace(tmp_path, trace_file) -> tuple:  # noqa: ANN001
    marker = tmp_path / "MARKER"
    evil = tmp_path / "evil.py"
    evil.write_text(EVIL.format(marker=str(marker), design=BUGGY))
    data = json.loads(trace_file.read_text())
    data["#meta"]["scmcheck"]["target"] = f"{evil}:m"
    trace = tmp_path / "evil.itf.json"
    trace.write_text(json.dumps(data))
    return trace, evil, marker


def test_python_target_in_a_trace_is_not_imported(evil_trace):  # noqa: ANN001
    trace, evil, marker = evil_trace
    proc = _cli("show", str(trace))
    line = _one_line(proc.stderr, proc.returncode)
    assert str(trace) in line and f"{evil}:m" in line and "--target" in line and "--trust" in line
    assert proc.stdout == ""
    assert not marker.exists()


@pytest.mark.parametrize("how", ["--trust", "--target"])
def test_python_target_runs_when_asked(evil_trace, how):  # noqa: ANN001
    trace, evil, marker = evil_trace
    flags = ["--trust"] if how == "--trust" else ["--target", f"{evil}:m"]
    proc = _cli("show", str(trace), *flags)
    assert proc.returncode == 0, proc.stderr
    assert f"counterexample to {PROPERTY}" in proc.stdout and marker.exists()


# ---------------------------------------------------------------- internal errors: exit 4

@pytest.fixture
def broken_engine(monkeypatch):  # noqa: ANN001, ANN201
    from scmcheck.properties.engines import explicit

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(explicit, "run", boom)


def test_internal_error_is_one_line_exit_4(capsys, tmp_path, broken_engine):  # noqa: ANN001
    code, out, err = run(capsys, "check", "service-correct", "--out", str(tmp_path / "o"))
    line = _one_line(err, code, expected=4)
    assert line == ("scmcheck: internal error: RuntimeError: engine exploded "
                    "(please report; rerun with --debug for the traceback)")
    assert out == "" and not (tmp_path / "o").exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(capsys, tmp_path, broken_engine, where):  # noqa: ANN001
    argv = ["check", "service-correct", "--out", str(tmp_path)]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    code, _, err = run(capsys, *argv)
    assert code == 4
    assert "Traceback (most recent call last)" in err and "RuntimeError: engine exploded" in err
    assert err.strip().splitlines()[-1].startswith("scmcheck: internal error: RuntimeError: engine exploded")


def test_trace_that_does_not_replay_after_writing_is_internal(capsys, monkeypatch, tmp_path):  # noqa: ANN001
    import scmcheck.cli as cli
    from scmcheck.traces.replay import TraceMismatch

    def mismatch(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise TraceMismatch("step 3: differs")

    monkeypatch.setattr("scmcheck.traces.replay", mismatch)
    monkeypatch.setattr(cli, "_violation", lambda system, pid: None)
    code, _, err = run(capsys, "check", BUGGY, "--property", PROPERTY, "--out", str(tmp_path))
    line = _one_line(err, code, expected=4)
    assert "does not replay" in line and "step 3" in line


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("flag,value,says", [
    ("--timeout", "nan", "not a positive number of seconds"),
    ("--timeout", "-1", "not a positive number of seconds"),
    ("--timeout", "0", "not a positive number of seconds"),
    ("--timeout", "soon", "not a number of seconds"),
    ("--runs", "0", "less than 1"),
    ("--depth", "-1", "less than 0"),
    ("--depth", "3.5", "not a whole number"),
    ("--seed", "x", "not a whole number"),
])
def test_bad_budgets_are_usage_errors(capsys, flag, value, says):  # noqa: ANN001
    code, _, err = run(capsys, "check", BUGGY, f"{flag}={value}")
    line = _one_line(err, code)
    assert f"argument {flag}: " in line and says in line and "(see 'scmcheck check --help')" in line


def test_timeout_inf_means_no_limit(capsys, monkeypatch, tmp_path):  # noqa: ANN001
    from scmcheck.properties.engines import explicit

    seen = {}
    real = explicit.run

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(explicit, "run", spy)
    code, _, _ = run(capsys, "check", "service-correct", "--timeout", "inf", "--depth", "3", "--out", str(tmp_path))
    assert code in (0, 3) and seen["timeout"] is None


def test_seed_reaches_fuzz_and_its_rerun_line(capsys, monkeypatch, tmp_path):  # noqa: ANN001
    import inspect

    from scmcheck.properties.engines import fuzz

    seen = {}
    real = fuzz.run

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(fuzz, "run", spy)
    if "seed" not in inspect.signature(real).parameters:
        pytest.skip("the fuzz engine does not take a seed yet")
    code, out, _ = run(capsys, "check", BUGGY, "--property", PROPERTY, "--engine", "fuzz", "--seed", "7",
                       "--runs", "50", "--out", str(tmp_path))
    assert code == 1 and seen["seed"] == 7
    (rerun,) = [ln for ln in out.splitlines() if ln.strip().startswith("rerun:")]
    assert rerun.split("rerun:", 1)[1].split()[-6:] == ["--engine", "fuzz", "--runs", "50", "--seed", "7"]


def test_usage_error_names_the_command(capsys):  # noqa: ANN001
    code, _, err = run(capsys, "check", BUGGY, "--no-such-flag")
    line = _one_line(err, code)
    assert "(see 'scmcheck check --help')" in line and "scmcheck scmcheck" not in line
    code, _, err = run(capsys, "frobnicate")
    assert "(see 'scmcheck --help')" in _one_line(err, code)


def test_check_help_shows_every_default(capsys):  # noqa: ANN001
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for default in ("(default: auto)", "(default: explicit and pdr unbounded, bmc and kind 30, fuzz 50)",
                    "(default: scmcheck-out)", "default: no limit", "(default: 200)",
                    "(default: every property that applies)", "(default: the design's own settings)",
                    "--seed N fuzz: seed of the random runs (default:"):
        assert default in flat, default


def test_unknown_property_lists_only_those_that_apply(capsys):  # noqa: ANN001
    from scmcheck.model.designs import built_in
    from scmcheck.properties import catalog

    system = built_in(BUGGY).build({})
    applying = {p.id for p in catalog.applicable(system)}
    others = {p.id for p in catalog.PROPERTIES} - applying
    code, _, err = run(capsys, "check", BUGGY, "--property", "no_such_thing")
    line = _one_line(err, code)
    listed = set(line.split("properties that apply to design ", 1)[1].split(": ", 1)[1].split(" (see")[0].split(", "))
    assert listed == applying and others and not (others & listed)


def test_list_rules(capsys, monkeypatch):  # noqa: ANN001
    rule = types.SimpleNamespace(number="000.3", text="Report SERVICE_STOPPED only after every thread has exited.",
                                 source_title="Multithreaded Services", source_url="https://example.invalid/mt")
    monkeypatch.setitem(sys.modules, "scmcheck.properties.rules", types.SimpleNamespace(RULES=[rule]))
    code, out, err = run(capsys, "list", "--rules")
    assert code == 0 and err == ""
    assert "000.3  Report SERVICE_STOPPED only after every thread has exited." in out
    assert "source: Multithreaded Services <https://example.invalid/mt>" in out
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)["rules"] == [{"number": "000.3", "text": rule.text, "source_title": rule.source_title,
                                         "source_url": rule.source_url}]


def test_list_rules_without_the_rules_module(capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.setitem(sys.modules, "scmcheck.properties.rules", None)  # import fails as if missing
    code, out, err = run(capsys, "list", "--rules")
    assert code == 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "scmcheck.properties.rules" in err
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0 and json.loads(out)["rules"] == []


def test_list_rules_from_the_real_module(capsys):  # noqa: ANN001
    try:
        from scmcheck.properties.rules import RULES
    except ImportError:
        pytest.skip("scmcheck.properties.rules is not there yet")
    code, out, _ = run(capsys, "list", "--rules")
    assert code == 0 and all(str(r.number) in out for r in RULES)
    assert len(json.loads(run(capsys, "list", "--json")[1])["rules"]) == len(RULES)
