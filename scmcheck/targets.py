"""Resolve a check TARGET: a built-in design, a .toml design file, or file.py:object."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from scmcheck.model.designs import Design, Family, built_in, families
from scmcheck.model.lang.errors import InputError, ScmcheckError
from scmcheck.model.lang.system import System

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


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


def load(target: str, params: Mapping[str, Any] = {}, exact: bool = False) -> Loaded:
    """Resolve ``target`` and build its system with ``params`` (knob overrides).

    With ``exact`` the parameters are a complete set recorded in a trace: a
    fixed System target must then have exactly those parameters.
    """
    if target.endswith(".toml"):
        design = _from_toml(Path(target))
    elif ".py:" in target or target.endswith(".py"):
        return _from_python(target, params, exact)
    else:
        design = built_in(target)
    return _loaded(design, target, params)


def _loaded(design: Design, target: str, params: Mapping[str, Any]) -> Loaded:
    system = design.build(params)
    return Loaded(design.name, target, system, dict(system.parameters), design.family.properties, design.expect,
                  design.parameters({}), tuple(design.vacuous))


def _from_toml(path: Path) -> Design:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the design file ({exc.strerror}); check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    fams = families()
    model = data.pop("model", None)
    if model is None:
        raise InputError(f"{path}: field 'model' is missing; add model = \"{next(iter(fams))}\" (one of {', '.join(fams)})")
    if model not in fams:
        raise InputError(f"{path}: field 'model' = {model!r} is not a model family; use one of {', '.join(fams)}")
    family = fams[model]
    name = data.pop("name", path.stem)
    doc = data.pop("description", f"design file {path}")
    expect = data.pop("expect", None)
    if expect is not None and not (isinstance(expect, list) and all(isinstance(e, str) for e in expect)):
        raise InputError(f"{path}: field 'expect' must be a list of property ids, e.g. expect = [\"{family.properties[0]}\"]")
    for key in data:
        family.knob(key, f"{path}: field '{key}'")
    family.parameters(data, str(path))  # validate now, so errors name the file
    return Design(str(name), family, dict(data), tuple(expect or ()), str(doc), target=str(path))


def _from_python(target: str, params: Mapping[str, Any], exact: bool = False) -> Loaded:
    file, _, attr = target.rpartition(":") if ".py:" in target else (target, "", "design")
    path = Path(file)
    if not path.is_file():
        raise InputError(f"{target}: no such file {path}; give file.py:object with an existing file")
    mod_name = f"scmcheck_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{target}: {path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except ScmcheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - a user's module failing to import is bad input
        raise InputError(f"{target}: importing {path} failed: {type(exc).__name__}: {exc}") from None
    if not hasattr(module, attr):
        found = [k for k, v in vars(module).items() if isinstance(v, (Design, Family, System))]
        raise InputError(f"{target}: {path} has no object {attr!r}; designs found there: {', '.join(found) or 'none'}")
    obj = getattr(module, attr)
    if callable(obj) and not isinstance(obj, (Design, Family, System)):
        try:
            obj = obj()
        except ScmcheckError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{target}: calling {attr}() failed: {type(exc).__name__}: {exc}") from None
    if isinstance(obj, Family):
        obj = Design(obj.name, obj, {}, (), obj.doc, target=target)
    if isinstance(obj, Design):
        return _loaded(obj, target, params)
    if isinstance(obj, System):
        if exact and dict(params) == dict(obj.parameters):
            params = {}
        if params:
            raise InputError(f"{target}: {attr} is a fixed System with no knobs; drop --param or export a Design")
        return Loaded(obj.name, target, obj, dict(obj.parameters), (), None)
    raise InputError(f"{target}: {attr} is a {type(obj).__name__}; export a Design, a Family, a System, "
                     "or a function returning one")
