"""Load ``FILE.py:Class`` so that the service, and only the service, sees the stand-ins.

Why an import hook scoped to the user's module, not a child process or
``sys.modules``: ``from threading import Thread`` and ``from time import
sleep`` bind names when the module is executed, so the stand-ins must be in
place *before* it runs; putting them into ``sys.modules`` (or installing
modules named like pywin32's) would hand them to the harness, Hypothesis and
the standard library too.  Instead the module is executed with its own
``__builtins__`` whose ``__import__`` maps the names in
scmcheck/testing/standins/__init__.py (``STANDINS``) to the stand-ins and
passes every other import to the real ``__import__``.  Functions defined in
the module keep those builtins (CPython takes a frame's builtins from its
globals), so imports inside methods are mapped too.  A child process would
isolate as well, but it would cost a process per run and make the
scheduler's choices cross a pipe; one process keeps a run at milliseconds.

The module is executed afresh for every run (the source compiled once), so
module-level state (an Event made at import) belongs to that run.  Its
``__name__`` is not ``"__main__"``: the ``HandleCommandLine`` boilerplate does
not run.  Modules the service imports from its own folder get the real
``threading``/``time``; only the named file is scoped.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from scmcheck.model.lang.errors import InputError

from .standins import STANDINS

_PKG = __package__ + ".standins"
PYWIN32 = ("win32serviceutil", "win32service", "win32event", "servicemanager", "win32api", "win32con")


@dataclass
class Target:
    """A service class to run: where it comes from and how to get a fresh copy for a run."""

    spec: str  # FILE.py:Class as given
    path: Path
    cls_name: str
    source: str
    sha256: str
    code: Any

    def make_class(self) -> type:
        """Execute the module afresh (inside a run) and return the class."""
        return _exec_class(self)


def _mapped_import(real: Callable) -> Callable:
    def __import__(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            top = name.partition(".")[0]
            if top in STANDINS and (top == name or (top == "os" and not fromlist)):
                # ``import os.path`` binds ``os``: hand back the stand-in, which has ``path``
                return importlib.import_module(f"{_PKG}.{STANDINS[top]}")
        return real(name, globals, locals, fromlist, level)

    return __import__


def _builtins() -> dict:
    b = dict(builtins.__dict__)
    b["__import__"] = _mapped_import(builtins.__import__)
    return b


def parse_spec(spec: str) -> tuple[Path, str]:
    path_text, sep, cls_name = spec.rpartition(":")
    if not sep or not path_text.endswith(".py") or not cls_name.isidentifier():
        raise InputError(f"test target {spec!r}: give FILE.py:Class, e.g. examples/implementations/"
                         "correct_service.py:CorrectService")
    return Path(path_text), cls_name


def load(spec: str) -> Target:
    """Read and compile ``spec`` and check, with one run's worth of import, that the class is there.

    InputError (one line naming the file, what is wrong and the fix) otherwise.
    """
    path, cls_name = parse_spec(spec)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the service file ({exc.strerror or exc}); check the path") from None
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the service file as UTF-8") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno}: syntax error: {exc.msg}; fix the service file") from None
    return Target(spec, path, cls_name, source, hashlib.sha256(raw).hexdigest(), code)


def from_class(cls: type) -> Target:
    """A Target for a class the caller already has: its module's file, executed afresh per run."""
    mod = sys.modules.get(cls.__module__)
    file = getattr(mod, "__file__", None)
    if not file or not file.endswith(".py"):
        raise InputError(f"class {cls.__qualname__}: its module {cls.__module__} has no .py file to run; pass "
                         "'FILE.py:Class' instead")
    return load(f"{file}:{cls.__name__}")


def from_function(fn: Any) -> Target:
    """A Target for a COM server's entry function the caller already has (its module's file)."""
    mod = sys.modules.get(getattr(fn, "__module__", ""))
    file = getattr(mod, "__file__", None)
    if not file or not file.endswith(".py"):
        raise InputError(f"function {getattr(fn, '__qualname__', fn)}: its module has no .py file to run; pass "
                         "'FILE.py:main' instead")
    return load(f"{file}:{fn.__name__}")


_counter = [0]


def _exec_class(t: Target) -> type:
    from .standins.win32serviceutil import ServiceFramework

    _counter[0] += 1
    name = f"_scmcheck_service_{t.path.stem}"
    mod = types.ModuleType(name)
    mod.__file__ = str(t.path)
    mod.__builtins__ = _builtins()  # type: ignore[attr-defined]
    here = str(t.path.resolve().parent)
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    sys.modules[name] = mod
    try:
        exec(t.code, mod.__dict__)  # noqa: S102 - the user's service, which they asked us to run
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise InputError(f"{t.path}:{_line(exc, t)}: import of {missing!r} failed ({exc}); scmcheck stands in for "
                         f"{', '.join(STANDINS)} only; guard other Windows-only imports or make them optional") from None
    except SystemExit as exc:
        call = getattr(exc, "call", None) or f"sys.exit({exc.code!r})"  # os_.ExitCalled names its call
        raise InputError(f"{t.path}:{_line(exc, t)}: the module called {call} at import; keep "
                         "that under 'if __name__ == \"__main__\":'") from None
    except BaseException as exc:  # noqa: BLE001 - any failure at import is bad input, one line
        if type(exc).__name__ == "RunOver":
            raise
        raise InputError(f"{t.path}:{_line(exc, t)}: importing the service raised {type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:200]}; fix the module so it imports") from None
    finally:
        if added:
            try:
                sys.path.remove(here)
            except ValueError:
                pass
    cls = mod.__dict__.get(t.cls_name)
    if cls is None:
        guard = " (is it defined under 'if platform.system() == \"Windows\":' or 'if sys.platform == \"win32\":'?" \
                " define the class unconditionally; scmcheck supplies the pywin32 modules)"
        raise InputError(f"{t.path}: no class {t.cls_name} after importing the file{guard}")
    if not isinstance(cls, type) or not issubclass(cls, ServiceFramework):
        raise InputError(f"{t.path}: {t.cls_name} is not a subclass of win32serviceutil.ServiceFramework; name "
                         "the service class")
    if not hasattr(cls, "SvcDoRun"):
        raise InputError(f"{t.path}: {t.cls_name} has no SvcDoRun; a ServiceFramework service must define it")
    return cls


def _line(exc: BaseException, t: Target) -> str:
    tb = exc.__traceback__
    line = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(t.path):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line


# -------------------------------------------------------------- COM local servers: ``FILE.py:main``

def is_function_target(t: Target) -> bool:
    """True if the file defines ``t.cls_name`` as a function (a COM server's entry), not a class.

    Read from the source (no import): module-level ``def`` statements, including those under
    ``if``/``try`` at module level.  A class, or a name not found, keeps the service path.
    """
    import ast

    try:
        tree = ast.parse(t.source)
    except SyntaxError:
        return False
    for node in _module_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == t.cls_name:
            return True
        if isinstance(node, ast.ClassDef) and node.name == t.cls_name:
            return False
    return False


def _module_level(body: list) -> list:
    import ast

    out = []
    for node in body:
        out.append(node)
        if isinstance(node, ast.If):
            out += _module_level(node.body) + _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            out += _module_level(node.body) + _module_level(node.orelse)
    return out


def clsids_of(t: Target) -> list[str]:
    """The ``_reg_clsid_`` of each class of the file (a string, or ``GUID("...")``), in file order:
    the CLSIDs the harness's clients ask COM for."""
    import ast

    out: list[str] = []
    for node in ast.walk(ast.parse(t.source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(getattr(x, "id", "") == "_reg_clsid_" for x in stmt.targets):
                v = stmt.value
                if isinstance(v, ast.Call) and v.args:
                    v = v.args[0]
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    from .com.run import norm_clsid

                    out.append(norm_clsid(v.value))
    return list(dict.fromkeys(out))


def _com_import(real: Callable, run: Any, proc: Any) -> Callable:
    """``__import__`` for one server process: COM names (standins/com_names.py), ``sys`` per process,
    then the service stand-ins (threading, time, queue, os), then the real import."""
    from .standins.com_names import COM_STANDINS, COM_TOPS

    def load(dotted: str) -> Any:
        mod = importlib.import_module(f"{_PKG}.{COM_STANDINS[dotted]}")
        if dotted not in proc.imported:
            proc.imported.add(dotted)
            parent, _, leaf = dotted.rpartition(".")
            if parent:
                setattr(load(parent), leaf, mod)
            hook = getattr(mod, "_scmcheck_imported_", None)
            if hook is not None:
                hook(run)
        return mod

    def __import__(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            top = name.partition(".")[0]
            if name == "sys":
                return proc.sys
            if top in COM_TOPS:
                if name not in COM_STANDINS:
                    raise ImportError(f"No module named {name!r} (scmcheck stands in for "
                                      f"{', '.join(COM_STANDINS)} in a COM server)", name=name)
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    leaf = load(".".join(parts[:i]))
                for item in fromlist or ():
                    if f"{name}.{item}" in COM_STANDINS:
                        load(f"{name}.{item}")
                return leaf if fromlist else load(top)
            if top in STANDINS and (top == name or (top == "os" and not fromlist)):
                return importlib.import_module(f"{_PKG}.{STANDINS[top]}")
        return real(name, globals, locals, fromlist, level)

    return __import__


def com_exec(t: Target) -> Callable[[Any, Any], Callable[[], Any]]:
    """For scmcheck/testing/com/run.py: execute the module afresh for one server process (in the
    process's main thread) and return its entry function."""
    from .standins import sys_

    def run_module(run: Any, proc: Any) -> Callable[[], Any]:
        proc.sys = sys_.for_process(str(t.path))
        mod = types.ModuleType(f"_scmcheck_com_{t.path.stem}")
        mod.__file__ = str(t.path)
        b = dict(builtins.__dict__)
        b["__import__"] = _com_import(builtins.__import__, run, proc)
        mod.__builtins__ = b  # type: ignore[attr-defined]
        proc.module = mod
        here = str(t.path.resolve().parent)
        added = here not in sys.path
        if added:
            sys.path.insert(0, here)
        try:
            exec(t.code, mod.__dict__)  # noqa: S102 - the user's server, which they asked us to run
        finally:
            if added and here in sys.path:
                sys.path.remove(here)
        entry = mod.__dict__.get(t.cls_name)
        if not callable(entry):
            raise InputError(f"{t.path}: no function {t.cls_name} after importing the file; name the server's "
                             "entry function (the one that registers its class factories and pumps messages)")
        return entry

    return run_module


def probe_com(t: Target) -> None:
    """Import the server's file once, in the harness's thread, so bad input is one line before any search."""
    from . import context
    from .com.run import ComRun
    from .search import Replay

    run = ComRun(com_exec(t), Replay([]), [], clsids_of(t), depth=1)
    context.set_active(run)
    try:
        com_exec(t)(run, run.probe)
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(f"{t.path}:{_line(exc, t)}: import of {exc.name or exc!s} failed ({exc}); scmcheck stands "
                         "in for pythoncom, win32com.server, comtypes(.server) and ctypes' Windows names in a COM "
                         "server; guard other Windows-only imports") from None
    except SystemExit as exc:
        raise InputError(f"{t.path}:{_line(exc, t)}: the module called sys.exit({exc.code!r}) at import; keep that "
                         "under 'if __name__ == \"__main__\":'") from None
    except BaseException as exc:  # noqa: BLE001 - any failure at import is bad input, one line
        if type(exc).__name__ == "RunOver":
            raise
        raise InputError(f"{t.path}:{_line(exc, t)}: importing the server raised {type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:200]}; fix the module so it imports") from None
    finally:
        context.set_active(None)
        run.sched.teardown()
    if not clsids_of(t):
        raise InputError(f"{t.path}: no class with _reg_clsid_ = \"{{...}}\"; a COM server's classes name their "
                         "CLSID in _reg_clsid_ (as win32com.server.register and comtypes.server.register read it)")
