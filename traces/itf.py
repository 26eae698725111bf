"""Traces as ITF JSON (Apalache ADR-015), with Quint's ``mbt::actionTaken`` and
``mbt::nondetPicks`` per state, so other tools can read our counterexamples.
A lasso (``Trace.loop``) carries ADR-015's top-level ``loop``: the index of
the state the run returns to after the last state.

Reading a trace file never trusts it: :data:`SCHEMA` gives the type of every
field, :func:`from_itf` checks the whole object against it before building a
:class:`Trace`, and any mismatch is one :class:`InputError` naming the file and
the field.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from scmcheck.model.lang.errors import InputError

from .trace import Step, Trace, VarInfo

FORMAT_URL = "https://apalache-mc.org/docs/adr/015adr-trace.html"
REGENERATE = "regenerate the trace with scmcheck check"
FILE_MODE = 0o644  # trace files are for reading by anyone who may read the folder (less any umask bits)


def _enc(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return {"#bigint": str(value)}
    return value


def to_itf(trace: Trace) -> dict:
    """The ITF object of a trace."""
    from scmcheck import __version__

    names = [v.name for v in trace.variables]
    states = []
    rows = [(None, trace.init)] + [(s, s.state) for s in trace.steps]
    for index, (step, state) in enumerate(rows):
        entry: dict = {"#meta": {"index": index, "time": step.time if step else 0.0,
                                 "process": step.process if step else None,
                                 "reads": list(step.reads) if step else [],
                                 "writes": list(step.writes) if step else []}}
        for var, value in zip(trace.variables, state):
            entry[var.name] = _enc(var.label(value))
        entry["mbt::actionTaken"] = step.action if step else "init"
        entry["mbt::nondetPicks"] = dict(step.args) if step else {}
        states.append(entry)
    out: dict = {
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_URL,
            "source": trace.target or trace.design or trace.model,
            "description": f"scmcheck counterexample: {trace.property}" if trace.property else "scmcheck trace",
            "scmcheck": {
                "version": __version__,
                "model": trace.model,
                "design": trace.design,
                "target": trace.target,
                "parameters": trace.parameters,
                "property": trace.property,
                "rules": list(trace.rules),
                "engine": trace.engine,
                "time_unit": trace.time_unit,
                "processes": trace.lanes(),
                "variables": [v.to_json() for v in trace.variables],
                "focus": list(trace.focus),
            },
        },
        "vars": names,
        "states": states,
    }
    if trace.loop is not None:  # ADR-015: the index of the state the run returns to after the last
        out["loop"] = trace.loop
    return out


def dumps(trace: Trace) -> str:
    return json.dumps(to_itf(trace), indent=1)


# ------------------------------------------------------------------ writing

def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never half.

    A new file gets mode 0644 (less the umask); a file replaced keeps its mode.
    SIGINT, SIGTERM and SIGHUP arriving meanwhile are held until the file is in
    place or its temporary file removed, then delivered: an interrupt never
    leaves a temporary file behind.  Raises OSError when the place cannot be
    written.
    """
    path = Path(path)
    data = text.encode("utf-8")
    with _signals_held():
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _new_mode(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                if hasattr(os, "fchmod"):
                    os.fchmod(fh.fileno(), mode)
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _new_mode(path: Path) -> int:
    """The mode of the file written at ``path``: the old file's, else FILE_MODE less the umask."""
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return FILE_MODE & ~umask


_HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP for the duration, then deliver them with their usual handling.

    Only the main thread can install handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old: dict[int, Any] = {}
    for sig in _HELD_SIGNALS:
        try:
            old[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
        except (OSError, ValueError):
            pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


def save(trace: Trace, path: Path) -> Path:
    """Write a trace as ITF JSON atomically."""
    write_atomic(Path(path), dumps(trace) + "\n")
    return Path(path)


# ------------------------------------------------------------------ the schema

class _Bad(Exception):
    """A field has the wrong type: ``field`` and what it should be."""

    def __init__(self, field: str, should: str, value: Any) -> None:
        super().__init__(field)
        self.field, self.should, self.value = field, should, value


def _what(value: Any) -> str:
    """What a JSON value is, in words, short and safe for any value (no repr of nested data)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"the number {text if len(text) <= 20 else text[:17] + '...'}"
    if isinstance(value, str):
        return f"the string {json.dumps(value[:30] + ('...' if len(value) > 30 else ''))}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Spec:
    should = ""

    def check(self, value: Any, field: str) -> None:
        if not self.accepts(value):
            raise _Bad(field, self.should, value)

    def accepts(self, value: Any) -> bool:  # pragma: no cover - every spec overrides check or accepts
        raise NotImplementedError


class _Scalar(_Spec):
    def __init__(self, *kinds: str) -> None:
        self.kinds = kinds
        names = {"str": "a string", "int": "an integer", "num": "a number", "bool": "true/false", "null": "null"}
        self.should = " or ".join(names[k] for k in kinds)

    def accepts(self, value: Any) -> bool:
        for kind in self.kinds:
            if kind == "null" and value is None:
                return True
            if kind == "str" and isinstance(value, str):
                return True
            if kind == "bool" and isinstance(value, bool):
                return True
            if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
                return True
            if kind == "num" and isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and _finite(value):
                return True
        return False


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


class _OneOf(_Spec):
    def __init__(self, *values: str) -> None:
        self.values = values
        self.should = "one of " + ", ".join(json.dumps(v) for v in values)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values


class _List(_Spec):
    def __init__(self, item: _Spec, nonempty: bool = False) -> None:
        self.item, self.nonempty = item, nonempty
        self.should = ("a non-empty list" if nonempty else "a list") + f" of {_plural(item.should)}"

    def check(self, value: Any, field: str) -> None:
        if not isinstance(value, list) or (self.nonempty and not value):
            raise _Bad(field, self.should, value)
        for i, item in enumerate(value):
            self.item.check(item, f"{field}[{i}]")


class _Map(_Spec):
    """An object with any keys; every value of type ``item``."""

    def __init__(self, item: _Spec) -> None:
        self.item = item
        self.should = f"an object whose values are {_plural(item.should)}"

    def check(self, value: Any, field: str) -> None:
        if not isinstance(value, dict):
            raise _Bad(field, self.should, value)
        for key, item in value.items():
            self.item.check(item, f"{field}.{key}")


class _Obj(_Spec):
    """An object with these fields (``required`` must be present); other fields are not read."""

    def __init__(self, fields: Mapping[str, _Spec], required: tuple = ()) -> None:
        self.fields, self.required = dict(fields), required
        self.should = "an object"

    def check(self, value: Any, field: str) -> None:
        if not isinstance(value, dict):
            raise _Bad(field, self.should, value)
        for key in self.required:
            if key not in value:
                raise _Bad(_join(field, key), f"present ({self.fields[key].should})", _MISSING)
        for key, spec in self.fields.items():
            if key in value:
                spec.check(value[key], _join(field, key))


_MISSING = object()


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _plural(should: str) -> str:
    return {"a string": "strings", "an integer": "integers", "a number": "numbers", "an object": "objects",
            "a string, a number, true/false or null": "strings, numbers, true/false or null"}.get(should, should)


_STR, _INT, _NUM = _Scalar("str"), _Scalar("int"), _Scalar("num")
_SCALAR = _Scalar("str", "num", "bool", "null")  # "num" takes integers too
_SCALAR.should = "a string, a number, true/false or null"

VARIABLE = _Obj({"name": _STR, "kind": _OneOf("bool", "int", "enum"), "lo": _INT, "hi": _INT,
                 "values": _List(_STR), "unit": _Scalar("num", "null")}, required=("name", "kind"))
STATE_META = _Obj({"index": _INT, "time": _NUM, "process": _Scalar("str", "null"),
                   "reads": _List(_STR), "writes": _List(_STR)})
# A state: its variables' values (checked against #meta.scmcheck.variables by _dec) and these fields.
STATE = _Obj({"#meta": STATE_META, "mbt::actionTaken": _STR, "mbt::nondetPicks": _Map(_SCALAR)})
SCMCHECK_META = _Obj({
    "version": _STR, "model": _STR, "design": _STR, "target": _STR,
    "parameters": _Map(_SCALAR), "property": _Scalar("str", "null"), "rules": _List(_STR), "engine": _STR,
    "time_unit": _Scalar("num", "null"), "processes": _List(_STR), "variables": _List(VARIABLE),
    "focus": _List(_STR),
}, required=("variables",))
SCHEMA = _Obj({
    "#meta": _Obj({"scmcheck": SCMCHECK_META}, required=("scmcheck",)),
    "vars": _List(_STR),
    "states": _List(STATE, nonempty=True),
    "loop": _Scalar("int", "null"),
}, required=("#meta", "vars", "states"))
"""Every field :func:`from_itf` reads, with its type (fields not listed are not read)."""


def validate(data: Any, source: str = "<trace>") -> None:
    """Check ``data`` against :data:`SCHEMA`; InputError naming ``source`` and the first bad field."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: not an ITF trace: the file holds {_what(data)}, not an object with "
                         "'vars' and 'states'; pass a file written by scmcheck check")
    try:
        SCHEMA.check(data, "")
    except _Bad as bad:
        if bad.value is _MISSING:
            raise InputError(f"{source}: field {bad.field} is missing; {REGENERATE}") from None
        raise InputError(f"{source}: field {bad.field} should be {bad.should}, not {_what(bad.value)}; "
                         f"{REGENERATE}") from None


# ------------------------------------------------------------------ reading

_BIGINT = re.compile(r"-?[0-9]{1,4000}")


def _dec(var: VarInfo, raw: Any, source: str, where: str) -> Any:
    """The value ``raw`` of ``var`` in field ``where`` (``states[i]``), as a model value."""
    field = f"{where}.{var.name}"
    if isinstance(raw, dict) and "#bigint" in raw:
        text = raw["#bigint"]
        if len(raw) != 1 or not isinstance(text, str) or not _BIGINT.fullmatch(text):
            raise InputError(f"{source}: field {field}.#bigint should be a string of decimal digits, "
                             f"not {_what(text)}; {REGENERATE}")
        raw = int(text)
    if var.kind == "bool":
        if isinstance(raw, bool):
            return raw
    elif var.kind == "enum":
        if isinstance(raw, str) and raw in var.values:
            return var.values.index(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    expect = {"bool": "true/false", "enum": f"one of {list(var.values)}", "int": "an integer"}[var.kind]
    raise InputError(f"{source}: field {field} should be {expect}, not {_what(raw)}; {REGENERATE}")


def from_itf(data: Any, source: str = "<trace>") -> Trace:
    """Read an ITF object written by :func:`to_itf` (raises InputError naming the field)."""
    validate(data, source)
    meta = data["#meta"]["scmcheck"]
    variables = []
    for i, v in enumerate(meta["variables"]):
        if v["kind"] == "enum" and not v.get("values"):
            raise InputError(f"{source}: field #meta.scmcheck.variables[{i}].values should list the enum's "
                             f"members; {REGENERATE}")
        variables.append(VarInfo(v["name"], v["kind"], v.get("lo", 0), v.get("hi", 1), tuple(v.get("values", ())),
                                 v.get("unit")))
    if [v.name for v in variables] != list(data["vars"]):
        raise InputError(f"{source}: field vars does not match #meta.scmcheck.variables; {REGENERATE}")
    rows = data["states"]
    decoded = []
    for i, row in enumerate(rows):
        missing = [v.name for v in variables if v.name not in row]
        if missing:
            raise InputError(f"{source}: field states[{i}] lacks {', '.join(missing)}; {REGENERATE}")
        decoded.append(tuple(_dec(v, row[v.name], source, f"states[{i}]") for v in variables))
    loop = _loop(data, decoded, source)
    steps = []
    for i, row in enumerate(rows[1:], start=1):
        action = row.get("mbt::actionTaken")
        if action is None:
            raise InputError(f"{source}: field states[{i}].mbt::actionTaken is missing; {REGENERATE}")
        m = row.get("#meta", {})
        process = m.get("process")
        steps.append(Step(action, "" if process is None else process, dict(row.get("mbt::nondetPicks", {})),
                          decoded[i], float(m.get("time", 0.0)),
                          tuple(m.get("reads", ())), tuple(m.get("writes", ()))))
    return Trace(
        model=meta.get("model", ""),
        variables=variables,
        init=decoded[0],
        steps=steps,
        property=meta.get("property"),
        rules=list(meta.get("rules", [])),
        engine=meta.get("engine", ""),
        design=meta.get("design", ""),
        target=meta.get("target", ""),
        parameters=dict(meta.get("parameters", {})),
        time_unit=meta.get("time_unit"),
        processes=list(meta.get("processes", [])),
        focus=list(meta.get("focus", [])),
        loop=loop,
    )


def _loop(data: dict, decoded: list[tuple], source: str) -> Optional[int]:
    """The top-level field ``loop`` (absent or null: a finite trace).

    Must be an integer ``0 <= loop <= len(decoded) - 1`` with
    ``decoded[loop] == decoded[-1]``; InputError naming ``source`` and the field otherwise.
    """
    raw = data.get("loop")
    if raw is None:
        return None
    last = len(decoded) - 1
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= last:
        raise InputError(f"{source}: field loop = {_what(raw)} should be a state index 0..{last} "
                         f"(the state the run returns to after the last); {REGENERATE}")
    if decoded[raw] != decoded[-1]:
        raise InputError(f"{source}: field loop = {raw}: states[{raw}] differs from the last state "
                         f"states[{last}], so the run cannot return there; {REGENERATE}")
    return raw


MAX_DEPTH = 100  # no field of a trace nests deeper than this (reported where a file too deep to read goes past it)


def load(path: Path) -> Trace:
    """Read a trace file; malformed files raise InputError naming the file and field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the trace file ({exc.strerror or exc}); check the path") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                         "pass a trace file written by scmcheck check") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        field, line, col = _too_deep(text, MAX_DEPTH) or ("(top level)", 1, 1)
        raise InputError(f"{path}: field {field} nests more than {MAX_DEPTH} levels deep (line {line}, column "
                         f"{col}), too deep to read; not a trace written by scmcheck check") from None
    except ValueError as exc:  # NaN, Infinity, a number of more than 4300 digits
        raise InputError(f"{path}: not valid JSON ({(str(exc).splitlines() or [''])[0][:120]})") from None
    return from_itf(data, str(path))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(text: str, limit: int) -> Optional[tuple[str, int, int]]:
    """``(field, line, column)`` where brackets first nest deeper than ``limit``; None if never.

    ``field`` is the path of the outermost levels (``vars[0][0]...``), enough to find the spot.
    """
    stack: list[list] = []  # per open container: [is_object, key or index, expecting a key]
    at, n = 0, len(text)
    while at < n:
        ch = text[at]
        if ch == '"':
            end = at + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if stack and stack[-1][0] and stack[-1][2]:
                try:
                    stack[-1][1] = json.loads(text[at:end + 1])
                except ValueError:
                    stack[-1][1] = "?"
            at = end + 1
            continue
        if ch in "[{":
            if len(stack) >= limit:
                line = text.count("\n", 0, at) + 1
                return _path(stack[:4]) + ("..." if len(stack) > 4 else ""), line, at - text.rfind("\n", 0, at)
            stack.append([ch == "{", "?" if ch == "{" else 0, ch == "{"])
        elif ch in "]}":
            if stack:
                stack.pop()
        elif ch == ":" and stack and stack[-1][0]:
            stack[-1][2] = False
        elif ch == "," and stack:
            if stack[-1][0]:
                stack[-1][2] = True
            else:
                stack[-1][1] += 1
        at += 1
    return None


def _path(stack: list[list]) -> str:
    out = ""
    for is_object, key, _ in stack:
        out += f"[{key}]" if not is_object else (f".{key}" if out else str(key))
    return out or "(top level)"
