"""Bad check targets, run through the real CLI as a user would: each ends with
exit status 2 and exactly one line on stderr that names the file (and field or
line), never a traceback, never exit 1 ("violation found")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SERVICE = 'model = "service"\n'
NAME_RULE = "1 to 80 characters"


def cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scmcheck", "check", *argv, "--out", "out"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def bad(tmp_path: Path, target: str, *expect: str, args: tuple = ()) -> str:
    proc = cli(tmp_path, target, *args)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-1000:], proc.stderr[-1000:])
    assert len(lines) == 1, proc.stderr[-2000:]
    line = lines[0]
    assert line.startswith("scmcheck: error: "), line
    assert len(line) < 1000, line
    for text in expect:
        assert text in line, (text, line)
    return line


def toml(tmp_path: Path, text, name: str = "d.toml") -> str:
    f = tmp_path / name
    (f.write_bytes if isinstance(text, bytes) else f.write_text)(text)
    return name


def py(tmp_path: Path, text: str, name: str = "mod.py") -> str:
    (tmp_path / name).write_text(text)
    return name


# ---------------------------------------------------------------- design files

def test_latin1_design_file(tmp_path):
    f = toml(tmp_path, SERVICE.encode() + 'description = "caf\u00e9"\n'.encode("latin-1"))
    bad(tmp_path, f, "d.toml, line 2", "not UTF-8", "save it as UTF-8")


def test_utf8_bom_is_accepted(tmp_path):
    f = toml(tmp_path, b"\xef\xbb\xbf" + (SERVICE + "workers = 1\n").encode())
    proc = cli(tmp_path, f)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("value, kind", [('["service"]', "an array"), ("3", "an integer"), ("true", "a boolean")])
def test_model_of_the_wrong_type(tmp_path, value, kind):
    f = toml(tmp_path, f"model = {value}\n")
    bad(tmp_path, f, "d.toml: field 'model' is " + kind, 'model = "service"')


def test_model_as_a_table(tmp_path):
    f = toml(tmp_path, "[model]\nname = \"service\"\n")
    bad(tmp_path, f, "d.toml: field 'model' is a table", 'model = "service"')


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a = ", "}")])
def test_nesting_5000_deep(tmp_path, opening, closing):
    f = toml(tmp_path, SERVICE + "workers = " + opening * 5000 + "1" + closing * 5000 + "\n")
    bad(tmp_path, f, "d.toml", "nested too deeply")


def test_nesting_that_parses_is_a_wrong_type(tmp_path):
    f = toml(tmp_path, SERVICE + "workers = " + "[" * 300 + "]" * 300 + "\n")
    bad(tmp_path, f, "d.toml: field 'workers' is an array", "an integer from 1 to 64")


def test_number_with_too_many_digits(tmp_path):
    f = toml(tmp_path, SERVICE + "workers = " + "1" * 5000 + "\n")
    bad(tmp_path, f, "d.toml", "too many digits")


def test_300_character_name_on_a_violating_design(tmp_path):
    f = toml(tmp_path, SERVICE + f'name = "{"a" * 300}"\nworkers = 1\nwait_for_workers = false\n')
    line = bad(tmp_path, f, "d.toml: field 'name'", "too long", NAME_RULE)
    assert "a" * 81 not in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, why", [("", "is empty"), (".hidden", "not a valid design name"),
                                       ("my design", "not a valid design name"), ("../up", "not a valid")])
def test_bad_names(tmp_path, name, why):
    f = toml(tmp_path, SERVICE + f'name = "{name}"\nworkers = 1\nwait_for_workers = false\n')
    bad(tmp_path, f, "d.toml: field 'name'", why, NAME_RULE)
    assert not (tmp_path / "out").exists()


def test_name_of_the_wrong_type(tmp_path):
    f = toml(tmp_path, SERVICE + "name = 3\n")
    bad(tmp_path, f, "d.toml: field 'name' is an integer", NAME_RULE)


def test_file_name_is_made_a_valid_default_name(tmp_path):
    f = toml(tmp_path, SERVICE + "workers = 1\n", name="my design.toml")
    proc = cli(tmp_path, f, "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"design": "my_design"' in proc.stdout


def test_unknown_expected_property(tmp_path):
    f = toml(tmp_path, SERVICE + 'expect = ["no_such_property"]\n')
    line = bad(tmp_path, f, "d.toml: field 'expect'", "'no_such_property' is not a catalog property id",
               "stopped_only_after_threads_exit")
    assert "unused_server_exits" not in line  # a COM entry: it does not apply to a service model


def test_expected_property_of_another_model(tmp_path):
    f = toml(tmp_path, SERVICE + 'expect = ["unused_server_exits"]\n')
    bad(tmp_path, f, "d.toml: field 'expect'", "does not apply to model", "stopped_only_after_threads_exit")


@pytest.mark.parametrize("value, what", [('"stop_reaches_stopped"', "is a string"), ("[1]", "item 1 is an integer"),
                                         ("{a = 1}", "is a table"), ("[[]]", "item 1 is an array")])
def test_expect_of_the_wrong_type(tmp_path, value, what):
    f = toml(tmp_path, SERVICE + f"expect = {value}\n")
    bad(tmp_path, f, "d.toml: field 'expect' " + what, "expect = [")


def test_expect_as_a_table(tmp_path):
    f = toml(tmp_path, SERVICE + "[expect]\nx = 1\n")
    bad(tmp_path, f, "d.toml: field 'expect' is a table")


@pytest.mark.parametrize("value, what", [("3", "is an integer"), ("[\"a\"]", "is an array"), ("{a = 1}", "is a table")])
def test_description_of_the_wrong_type(tmp_path, value, what):
    f = toml(tmp_path, SERVICE + f"description = {value}\n")
    bad(tmp_path, f, "d.toml: field 'description' " + what, "give a string")


@pytest.mark.parametrize("line, what, use", [
    ('workers = "3"', "is a string ('3')", "an integer from 1 to 64"),
    ("workers = 3.0", "is a float", "an integer from 1 to 64"),
    ("workers = true", "is a boolean", "an integer from 1 to 64"),
    ("workers = [3]", "is an array", "an integer from 1 to 64"),
    ("workers = 1979-05-27", "is a date/time", "an integer from 1 to 64"),
    ('wait_for_workers = "false"', "is a string", "true or false"),
    ("wait_for_workers = 0", "is an integer", "true or false"),
])
def test_knob_of_the_wrong_type(tmp_path, line, what, use):
    key = line.split()[0]
    f = toml(tmp_path, SERVICE + line + "\n")
    bad(tmp_path, f, f"d.toml: field '{key}' {what}", use)


def test_choice_knob_of_the_wrong_type(tmp_path):
    f = toml(tmp_path, 'model = "shutdown"\norder = 1\n')
    bad(tmp_path, f, "d.toml: field 'order' is an integer", "one of")


def test_knob_as_a_nested_table(tmp_path):
    f = toml(tmp_path, SERVICE + "[workers]\ncount = 2\n")
    bad(tmp_path, f, "d.toml: field 'workers' is a table")


def test_unknown_table(tmp_path):
    f = toml(tmp_path, SERVICE + "[settings]\nworkers = 2\n")
    bad(tmp_path, f, "d.toml: field 'settings'", "unknown knob 'settings'", "workers")


def test_long_choice_value_is_shortened(tmp_path):
    f = toml(tmp_path, f'model = "shutdown"\norder = "{"x" * 5000}"\n')
    bad(tmp_path, f, "d.toml", "order", "one of")


def test_design_file_is_a_directory(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    bad(tmp_path, "dir.toml", "dir.toml: cannot read the design file")


def test_design_file_missing(tmp_path):
    bad(tmp_path, "nope.toml", "nope.toml: cannot read the design file")


# ---------------------------------------------------------------- Python targets: exits and BaseExceptions

@pytest.mark.parametrize("stmt, shown", [("sys.exit(0)", "sys.exit(0)"), ("sys.exit('bye')", "sys.exit('bye')"),
                                         ("sys.exit()", "sys.exit(None)"), ("raise SystemExit(1)", "sys.exit(1)")])
def test_exit_at_import(tmp_path, stmt, shown):
    f = py(tmp_path, f"import sys\n\n{stmt}\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 3", "importing it called " + shown, "__main__")


@pytest.mark.parametrize("stmt, shown", [("sys.exit(0)", "sys.exit(0)"), ("sys.exit('bye')", "sys.exit('bye')")])
def test_exit_in_the_factory(tmp_path, stmt, shown):
    f = py(tmp_path, f"import sys\n\n\ndef design():\n    {stmt}\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 5, in design", "calling design() called " + shown)


def test_base_exception_at_import(tmp_path):
    f = py(tmp_path, "class Bail(BaseException):\n    pass\n\n\nraise Bail('out of here')\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 5", "Bail: out of here")


def test_base_exception_in_the_factory(tmp_path):
    f = py(tmp_path, "class Bail(BaseException):\n    pass\n\n\ndef design():\n    raise Bail('no')\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 6, in design", "calling design() failed: Bail: no")


def test_exit_in_the_build_function(tmp_path):
    f = py(tmp_path, "import sys\nfrom scmcheck.model.service_api import user_design\n\n\n"
                     "def build(p):\n    sys.exit(3)\n\n\ndesign = user_design('quitter', 'doc', build)\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 6, in build", "building design quitter called sys.exit(3)")


def test_keyboard_interrupt_stays_an_interrupt(tmp_path):
    f = py(tmp_path, "raise KeyboardInterrupt\n")
    proc = cli(tmp_path, f"{f}:design")
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- Python targets: files and objects

def test_missing_file(tmp_path):
    bad(tmp_path, "nope.py:design", "nope.py", "no such file")


def test_directory(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    bad(tmp_path, "pkg.py:design", "pkg.py", "is a directory")


def test_syntax_error_names_the_line(tmp_path):
    f = py(tmp_path, "x = 1\n\ndef design(:\n    pass\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 3: not valid Python")


def test_not_python_at_all(tmp_path):
    (tmp_path / "mod.py").write_bytes(b"\x7fELF\x00\x01\x02\xff\xfe")
    bad(tmp_path, "mod.py:design", "mod.py", "not valid Python")


def test_toml_text_in_a_python_file(tmp_path):
    f = py(tmp_path, '[model]\nmodel = "service"\n')
    bad(tmp_path, f"{f}:design", "mod.py")


def test_syntax_error_in_an_imported_module(tmp_path):
    py(tmp_path, "def oops(:\n", name="helper_mod.py")
    f = py(tmp_path, "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\nimport helper_mod\n")
    bad(tmp_path, f"{f}:design", "helper_mod.py, line 1: not valid Python (imported by mod.py)")


def test_object_that_does_not_exist(tmp_path):
    f = py(tmp_path, "from scmcheck.model.designs import built_in\nmine = built_in('service-correct')\n")
    bad(tmp_path, f"{f}:design", "mod.py has no object 'design'", "designs found there: mine")


def test_no_object_name(tmp_path):
    f = py(tmp_path, "x = 1\n")
    bad(tmp_path, f"{f}:", "mod.py:", "give file.py:object")


@pytest.mark.parametrize("value, kind", [("3", "an integer"), ("None", "None"), ("'svc'", "a string"),
                                         ("[1]", "an array")])
def test_object_of_the_wrong_type(tmp_path, value, kind):
    f = py(tmp_path, f"design = {value}\n")
    bad(tmp_path, f"{f}:design", "mod.py:design: design is " + kind, "export a Design")


def test_factory_returning_the_wrong_type(tmp_path):
    f = py(tmp_path, "def design():\n    return 42\n")
    bad(tmp_path, f"{f}:design", "mod.py:design: design() returned an integer", "must return a Design")


def test_python_design_with_a_long_name(tmp_path):
    f = py(tmp_path, "from scmcheck.model.designs import Design, built_in\nbase = built_in('service-correct')\n"
                     "design = Design('x' * 300, base.family, {'wait_for_workers': False, 'workers': 1}, (), 'd')\n")
    bad(tmp_path, f"{f}:design", "mod.py:design: design.name", "too long", NAME_RULE)
    assert not (tmp_path / "out").exists()


def test_python_system_with_an_empty_name(tmp_path):
    f = py(tmp_path, "from scmcheck.model.lang.system import System\n\n\ndef design():\n"
                     "    m = System('')\n    m.int('x', 0, 3, 0)\n    return m\n")
    bad(tmp_path, f"{f}:design", "mod.py:design: design().name", "is empty", NAME_RULE)


def test_python_design_with_an_unknown_expected_property(tmp_path):
    f = py(tmp_path, "from scmcheck.model.designs import Design, built_in\nbase = built_in('service-correct')\n"
                     "design = Design('mine', base.family, {}, ('nope',), 'd')\n")
    bad(tmp_path, f"{f}:design", "mod.py:design: design.expect", "'nope' is not a catalog property id",
        "stop_reaches_stopped")


# ---------------------------------------------------------------- errors while building the user's model

def test_variable_declared_twice_names_the_users_line(tmp_path):
    f = py(tmp_path, "from scmcheck.model.lang.system import System\n\n\ndef design():\n    m = System('dup')\n"
                     "    m.int('x', 0, 3, 0)\n    m.int('x', 0, 3, 0)\n    return m\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 7, in design", "variable x is declared twice")


def test_model_error_at_import_names_the_users_line(tmp_path):
    f = py(tmp_path, "from scmcheck.model.lang.system import System\n\nm = System('b')\nm.int('x', 0, 3, 5)\n")
    bad(tmp_path, f"{f}:m", "mod.py, line 4, in <module>", "outside 0..3")


def test_value_error_in_the_users_build_function(tmp_path):
    f = py(tmp_path, "from scmcheck.model.designs import Knob\nfrom scmcheck.model.service_api import user_design\n"
                     "\n\ndef check_workers(n):\n    raise ValueError(f'{n} workers is\\nnot supported')\n\n\n"
                     "def build(p):\n    check_workers(p['n'])\n\n\n"
                     "design = user_design('mine', 'doc', build, knobs=(Knob('n', 1, 'n', 1, 3),))\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 6, in check_workers", "building design mine failed",
        "ValueError: 1 workers is not supported")


def test_bad_param_on_a_python_design_names_the_flag(tmp_path):
    f = py(tmp_path, "from scmcheck.model.designs import Knob\nfrom scmcheck.model.service_api import user_design\n"
                     "design = user_design('mine', 'doc', lambda p: None, knobs=(Knob('n', 1, 'n', 1, 3),))\n")
    bad(tmp_path, f"{f}:design", "--param", "n = '7' is out of range", args=("--param", "n=7"))


def test_exception_whose_message_cannot_be_shown(tmp_path):
    f = py(tmp_path, "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError\n\n\n"
                     "def design():\n    raise Odd()\n")
    bad(tmp_path, f"{f}:design", "mod.py, line 7, in design", "Odd")


# ---------------------------------------------------------------- valid inputs keep working

@pytest.mark.parametrize("target", ["examples/service/child_process_wrapper.py:design",
                                    "examples/service/queue_handler.py:design",
                                    "examples/com/my_server.py:design"])
def test_examples_still_load(target):
    from scmcheck.targets import load

    root = Path(__file__).resolve().parents[1]
    loaded = load(str(root / target))
    assert loaded.system.variables
