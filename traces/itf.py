"""Traces as ITF JSON (Apalache ADR-015), with Quint's ``mbt::actionTaken`` and
``mbt::nondetPicks`` per state, so other tools can read our counterexamples.
A lasso (``Trace.loop``) carries ADR-015's top-level ``loop``: the index of
the state the run returns to after the last state."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from scmcheck.model.lang.errors import InputError

from .trace import Step, Trace, VarInfo

FORMAT_URL = "https://apalache-mc.org/docs/adr/015adr-trace.html"


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


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(trace: Trace, path: Path) -> Path:
    """Write a trace as ITF JSON atomically."""
    write_atomic(Path(path), dumps(trace) + "\n")
    return Path(path)


def _dec(var: VarInfo, raw: Any, where: str) -> Any:
    if isinstance(raw, dict) and "#bigint" in raw:
        raw = int(raw["#bigint"])
    if var.kind == "bool":
        if isinstance(raw, bool):
            return raw
    elif var.kind == "enum":
        if raw in var.values:
            return var.values.index(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    expect = {"bool": "true/false", "enum": f"one of {list(var.values)}", "int": "an integer"}[var.kind]
    raise InputError(f"{where}: {var.name} = {raw!r} should be {expect}; regenerate the trace with scmcheck check")


def from_itf(data: Any, source: str = "<trace>") -> Trace:
    """Read an ITF object written by :func:`to_itf` (raises InputError naming the field)."""
    if not isinstance(data, dict) or "states" not in data or "vars" not in data:
        raise InputError(f"{source}: not an ITF trace (needs 'vars' and 'states'); pass a file written by scmcheck check")
    meta = data.get("#meta", {}).get("scmcheck")
    if not isinstance(meta, dict) or "variables" not in meta:
        raise InputError(f"{source}: field #meta.scmcheck.variables is missing; this ITF file was not written by scmcheck")
    try:
        variables = [VarInfo(v["name"], v["kind"], v.get("lo", 0), v.get("hi", 1), tuple(v.get("values", ())),
                             v.get("unit"))
                     for v in meta["variables"]]
    except (KeyError, TypeError) as exc:
        raise InputError(f"{source}: field #meta.scmcheck.variables is malformed ({exc}); regenerate the trace") from None
    if [v.name for v in variables] != list(data["vars"]):
        raise InputError(f"{source}: field vars does not match #meta.scmcheck.variables; regenerate the trace")
    rows = data["states"]
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{source}: field states must be a non-empty list")
    decoded = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{source}: states[{i}] is not an object")
        missing = [v.name for v in variables if v.name not in row]
        if missing:
            raise InputError(f"{source}: states[{i}] lacks {', '.join(missing)}")
        decoded.append(tuple(_dec(v, row[v.name], f"{source}: states[{i}]") for v in variables))
    loop = _loop(data, decoded, source)
    steps = []
    for i, row in enumerate(rows[1:], start=1):
        action = row.get("mbt::actionTaken")
        if not isinstance(action, str):
            raise InputError(f"{source}: states[{i}] has no mbt::actionTaken string")
        m = row.get("#meta", {})
        steps.append(Step(action, str(m.get("process", "")), dict(row.get("mbt::nondetPicks", {})),
                          decoded[i], float(m.get("time", 0.0)),
                          tuple(m.get("reads", ())), tuple(m.get("writes", ()))))
    return Trace(
        model=str(meta.get("model", "")),
        variables=variables,
        init=decoded[0],
        steps=steps,
        property=meta.get("property"),
        rules=list(meta.get("rules", [])),
        engine=str(meta.get("engine", "")),
        design=str(meta.get("design", "")),
        target=str(meta.get("target", "")),
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
        raise InputError(f"{source}: field loop = {raw!r} should be a state index 0..{last} "
                         "(the state the run returns to after the last); regenerate the trace")
    if decoded[raw] != decoded[-1]:
        raise InputError(f"{source}: field loop = {raw}: states[{raw}] differs from the last state "
                         f"states[{last}], so the run cannot return there; regenerate the trace")
    return raw


def load(path: Path) -> Trace:
    """Read a trace file; malformed files raise InputError naming the file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the trace file ({exc.strerror}); check the path") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return from_itf(data, str(path))
