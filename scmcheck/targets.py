"""Resolve a check TARGET: a built-in design, a .toml design file, or file.py:object.

Every bad target ends in an :class:`InputError` with a one-line message that
names the input (the file, its field, or the file and line of the user's code),
the bad value and what to do; the CLI prints it and exits with status 2.

Design names (a design file's ``name``, a Python Design's, Family's or System's
``name``) must follow :data:`NAME_RULE`: they become the names of trace files.

Python targets run the user's code in this process, at import, in the factory
function and while the model is built.  Whatever it raises -- any exception,
``SystemExit`` from ``sys.exit(...)`` and any other ``BaseException`` subclass --
becomes an InputError naming the user's file and the line of the innermost
frame in that file.  ``KeyboardInterrupt`` is left alone: Ctrl-C stays an
interrupt.  ``os._exit()`` cannot be caught: it ends the process at once with
the status the user's code chose, without running any Python cleanup, so
scmcheck can report nothing; a design module must never call it (guard script
code with ``if __name__ == "__main__":``).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Mapping, Optional

from scmcheck.model.designs import Design, Family, built_in, families
from scmcheck.model.lang.errors import InputError, ScmcheckError
from scmcheck.model.lang.system import System

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

NAME_RULE = "1 to 80 characters: ASCII letters, digits, '-', '_' and '.', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_RESERVED = ("model", "name", "description", "expect")  # design-file fields that are not knobs
_MAX_TEXT = 400  # longest text taken from a user's exception into a message


@dataclass
class Loaded:
    """A resolved target: what to check and how to name and rebuild it."""

    name: str
    target: str
    system: System
    parameters: dict
    properties: tuple  # catalog ids it is checked against (() = every entry that applies)
    expect: Optional[tuple]  # expected violations (None: not labelled)
    base: Optional[dict] = None  # the design's own parameters, before --param overrides
    vacuous: tuple = ()  # properties the design's label expects to be vacuous
    overrides: dict = field(default_factory=dict)  # the knobs --param set, as parsed: what a rerun repeats
    knobs: tuple = ()  # the Knobs --param may set (the design's, less those it fixes)


def load(target: str, params: Mapping[str, Any] = {}, exact: bool = False) -> Loaded:
    """Resolve ``target`` and build its system with ``params`` (knob overrides).

    With ``exact`` the parameters are a complete set recorded in a trace: a
    fixed System target must then have exactly those parameters.
    """
    if target.endswith(".toml"):
        path = Path(target)
        design = _from_toml(path)
        loaded = _loaded(design, target, params, exact)
        _check_ids(loaded.system, design.expect, f"{path}: field 'expect'")
    elif ".py:" in target or target.endswith(".py"):
        loaded = _from_python(target, params, exact)
    else:
        loaded = _loaded(built_in(target), target, params, exact)
    _check_declared(loaded.system)
    return loaded


def _loaded(design: Design, target: str, params: Mapping[str, Any], exact: bool = False) -> Loaded:
    """Build ``design`` with the knob settings ``params``.

    ``exact``: ``params`` are the complete parameters a trace recorded (the design's build may record
    more than its knobs); the knobs among them are set, and the System built must record exactly
    ``params``.
    """
    recorded = dict(params)
    if exact:
        knobs = {k.name for k in design.family.knobs}
        params = {k: v for k, v in recorded.items() if k in knobs}
    system = design.build(params)
    # the design's own parameters, as its build records them: what --param changed is measured from here
    own = system if not params else design.family.build(design.parameters({}))
    base = dict(own.parameters)
    settable = design.settable(own)
    if exact and dict(system.parameters) != recorded:
        diff = sorted(set(recorded) ^ set(system.parameters)) or \
            [k for k in recorded if recorded[k] != system.parameters[k]]
        name = diff[0]
        raise InputError(f"--param {name}: recorded as {_param_text(recorded, name)}, but design {design.name} "
                         f"builds {name} = {_param_text(system.parameters, name)}; the design has changed since")
    wanted = design.parameters(params)
    overrides = {k: wanted[k] for k in params}
    return Loaded(design.name, target, system, dict(system.parameters), design.family.properties, design.expect,
                  base, tuple(design.vacuous), overrides, tuple(k for k in design.family.knobs if k.name in settable))


def _param_text(params: Mapping[str, Any], name: str) -> str:
    if name not in params:
        return "nothing (no such parameter)"
    value = params[name]
    return json.dumps(value) if isinstance(value, bool) else _show(value)


def _check_declared(system: System) -> None:
    """The design's own properties: ids distinct from the catalog's, rule numbers that exist."""
    from scmcheck.properties.catalog import declared

    declared(system)


# ------------------------------------------------------------------ helpers

def _one_line(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _kind(value: Any) -> str:
    """What a TOML value is, as a noun phrase."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date/time"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    """A short, one-line rendering of a TOML value (containers by kind only: they may nest very deep)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else f"{text[:50]}...' ({len(value)} characters)"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 30 else f"{text[:20]}... ({len(text)} digits)"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return _one_line(repr(value), 60)


def _is(value: Any) -> str:
    """``is a string ('x')``; containers only by kind."""
    kind = _kind(value)
    return f"is {kind}" if isinstance(value, (list, dict)) else f"is {kind} ({_show(value)})"


def _check_name(name: Any, where: str) -> str:
    """``name`` if it is a valid design name, else an InputError at ``where``."""
    if not isinstance(name, str):
        raise InputError(f"{where} {_is(name)}; give a string of {NAME_RULE}")
    if not _NAME.fullmatch(name):
        if len(name) > 80:
            why, fix = "is too long", "shorten it"
        else:
            suggestion = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "my-design"
            why, fix = ("is empty" if not name else "is not a valid design name"), f"e.g. {suggestion!r}"
        raise InputError(f"{where} = {_show(name)} {why}; it names the trace files: use {NAME_RULE}; {fix}")
    return name


def _check_ids(system: System, ids: Any, where: str) -> None:
    """Every id in ``ids`` must be a catalog property that applies to ``system``."""
    from scmcheck.properties.catalog import CATALOG, applicable

    applying = [p.id for p in applicable(system)]
    if not isinstance(ids, (tuple, list)) or not all(isinstance(i, str) for i in ids):
        raise InputError(f"{where} = {_one_line(_safe_repr(ids), 60)} is not a tuple of property ids; give e.g. "
                         f"({(applying or ['stop_reaches_stopped'])[0]!r},)")
    for pid in ids:
        if pid in applying:
            continue
        if pid in CATALOG:
            reason = f"property {pid!r} does not apply to model {system.name}"
        else:
            reason = f"{_show(pid)} is not a catalog property id"
        raise InputError(f"{where}: {reason}; use ids of properties that apply to it: {', '.join(applying) or 'none'}")


# ------------------------------------------------------------------ design files

def _from_toml(path: Path) -> Design:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the design file ({exc.strerror or exc}); check the path") from None
    except ValueError as exc:  # a NUL byte or an unencodable character in the path
        raise InputError(f"{_show(str(path))}: not a usable file path ({_text(exc)}); check the path") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{path}, line {line}: the design file is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                         f"cannot be decoded); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(f"{path}: arrays or tables are nested too deeply to read; a design file needs no "
                         "nesting: write model, name, description, expect and knob = value lines") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({_one_line(str(exc))}); fix the syntax") from None
    except ValueError:  # an integer with more digits than Python converts
        raise InputError(f"{path}: a number in the file has too many digits to read; knob values are small "
                         "integers (see 'scmcheck list')") from None
    fams = families()
    names = ", ".join(fams)
    model = data.pop("model", None)
    if model is None:
        raise InputError(f"{path}: field 'model' is missing; add model = \"{next(iter(fams))}\" (one of {names})")
    if not isinstance(model, str):
        raise InputError(f"{path}: field 'model' {_is(model)}; give one model family as a string, "
                         f"e.g. model = \"{next(iter(fams))}\" (one of {names})")
    if model not in fams:
        raise InputError(f"{path}: field 'model' = {_show(model)} is not a model family; use one of {names}")
    family = fams[model]
    if "name" in data:
        name = _check_name(data.pop("name"), f"{path}: field 'name'")
    else:  # the file name, made into a valid design name
        name = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem)[:80].lstrip("._-") or "design"
    doc = data.pop("description", f"design file {path}")
    if not isinstance(doc, str):
        raise InputError(f"{path}: field 'description' {_is(doc)}; give a string, "
                         "e.g. description = \"what this design is\"")
    expect = data.pop("expect", None)
    example = f"expect = [\"{family.properties[0]}\"]" if family.properties else "expect = []"
    if expect is not None and not isinstance(expect, list):
        raise InputError(f"{path}: field 'expect' {_is(expect)}; give an array of property "
                         f"ids, e.g. {example}, or expect = [] for a correct design")
    for i, e in enumerate(expect or ()):
        if not isinstance(e, str):
            raise InputError(f"{path}: field 'expect' item {i + 1} {_is(e)}; give property ids "
                             f"as strings, e.g. {example}")
    settings = {}
    for key, value in data.items():
        where = f"{path}: field '{key}'"
        knob = family.knob(key, where)
        want = {"int": int, "seconds": (int, float), "bool": bool, "choice": str}[knob.kind]
        if not isinstance(value, want) or (knob.kind in ("int", "seconds") and isinstance(value, bool)):
            hint = {"int": " (a number, without quotes)", "seconds": " (a number of seconds, without quotes)",
                    "bool": " (without quotes)", "choice": " (a string, in quotes)"}[knob.kind]
            raise InputError(f"{where} {_is(value)}; use {knob.expected()}{hint}")
        settings[key] = value
    family.parameters(settings, str(path))  # validate now, so errors name the file
    return Design(name, family, settings, tuple(expect or ()), doc, target=str(path))


# ------------------------------------------------------------------ Python targets

def _user_line(tb: Optional[TracebackType], path: Path) -> Optional[tuple]:
    """(line, function) of the innermost frame of ``tb`` that runs code from ``path``."""
    want = path.resolve()
    found = None
    seen: dict = {}
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname not in seen:
            try:
                seen[fname] = Path(fname).resolve() == want
            except (OSError, ValueError, RuntimeError):
                seen[fname] = False
        if seen[fname]:
            found = (tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return found


def _safe_repr(value: Any) -> str:
    """repr() of a user's value, which may itself raise anything."""
    try:
        return repr(value)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001
        return f"<a {type(value).__name__} that cannot be shown>"


def _text(exc: BaseException) -> str:
    try:
        msg = str(exc)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - a user's exception whose str() fails, even by exiting
        msg = "<message cannot be shown>"
    name = type(exc).__name__
    return _one_line(f"{name}: {msg}" if msg else name)


def _user_error(exc: BaseException, path: Path, doing: str) -> ScmcheckError:
    """The InputError for ``exc``, raised by the user's code in ``path`` while ``doing``."""
    if isinstance(exc, SyntaxError):
        file, other = path, ""
        if exc.filename and Path(exc.filename).resolve() != path.resolve():
            file, other = exc.filename, f" (imported by {path})"
        line = f", line {exc.lineno}" if exc.lineno else ""
        return InputError(f"{file}{line}: not valid Python{other}: {_one_line(exc.msg or 'invalid syntax')}; "
                          "fix the syntax, or give the right file.py:object")
    at = _user_line(exc.__traceback__, path)
    if at is None and doing == "importing it":  # it failed before any of its code ran: not Python source
        return InputError(f"{path}: cannot be read as Python source ({_text(exc)}); give a .py source file")
    if at is None and isinstance(exc, ScmcheckError):
        if str(exc).startswith("--param"):
            return exc  # scmcheck's own check of a --param value: its message says it all
        return InputError(f"{path}: {doing}: {_one_line(str(exc))}")  # e.g. the design's own knob settings
    where = f"{path}, line {at[0]}, in {at[1]}" if at else str(path)
    if isinstance(exc, SystemExit):
        return InputError(f"{where}: {doing} called sys.exit({_one_line(_safe_repr(exc.code), 60)}); a design module must "
                          "not exit: put script code under if __name__ == \"__main__\":")
    if isinstance(exc, ScmcheckError):
        return InputError(f"{where}: {doing} failed: {_one_line(str(exc))}")
    return InputError(f"{where}: {doing} failed: {_text(exc)}; fix the code there")


def _from_python(target: str, params: Mapping[str, Any], exact: bool = False) -> Loaded:
    file, _, attr = target.rpartition(":") if ".py:" in target else (target, "", "design")
    path = Path(file)
    if not attr:
        raise InputError(f"{target}: no object named after ':'; give file.py:object, e.g. {file}:design")
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, ...
        raise InputError(f"{_one_line(target, 80)}: cannot use this path ({_text(exc)}); give file.py:object with "
                         "an existing file") from None
    if not exists:
        raise InputError(f"{target}: no such file {path}; give file.py:object with an existing file")
    if path.is_dir():
        raise InputError(f"{target}: {path} is a directory; give file.py:object with a Python file")
    if not path.is_file():
        raise InputError(f"{target}: {path} is not a regular file; give file.py:object with a Python file")
    mod_name = f"scmcheck_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{target}: {path} cannot be imported as a Python module; give a .py source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(mod_name, None)
        raise
    except BaseException as exc:  # noqa: BLE001 - whatever a user's module does at import is bad input
        sys.modules.pop(mod_name, None)
        raise _user_error(exc, path, "importing it") from None
    missing = object()
    try:
        obj = getattr(module, attr, missing)  # a module-level __getattr__ is the user's code too
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001
        raise _user_error(exc, path, f"getting {attr}") from None
    if obj is missing:
        found = [k for k, v in vars(module).items() if isinstance(v, (Design, Family, System))]
        raise InputError(f"{target}: {path} has no object {_show(attr)}; designs found there: "
                         f"{', '.join(found) or 'none'}")
    label = attr  # how the messages below name the object
    if callable(obj) and not isinstance(obj, (Design, Family, System)):
        try:
            obj = obj()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            raise _user_error(exc, path, f"calling {attr}()") from None
        if not isinstance(obj, (Design, Family, System)):
            raise InputError(f"{target}: {attr}() returned {_kind(obj)}; it must "
                             "return a Design, a Family or a System")
        label = f"{attr}()"
    if isinstance(obj, Family):
        _check_name(obj.name, f"{target}: {label}.name")
        obj = Design(obj.name, obj, {}, (), obj.doc, target=target)
    if isinstance(obj, Design):
        _check_name(obj.name, f"{target}: {label}.name")
        try:
            loaded = _loaded(obj, target, params, exact)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - the user's build function
            raise _user_error(exc, path, f"building design {obj.name}") from None
        _check_ids(loaded.system, obj.expect, f"{target}: {label}.expect")
        _check_ids(loaded.system, obj.vacuous, f"{target}: {label}.vacuous")
        return loaded
    if isinstance(obj, System):
        _check_name(obj.name, f"{target}: {label}.name")
        if exact and dict(params) == dict(obj.parameters):
            params = {}
        if params:
            raise InputError(f"{target}: {attr} is a fixed System with no knobs; drop --param or export a Design")
        return Loaded(obj.name, target, obj, dict(obj.parameters), (), None)
    raise InputError(f"{target}: {attr} is {_kind(obj)}; export a Design, a Family, a System, "
                     "or a function returning one")
