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
    """One design parameter with its type, range and meaning."""

    name: str
    default: Any
    doc: str
    lo: Optional[int] = None
    hi: Optional[int] = None
    choices: tuple = ()
    multiple_of: int = 1

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        return "bool" if isinstance(self.default, bool) else "int"

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        step = f" in steps of {self.multiple_of}" if self.multiple_of > 1 else ""
        return f"an integer from {self.lo} to {self.hi}{step}"

    def parse(self, raw: Any, where: str) -> Any:
        """Validate ``raw`` (a CLI string or a TOML value); InputError names ``where``."""
        value = raw
        if isinstance(raw, str):
            value = self._from_text(raw)
        ok = False
        if self.kind == "choice":
            ok = value in self.choices
        elif self.kind == "bool":
            ok = isinstance(value, bool)
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
        return raw

    def to_json(self) -> dict:
        d = {"name": self.name, "type": self.kind, "default": self.default, "doc": self.doc}
        if self.kind == "int":
            d.update(min=self.lo, max=self.hi)
        if self.choices:
            d["choices"] = list(self.choices)
        return d


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

    def parameters(self, overrides: Mapping[str, Any] = {}, where: str = "--param") -> dict:
        own = self.family.parameters(self.settings, self.target or f"design {self.name}")
        for name, raw in overrides.items():
            value = self.family.knob(name, where).parse(raw, where)
            if name in self.fixed and value != own[name]:
                from ..families import registry

                others = [d.name for d in registry().values() if d.family is self.family and name not in d.fixed]
                hint = f"design {others[0]}" if others else "a design"
                raise InputError(f"{where}: {name} is what design {self.name} is about and cannot be changed; "
                                 f"use {hint}, or a design file with model = \"{self.family.name}\", to set it")
        return self.family.parameters({**self.settings, **overrides}, where)

    def build(self, overrides: Mapping[str, Any] = {}, where: str = "--param") -> System:
        return self.family.build(self.parameters(overrides, where))

    @property
    def label(self) -> str:
        text = "correct" if not self.expect else "violates " + ", ".join(self.expect)
        return text + ("; vacuous: " + ", ".join(self.vacuous) if self.vacuous else "")
