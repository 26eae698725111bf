"""Designs: a model family with knobs, and the built-in designs.

A :class:`Family` builds a System from validated parameters; a :class:`Design`
fixes some knobs and says which catalog properties it is expected to violate
(empty: the correct pattern).  Tests hold every built-in design to that label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from .errors import InputError
from .system import System


@dataclass(frozen=True)
class Knob:
    """One design parameter with its type, range and meaning.

    A knob named ``*_s`` is a duration in seconds with millisecond precision (``2.5``,
    ``"17.25"``); one named ``*_ms`` is a whole number of milliseconds.  An int knob whose
    default is None takes its value from elsewhere (a Windows profile) unless set.
    """

    name: str
    default: Any
    doc: str
    lo: Optional[float] = None
    hi: Optional[float] = None
    choices: tuple = ()
    multiple_of: int = 1

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        return "seconds" if self.name.endswith("_s") else "int"

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "seconds":
            return f"seconds from {self.lo:g} to {self.hi:g}, with at most millisecond precision (e.g. 2.5)"
        step = f" in steps of {self.multiple_of}" if self.multiple_of > 1 else ""
        unit = " (milliseconds)" if self.name.endswith("_ms") else ""
        return f"an integer from {self.lo:g} to {self.hi:g}{step}{unit}"

    def parse(self, raw: Any, where: str) -> Any:
        """Validate ``raw`` (a CLI string or a TOML value); InputError names ``where``."""
        value = raw
        if raw is None and self.default is None:
            return None  # "the profile's default", as a trace records it
        if isinstance(raw, str):
            value = self._from_text(raw)
        ok = False
        if self.kind == "choice":
            ok = value in self.choices
        elif self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "seconds":
            value, ok = _seconds(value)
            ok = ok and self.lo <= value <= self.hi  # type: ignore[operator]
        elif isinstance(value, int) and not isinstance(value, bool):
            ok = self.lo <= value <= self.hi and value % self.multiple_of == 0  # type: ignore[operator]
        if not ok:
            shown = repr(raw)
            shown = shown if len(shown) <= 60 else shown[:50] + "..."  # one short line, whatever was given
            raise InputError(f"{where}: {self.name} = {shown} is out of range; use {self.expected()}")
        return value

    def _from_text(self, raw: str) -> Any:
        if self.kind == "bool":
            low = raw.strip().lower()
            return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(low, raw)
        if self.kind == "int":
            try:
                return int(raw)
            except ValueError:
                return raw
        if self.kind == "seconds":
            try:
                return float(raw)
            except ValueError:
                return raw
        return raw

    def to_json(self) -> dict:
        d = {"name": self.name, "type": self.kind, "default": self.default, "doc": self.doc}
        if self.kind in ("int", "seconds"):
            d.update(min=self.lo, max=self.hi)
        if self.kind == "seconds":
            d["unit"] = "s"
        elif self.name.endswith("_ms"):
            d["unit"] = "ms"
        if self.choices:
            d["choices"] = list(self.choices)
        return d


def _seconds(value: Any) -> tuple:
    """(value, ok): a duration in seconds with at most ms precision, as an int when whole."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value, False
    whole_ms = round(value * 1000)
    if abs(whole_ms - value * 1000) > 1e-6 * max(1.0, abs(value * 1000)):
        return value, False
    out = whole_ms / 1000
    return (int(out) if out == int(out) else out), True


@dataclass(frozen=True)
class Family:
    """A parameterised model: knobs, a builder, and the properties it is checked against."""

    name: str
    doc: str
    knobs: tuple
    build: Callable[[Mapping[str, Any]], System]
    properties: tuple
    check: Optional[Callable[[Mapping[str, Any]], None]] = None  # cross-knob validation

    def knob(self, name: str, where: str) -> Knob:
        for k in self.knobs:
            if k.name == name:
                return k
        known = ", ".join(k.name for k in self.knobs)
        raise InputError(f"{where}: unknown knob {name!r} for model {self.name}; known knobs: {known}")

    def parameters(self, settings: Mapping[str, Any], where: str) -> dict:
        params = {k.name: k.default for k in self.knobs}
        for name, raw in settings.items():
            params[name] = self.knob(name, where).parse(raw, where)
        if self.check is not None:
            try:
                self.check(params)
            except InputError as exc:  # knobs valid alone but not together: name where they were set
                raise InputError(f"{where}: {exc}") from None
        return params


@dataclass(frozen=True)
class Design:
    """A family with some knobs fixed, labelled with what it should violate."""

    name: str
    family: Family
    settings: dict
    expect: tuple  # property ids it violates; () for a correct design
    doc: str
    target: str = ""  # how to load it again (built-in name, file.toml, file.py:object)
    fixed: tuple = field(default_factory=tuple)  # knobs the design fixes (not overridable)
    # property ids whose subject never happens in this design (their witness is unreachable): a design
    # whose bug is "nothing ever happens" leaves entries about what happens with nothing to judge
    vacuous: tuple = field(default_factory=tuple)

    def settable(self, system: Optional[System] = None) -> list:
        """The knobs ``--param`` may set: the family's, less those the design fixes (``fixed``, and, given
        the design's ``system`` as built, every knob its build records with another value than it was given)."""
        out = [k.name for k in self.family.knobs if k.name not in self.fixed]
        if system is not None:
            given = self.parameters({})
            out = [n for n in out if n not in system.parameters or system.parameters[n] == given[n]]
        return out

    def parameters(self, overrides: Mapping[str, Any] = {}, where: str = "--param") -> dict:
        own = self.family.parameters(self.settings, self.target or f"design {self.name}")
        for name, raw in overrides.items():
            if name not in own:  # not a knob of this design: say which ones are
                raise self._unknown(name, where, self.settable())
            value = self.family.knob(name, where).parse(raw, where)
            if name in self.fixed and value != own[name]:
                from ..families import families, registry

                if families().get(self.family.name) is self.family:
                    others = [d.name for d in registry().values() if d.family is self.family and name not in d.fixed]
                    hint = f"design {others[0]}" if others else "a design"
                    raise InputError(f"{where}: {name} is what design {self.name} is about and cannot be changed; "
                                     f"use {hint}, or a design file with model = \"{self.family.name}\", to set it")
                raise InputError(f"{where}: {name} is fixed by design {self.name} ({name} = {_text(own[name])}) and "
                                 f"cannot be changed; knobs you can set: {', '.join(self.settable()) or 'none'}")
        return self.family.parameters({**self.settings, **overrides}, where)

    def build(self, overrides: Mapping[str, Any] = {}, where: str = "--param") -> System:
        """The design's System with knob ``overrides``.

        InputError for a knob the design does not let you set: one it declares ``fixed``, and one its
        build fixes itself (``build({**p, "knob": value})``): the System records another value than
        was asked for, and the design's own build records that same value, so the setting would
        silently change nothing.  (A build records its knobs' values as it was given them.)
        """
        unknown = [n for n in overrides if n not in {k.name for k in self.family.knobs}]
        if unknown:  # say which knobs can be set, less any the design's own build fixes
            raise self._unknown(unknown[0], where, self.settable(self.family.build(self.parameters({}))))
        wanted = self.parameters(overrides, where)
        system = self.family.build(wanted)
        recorded = getattr(system, "parameters", None) or {}
        ignored = [n for n in overrides if n in recorded and recorded[n] != wanted[n]]
        if ignored:
            own = self.family.build(self.parameters({}))
            for name in ignored:  # the setting changed nothing: the build records what it records without it
                if own.parameters.get(name) == recorded[name]:
                    settable = [n for n in self.settable(own) if n != name]
                    raise InputError(f"{where}: {name} is fixed by design {self.name} ({name} = "
                                     f"{_text(recorded[name])}, set by its build) and cannot be changed; "
                                     f"knobs you can set: {', '.join(settable) or 'none'}")
        return system

    def _unknown(self, name: str, where: str, settable: list) -> InputError:
        model = f" (model {self.family.name})" if self.family.name != self.name else ""
        return InputError(f"{where}: unknown knob {name!r} for design {self.name}{model}; knobs you can set: "
                          f"{', '.join(settable) or 'none'}")

    @property
    def label(self) -> str:
        text = "correct" if not self.expect else "violates " + ", ".join(self.expect)
        return text + ("; vacuous: " + ", ".join(self.vacuous) if self.vacuous else "")


def _text(value: Any) -> str:
    """A knob value as the command line writes it (true/false for booleans)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
