"""Readable notation for model expressions, for people (the generated documentation).

:func:`~scmcheck.model.lang.expr.to_text` is the one-line form for error
messages; this module is the form a reviewer reads:

* logic in the usual symbols (``¬ ∧ ∨ ⇒``, ``= ≠ ≤ ≥``), with parentheses only
  where precedence needs them, and ``if c then a else b``;
* constants compared with, assigned to or added to an enum variable by their
  member names (``reported = STOPPED``, not ``reported == 0``), and constants
  next to a clock counter in seconds (``handler_elapsed ≤ 30 s``: the counter
  is in the model's time unit, e.g. milliseconds);
* a model's named definitions folded back into their names
  (``reported ≠ STOPPED ∨ all_threads_exited``), given ``definitions``;
* ``count(a, b)`` for the sum of ``if a then 1 else 0`` terms (``count_true``);
* long conjunctions and disjunctions broken over lines (:func:`pretty_lines`).

Only the expression tree and the variables' declared meaning are read, so the
notation follows the model as it is built, whatever its time unit.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from .expr import Expr, VarRef

# precedence: higher binds tighter
_PREC = {"ite": 0, "implies": 1, "or": 2, "and": 3, "not": 4, "eq": 5, "ne": 5, "lt": 5, "le": 5,
         "add": 6, "sub": 6, "neg": 7}
_SYM = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "add": "+", "sub": "−", "implies": "⇒", "and": "∧", "or": "∨"}
_ATOM = 9


class Notation:
    """How to print the expressions of one model.

    ``units``: variable name -> seconds per unit (clock counters); ``definitions``:
    name -> Expr, folded back into the name wherever the same expression object
    appears (definitions that are a bare variable or constant are not folded).
    """

    def __init__(self, units: Optional[Mapping[str, float]] = None,
                 definitions: Optional[Mapping[str, Expr]] = None,
                 enums: Optional[Mapping[str, Any]] = None) -> None:
        self.units = dict(units or {})
        self.enums = dict(enums or {})
        self._consts: dict[int, tuple] = {}  # id -> (node, folded value or None); the node keeps the id valid
        self.names: dict[int, str] = {}
        for name, e in (definitions or {}).items():
            if isinstance(e, Expr) and e.op not in ("var", "const") and id(e) not in self.names:
                self.names[id(e)] = name
        # an integer definition compared with an enum variable somewhere prints its constants as members
        self.def_hints: dict[str, Any] = {}
        for e in (definitions or {}).values():
            self._learn_hints(e)

    @classmethod
    def of(cls, system: Any, fold: bool = True) -> "Notation":
        """The notation of ``system`` (a System): its clock units and, with ``fold``, its definitions."""
        variables = getattr(system, "variables", ())
        units = {v.name: v.unit for v in variables if getattr(v, "unit", None)}
        enums = {v.name: v.enum for v in variables if getattr(v, "kind", "") == "enum"}
        return cls(units, getattr(system, "definitions", {}) if fold else {}, enums)

    def _learn_hints(self, e: Any) -> None:
        stack = [e]
        while stack:
            n = stack.pop()
            if not isinstance(n, Expr) or n.op in ("var", "const"):
                continue
            if n.op in ("eq", "ne", "lt", "le"):
                for x, y in ((n.args[0], n.args[1]), (n.args[1], n.args[0])):
                    name = self.names.get(id(x))
                    if name is not None and name not in self.def_hints:
                        h = self._hint(y)
                        if h is not None:
                            self.def_hints[name] = h
            stack.extend(n.args)

    # ------------------------------------------------------------ entry points
    def text(self, e: Any, hint: Any = None, root_name: str = "") -> str:
        """``e`` on one line.  ``root_name``: print a definition's own body (not its name)."""
        if hint is None and root_name:
            hint = self.def_hints.get(root_name)
        return self._show(e, hint, -1, root_name)[0]

    def update(self, update: Mapping[str, Any], width: Optional[int] = None) -> list[str]:
        """An action's update map as ``var := value`` lines, in the order given; with ``width``, a
        long value is broken over lines (:meth:`lines`), indented under its variable."""
        out = []
        for name, value in update.items():
            hint = self._hint_of_name(name, value)
            if width is None:
                out.append(f"{name} := {self.text(value, hint)}")
                continue
            body = self.lines(value, max(width - 4, 20), hint)
            if len(body) == 1:
                out.append(f"{name} := {body[0].lstrip()}")
            else:
                out.append(f"{name} :=")
                out.extend("    " + b for b in body)
        return out

    # ------------------------------------------------------------ printing
    def _hint_of_name(self, name: str, value: Any) -> Any:
        if name in self.units:
            return ("unit", self.units[name])
        if self.enums.get(name) is not None:
            return ("enum", self.enums[name])
        return None

    def _hint(self, e: Any) -> Any:
        """The display hint an expression gives its neighbours: its enum class or its time unit."""
        if isinstance(e, VarRef):
            if e.enum is not None:
                return ("enum", e.enum)
            if e.name in self.units:
                return ("unit", self.units[e.name])
            return None
        if isinstance(e, Expr):
            if e.op == "ite":
                return self._hint(e.args[1]) or self._hint(e.args[2])
            if e.op in ("add", "sub", "min", "max", "neg"):
                for a in e.args:
                    h = self._hint(a)
                    if h is not None:
                        return h
        return None

    def _const(self, value: Any, sort: str, hint: Any) -> str:
        if sort == "bool" or isinstance(value, bool):
            return "true" if value else "false"
        if hint is not None and hint[0] == "enum":
            try:
                return hint[1](int(value)).name
            except ValueError:
                return str(value)
        if hint is not None and hint[0] == "unit":
            text = _seconds(int(value) * hint[1])
        else:
            text = str(value)
        return f"(−{text[1:]})" if text.startswith("-") else text

    def _show(self, e: Any, hint: Any, outer: int, root_name: str = "") -> tuple[str, int]:
        """(text, precedence) of ``e``; parenthesised when it binds looser than ``outer`` needs."""
        text, prec = self._raw(e, hint, root_name)
        if prec < outer:
            return f"({text})", _ATOM
        return text, prec

    def _raw(self, e: Any, hint: Any, root_name: str = "") -> tuple[str, int]:
        if not isinstance(e, Expr):
            return self._const(e, "bool" if isinstance(e, bool) else "int", hint), _ATOM
        name = self.names.get(id(e))
        if name is not None and name != root_name:
            return name, _ATOM
        op, args = e.op, e.args
        if op == "const":
            return self._const(args[0], e.sort, hint), _ATOM
        if op == "var":
            return e.name, _ATOM  # type: ignore[attr-defined]
        folded = self._constant(e)
        if folded is not None:  # no variable in it: show its value (0 ≤ 0 is true)
            return self._const(folded, e.sort, hint or self._hint(e)), _ATOM
        if op in ("and", "or"):
            if self._absorbed(e):
                return ("false" if op == "and" else "true"), _ATOM
            kept = self._operands(e)
            if len(kept) != len(args):
                if not kept:
                    return ("true" if op == "and" else "false"), _ATOM
                if len(kept) == 1:
                    return self._raw(kept[0], hint)
                args = tuple(kept)
        if op == "not":
            a = args[0]
            if a.op == "eq":  # ¬(x = y) reads better as x ≠ y
                return self._raw(Expr("ne", a.args, a.sort), hint)
            if a.op == "not" and id(a) not in self.names:  # ¬¬x is x
                return self._raw(a.args[0], hint)
            inner, _ = self._show(a, None, _PREC["not"] + 1)
            return f"¬{inner}", _PREC["not"]
        if op in ("and", "or"):
            p = _PREC[op]
            parts = [self._show(a, None, p)[0] for a in args]  # ∧ and ∨ associate: no parentheses
            return f" {_SYM[op]} ".join(parts), p
        if op == "implies":
            p = _PREC[op]
            left = self._show(args[0], None, p + 1)[0]
            right = self._show(args[1], None, p)[0]
            return f"{left} ⇒ {right}", p
        if op in ("eq", "ne", "lt", "le"):
            a, b = args
            h = self._hint(a) or self._hint(b)
            if op in ("eq", "ne") and e.args[0].sort == "bool":
                short = _bool_compare(op, a, b)
                if short is not None:
                    return self._raw(short, None)
            p = _PREC[op]
            left = self._show(a, h, p + 1)[0]
            right = self._show(b, h, p + 1)[0]
            if op in ("lt", "le") and _is_const(a) and not _is_const(b):  # 0 < x reads as x > 0
                return f"{right} {'>' if op == 'lt' else '≥'} {left}", p
            return f"{left} {_SYM[op]} {right}", p
        if op in ("add", "sub"):
            count = _count_terms(e)
            if count is not None:
                return "count(" + ", ".join(self.text(c) for c in count) + ")", _ATOM
            p = _PREC[op]
            h = hint or self._hint(e)
            left = self._show(args[0], h, p)[0]
            right = self._show(args[1], h, p + 1)[0]
            return f"{left} {_SYM[op]} {right}", p
        if op == "neg":
            inner, _ = self._show(args[0], hint, _PREC["neg"] + 1)
            return f"−{inner}", _PREC["neg"]
        if op == "ite":
            c, t, f = args
            h = hint or self._hint(t) or self._hint(f)
            truth = self._truth(c)
            if truth is not None:
                return self._raw(t if truth else f, h)
            if t.op == "const" and f.op == "const" and e.sort == "int" and (t.args[0], f.args[0]) == (1, 0) \
                    and h is None:
                return f"[{self.text(c)}]", _ATOM  # 1 if c else 0
            return (f"if {self._show(c, None, 1)[0]} then {self._show(t, h, 1)[0]} "
                    f"else {self._show(f, h, 0)[0]}"), _PREC["ite"]
        if op in ("min", "max"):
            h = hint or self._hint(e)
            return f"{op}(" + ", ".join(self.text(a, h) for a in self._chain(e)) + ")", _ATOM
        return f"{op}(" + ", ".join(self.text(a) for a in args) + ")", _ATOM

    def _constant(self, e: Expr) -> Any:
        """The value of ``e`` when it reads no variable (and no named definition), else None."""
        key = id(e)
        if key in self._consts:
            return self._consts[key][1]
        value = None
        if not _has_vars(e):
            from .expr import compile_python

            try:
                value = compile_python(e)(())
            except Exception:  # noqa: BLE001 - an expression that cannot be folded is shown as it is
                value = None
        self._consts[key] = (e, value)
        return value

    def _operands(self, e: Expr) -> list:
        """The operands of a conjunction (disjunction) that are not constantly true (false)."""
        skip = e.op == "and"
        return [a for a in e.args if not (isinstance(a, Expr) and id(a) not in self.names
                                          and self._constant(a) is skip)]

    def _truth(self, e: Any) -> Optional[bool]:
        """True/False when a condition is constant as printed (folded, or a conjunction with a false
        operand, a disjunction with a true one); None otherwise."""
        if not isinstance(e, Expr) or id(e) in self.names:
            return None
        value = self._constant(e)
        if value in (True, False):
            return bool(value)
        if e.op in ("and", "or") and self._absorbed(e):
            return e.op == "or"
        return None

    def _absorbed(self, e: Expr) -> bool:
        """Is some operand of a conjunction constantly false (of a disjunction constantly true)?"""
        value = e.op == "or"
        return any(isinstance(a, Expr) and id(a) not in self.names and self._constant(a) is value for a in e.args)

    def _chain(self, e: Expr) -> list:
        """min(min(a, b), c) as [a, b, c] (and max likewise); named sub-expressions stay whole."""
        out: list = []
        for a in e.args:
            if isinstance(a, Expr) and a.op == e.op and id(a) not in self.names:
                out.extend(self._chain(a))
            else:
                out.append(a)
        return out

    # ------------------------------------------------------------ actions
    def action(self, act: Any, width: int = 60) -> tuple[list, list, list]:
        """(guard lines, update lines, "where" lines) of an action: a sub-expression it uses more
        than once (the clock's distance to the next deadline) is named once -- ``Δ`` for the time
        the step lets pass, ``E1``, ``E2``... for others -- and given under "where"."""
        elapsed = getattr(act, "elapsed_ms", None)
        exprs = [act.guard, *act.update.values(), *([elapsed] if elapsed is not None else [])]
        shared = self._shared(exprs)
        if elapsed is not None and isinstance(elapsed, Expr) and elapsed.op not in ("var", "const") \
                and all(n is not elapsed for n in shared):
            shared.insert(0, elapsed)
        taken = set(self.units) | set(self.enums) | set(self.names.values())
        names: dict[int, str] = {}
        k = 1
        for n in shared:
            if n is elapsed:
                names[id(n)] = "Δ"
                continue
            while f"E{k}" in taken:
                k += 1
            names[id(n)] = f"E{k}"
            k += 1
        saved = self.names
        self.names = {**saved, **names}
        try:
            guard = self.lines(act.guard, width)
            update = self.update(act.update, width)
            where: list = []
            for n in shared:
                name = names[id(n)]
                body = self.lines(n, width, hint=self._hint(n), root_name=name)
                where.append(f"{name} = {body[0].lstrip()}" if len(body) == 1 else f"{name} =")
                if len(body) > 1:
                    where.extend("  " + b for b in body)
        finally:
            self.names = saved
        return guard, update, where

    def _shared(self, exprs: list, limit: int = 4, least: int = 25) -> list:
        """Sub-expressions (by identity) used more than once in ``exprs``, largest first."""
        chosen: list = []
        while len(chosen) < limit:
            stop = {id(c) for c in chosen} | set(self.names)
            counts: dict[int, int] = {}
            nodes: dict[int, Expr] = {}
            for e in exprs:
                stack = [e]
                while stack:
                    n = stack.pop()
                    if not isinstance(n, Expr) or n.op in ("var", "const"):
                        continue
                    counts[id(n)] = counts.get(id(n), 0) + 1
                    nodes[id(n)] = n
                    if id(n) not in stop:
                        stack.extend(n.args)
            best = None
            for key, c in counts.items():
                if c < 2 or key in stop:
                    continue
                size = _size(nodes[key])
                if size >= least and (best is None or size > best[0]):
                    best = (size, nodes[key])
            if best is None:
                break
            chosen.append(best[1])
        return chosen

    # ------------------------------------------------------------ layout
    def lines(self, e: Any, width: int = 72, hint: Any = None, root_name: str = "") -> list[str]:
        """``e`` broken over lines: a conjunction or disjunction longer than ``width`` gets one
        operand per line, each after the operator, nested operands indented."""
        return self._lines(e, width, hint, root_name, 0)

    def _lines(self, e: Any, width: int, hint: Any, root_name: str, depth: int) -> list[str]:
        if hint is None and root_name:
            hint = self.def_hints.get(root_name)
        one = self._show(e, hint, -1, root_name)[0]
        if len(one) + 2 * depth <= width or not isinstance(e, Expr) \
                or e.op not in ("and", "or", "implies", "not", "ite", "min", "max") \
                or (self.names.get(id(e)) not in (None, root_name)) or self._constant(e) is not None:
            return [one]
        if e.op in ("min", "max"):
            h = hint or self._hint(e)
            items = self._chain(e)
            out = [f"{e.op}("]
            for k, a in enumerate(items):
                sub = self._lines(a, width - 2, h, "", depth + 1)
                if k < len(items) - 1:
                    sub[-1] += ","
                out.extend("  " + x for x in sub)
            return out + [")"]
        if e.op == "ite":
            c, t, f = e.args
            h = hint or self._hint(t) or self._hint(f)
            truth = self._truth(c)
            if truth is not None:
                return self._lines(t if truth else f, width, h, "", depth)
            out = []
            for word, part, ph in (("if", c, None), ("then", t, h), ("else", f, h)):
                sub = self._lines(part, width - 5, ph, "", depth + 1)
                out.append(f"{word} {sub[0].lstrip()}" if len(sub) == 1 else word)
                if len(sub) > 1:
                    out.extend("  " + x for x in sub)
            return out
        if e.op == "not":
            inner = e.args[0]
            if not isinstance(inner, Expr) or inner.op not in ("and", "or", "implies") or id(inner) in self.names:
                return [one]
            sub = self._lines(inner, width - 2, None, "", depth + 1)
            return ["¬("] + ["  " + s for s in sub] + [")"]
        sym = _SYM[e.op]
        out: list[str] = []
        if e.op in ("and", "or") and self._absorbed(e):
            return ["false" if e.op == "and" else "true"]
        operands = self._operands(e) if e.op in ("and", "or") else list(e.args)
        if len(operands) == 1:
            return self._lines(operands[0], width, hint, "", depth)
        for k, a in enumerate(operands):
            needs = _PREC[e.op] + (1 if e.op == "implies" and k == 0 else 0)
            sub = self._lines(a, width - 2, None, "", depth + 1)
            if len(sub) == 1:
                text = self._show(a, None, needs)[0]
                sub = [text]
            elif isinstance(a, Expr) and _PREC.get(a.op, _ATOM) < needs:
                sub = ["("] + ["  " + s for s in sub] + [")"]
            lead = "  " if k == 0 else f"{sym} "
            out.append(lead + sub[0])
            out.extend("  " + s for s in sub[1:])
        return out


def _has_vars(e: Any) -> bool:
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, VarRef):
            return True
        if isinstance(n, Expr) and n.op != "const":
            stack.extend(n.args)
    return False


def _size(e: Any) -> int:
    total, stack = 0, [e]
    while stack:
        n = stack.pop()
        total += 1
        if isinstance(n, Expr) and n.op not in ("var", "const"):
            stack.extend(n.args)
    return total


def _seconds(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text} s"


def _is_const(e: Any) -> bool:
    return not isinstance(e, Expr) or e.op == "const"


def _bool_compare(op: str, a: Expr, b: Expr) -> Optional[Expr]:
    """``x = true`` as ``x``, ``x = false`` as ``¬x`` (and the ``≠`` forms)."""
    for x, y in ((a, b), (b, a)):
        if y.op == "const":
            positive = bool(y.args[0]) == (op == "eq")
            return x if positive else Expr("not", (x,), "bool")
    return None


def _count_terms(e: Expr) -> Optional[list]:
    """The conditions of a sum of ``if c then 1 else 0`` terms (count_true), else None."""
    terms: list = []
    stack = [e]
    while stack:
        n = stack.pop()
        if n.op == "add":
            stack.extend(reversed(n.args))
        elif n.op == "ite" and n.args[1].op == "const" and n.args[2].op == "const" \
                and (n.args[1].args[0], n.args[2].args[0]) == (1, 0):
            terms.append(n.args[0])
        else:
            return None
    return terms if len(terms) >= 2 else None


def pretty(e: Any, system: Any = None, fold: bool = True) -> str:
    """``e`` in readable notation on one line (``system``: units and definitions to fold)."""
    return (Notation.of(system, fold) if system is not None else Notation()).text(e)


def pretty_lines(e: Any, system: Any = None, width: int = 72, fold: bool = True) -> list[str]:
    """``e`` in readable notation, broken over lines when longer than ``width``."""
    return (Notation.of(system, fold) if system is not None else Notation()).lines(e, width)


def reads(e: Any, notation: Optional[Notation] = None) -> tuple[set, set]:
    """(variables, definitions) an expression reads as printed: folded definitions are not
    opened, so their variables count only through the definition."""
    names = notation.names if notation is not None else {}
    vars_: set = set()
    defs: set = set()
    stack: list = [e]
    first = True
    while stack:
        n = stack.pop()
        if not isinstance(n, Expr):
            continue
        if not first and id(n) in names:
            defs.add(names[id(n)])
            continue
        first = False
        if isinstance(n, VarRef):
            vars_.add(n.name)
        elif n.op != "const":
            stack.extend(n.args)
    return vars_, defs


__all__ = ["Notation", "pretty", "pretty_lines", "reads"]
