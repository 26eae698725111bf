"""Expressions over state variables, written once and interpreted twice.

A guard or an update is an :class:`Expr` tree.  The explicit engine and the
Hypothesis engine run it as compiled Python over a state tuple; BMC translates
it into Z3 terms.  Nothing else carries a second copy of a model's semantics.

Python's ``and``/``or``/``not``/``if`` cannot be overloaded, so an Expr refuses
to be used as a Python truth value (``__bool__`` raises) and the combinators
:func:`all_of`, :func:`any_of`, :func:`not_`, :func:`implies` and :func:`ite`
take their place.  ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``+`` and ``-``
are overloaded and build expressions.
"""

from __future__ import annotations

import enum
from typing import Any, Callable, Optional, Sequence

from .errors import ModelError

BOOL = "bool"
INT = "int"

_BOOL_OPS = {"not", "and", "or", "implies"}
_CMP_OPS = {"eq", "ne", "lt", "le"}
_ARITH_OPS = {"add", "sub", "neg", "min", "max"}


class Expr:
    """A typed expression node: ``op`` with ``args``; ``sort`` is 'bool' or 'int'."""

    __slots__ = ("op", "args", "sort")

    def __init__(self, op: str, args: tuple, sort: str) -> None:
        self.op = op
        self.args = args
        self.sort = sort

    # Expressions are used as dict keys (update maps), so identity hashing.
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise ModelError(
            f"expression {self} was used as a Python truth value (and/or/not/if); "
            "use all_of(), any_of(), not_(), implies() or ite() instead"
        )

    def __repr__(self) -> str:
        return to_text(self)

    def __eq__(self, other: Any) -> "Expr":  # type: ignore[override]
        a, b = _pair(self, other, "==")
        return Expr("eq", (a, b), BOOL)

    def __ne__(self, other: Any) -> "Expr":  # type: ignore[override]
        a, b = _pair(self, other, "!=")
        return Expr("ne", (a, b), BOOL)

    def __lt__(self, other: Any) -> "Expr":
        a, b = _ints(self, other, "<")
        return Expr("lt", (a, b), BOOL)

    def __le__(self, other: Any) -> "Expr":
        a, b = _ints(self, other, "<=")
        return Expr("le", (a, b), BOOL)

    def __gt__(self, other: Any) -> "Expr":
        a, b = _ints(self, other, ">")
        return Expr("lt", (b, a), BOOL)

    def __ge__(self, other: Any) -> "Expr":
        a, b = _ints(self, other, ">=")
        return Expr("le", (b, a), BOOL)

    def __add__(self, other: Any) -> "Expr":
        return Expr("add", _ints(self, other, "+"), INT)

    def __radd__(self, other: Any) -> "Expr":
        return Expr("add", _ints(other, self, "+"), INT)

    def __sub__(self, other: Any) -> "Expr":
        return Expr("sub", _ints(self, other, "-"), INT)

    def __rsub__(self, other: Any) -> "Expr":
        return Expr("sub", _ints(other, self, "-"), INT)

    def __neg__(self) -> "Expr":
        return Expr("neg", (_ints(self, 0, "-")[0],), INT)

    def __and__(self, other: Any) -> "Expr":
        return all_of(self, other)

    def __rand__(self, other: Any) -> "Expr":
        return all_of(other, self)

    def __or__(self, other: Any) -> "Expr":
        return any_of(self, other)

    def __ror__(self, other: Any) -> "Expr":
        return any_of(other, self)

    def __invert__(self) -> "Expr":
        return not_(self)


class VarRef(Expr):
    """A reference to state variable number ``index`` (set when the system is built)."""

    __slots__ = ("name", "index", "lo", "hi", "enum")

    def __init__(self, name: str, index: int, sort: str, lo: int, hi: int, enum_cls: Any = None) -> None:
        super().__init__("var", (), sort)
        self.name = name
        self.index = index
        self.lo = lo
        self.hi = hi
        self.enum = enum_cls  # the IntEnum of an enum variable, so members of another enum are refused


def lift(value: Any) -> Expr:
    """Turn a Python bool/int/IntEnum (or an Expr) into an Expr."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Expr("const", (value,), BOOL)
    if isinstance(value, int):  # includes IntEnum members
        return Expr("const", (int(value),), INT)
    raise ModelError(
        f"cannot use {value!r} (a {type(value).__name__}) in a model expression; "
        "use a bool, an int, an IntEnum member or another expression"
    )


def enum_class(value: Any) -> Any:
    """The IntEnum class of an enum variable or member, else None."""
    if isinstance(value, VarRef):
        return value.enum
    return type(value) if isinstance(value, enum.IntEnum) else None


def _pair(a: Any, b: Any, op: str) -> tuple[Expr, Expr]:
    ea, eb = enum_class(a), enum_class(b)
    if ea is not None and eb is not None and ea is not eb:
        raise ModelError(f"'{op}' mixes enums: {a!r} is a {ea.__name__} but {b!r} is a {eb.__name__}")
    x, y = lift(a), lift(b)
    if x.sort != y.sort:
        raise ModelError(f"'{op}' compares a {x.sort} ({x}) with a {y.sort} ({y}); compare like with like")
    return x, y


def _ints(a: Any, b: Any, op: str) -> tuple[Expr, Expr]:
    x, y = lift(a), lift(b)
    for e in (x, y):
        if e.sort != INT:
            raise ModelError(f"'{op}' needs integers but got the {e.sort} {e}")
    return x, y


def _bools(items: Sequence[Any], op: str) -> tuple[Expr, ...]:
    out = tuple(lift(i) for i in items)
    for e in out:
        if e.sort != BOOL:
            raise ModelError(f"{op}() needs boolean expressions but got the {e.sort} {e}")
    return out


def _flatten(items: Sequence[Any]) -> list:
    flat: list = []
    for i in items:
        if isinstance(i, (list, tuple)) or (hasattr(i, "__iter__") and not isinstance(i, (Expr, str))):
            flat.extend(_flatten(list(i)))
        else:
            flat.append(i)
    return flat


TRUE = Expr("const", (True,), BOOL)
FALSE = Expr("const", (False,), BOOL)


def all_of(*items: Any) -> Expr:
    """Conjunction; accepts expressions, bools, or iterables of them.  Empty = true."""
    args = _bools(_flatten(items), "all_of")
    args = tuple(a for a in args if not (a.op == "const" and a.args[0] is True))
    if any(a.op == "const" and a.args[0] is False for a in args):
        return FALSE
    if not args:
        return TRUE
    return args[0] if len(args) == 1 else Expr("and", args, BOOL)


def any_of(*items: Any) -> Expr:
    """Disjunction; accepts expressions, bools, or iterables of them.  Empty = false."""
    args = _bools(_flatten(items), "any_of")
    args = tuple(a for a in args if not (a.op == "const" and a.args[0] is False))
    if any(a.op == "const" and a.args[0] is True for a in args):
        return TRUE
    if not args:
        return FALSE
    return args[0] if len(args) == 1 else Expr("or", args, BOOL)


def not_(item: Any) -> Expr:
    """Negation."""
    (a,) = _bools([item], "not_")
    if a.op == "const":
        return lift(not a.args[0])
    return Expr("not", (a,), BOOL)


def implies(a: Any, b: Any) -> Expr:
    """Implication a => b."""
    x, y = _bools([a, b], "implies")
    return Expr("implies", (x, y), BOOL)


def ite(cond: Any, then: Any, other: Any) -> Expr:
    """If-then-else over expressions of the same sort."""
    (c,) = _bools([cond], "ite")
    t, e = _pair(then, other, "ite")
    if c.op == "const":
        return t if c.args[0] else e
    return Expr("ite", (c, t, e), t.sort)


def min_(a: Any, b: Any) -> Expr:
    """The smaller of two integers (saturating arithmetic without an ite)."""
    return Expr("min", _ints(a, b, "min_"), INT)


def max_(a: Any, b: Any) -> Expr:
    """The larger of two integers."""
    return Expr("max", _ints(a, b, "max_"), INT)


def count_true(items: Sequence[Any]) -> Expr:
    """How many of the boolean expressions are true (an integer expression)."""
    terms = [ite(b, 1, 0) for b in _bools(_flatten(items), "count_true")]
    if not terms:
        return lift(0)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


# ---------------------------------------------------------------- analysis

def variables(e: Expr) -> set[str]:
    """Names of the state variables an expression reads."""
    out: set[str] = set()
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, VarRef):
            out.add(n.name)
        elif n.op != "const":
            stack.extend(n.args)
    return out


def substitute(e: Expr, mapping: dict) -> Expr:
    """``e`` with every variable named in ``mapping`` replaced by ``mapping[name]`` (an Expr):
    evaluated on the old state, the result is ``e``'s value in the state an update leads to."""
    if isinstance(e, VarRef):
        return mapping.get(e.name, e)
    if e.op == "const" or not e.args:
        return e
    args = tuple(substitute(a, mapping) if isinstance(a, Expr) else a for a in e.args)
    return Expr(e.op, args, e.sort)


def interval(e: Expr) -> tuple[int, int]:
    """Bounds an integer expression can take given its variables' ranges."""
    op = e.op
    if op == "const":
        v = int(e.args[0])
        return v, v
    if op == "var":
        return e.lo, e.hi  # type: ignore[attr-defined]
    if e.sort == BOOL:
        return 0, 1
    if op == "ite":
        (a, b), (c, d) = interval(e.args[1]), interval(e.args[2])
        return min(a, c), max(b, d)
    if op == "neg":
        a, b = interval(e.args[0])
        return -b, -a
    (a, b), (c, d) = interval(e.args[0]), interval(e.args[1])
    if op == "add":
        return a + c, b + d
    if op == "sub":
        return a - d, b - c
    if op == "min":
        return min(a, c), min(b, d)
    if op == "max":
        return max(a, c), max(b, d)
    raise ModelError(f"unknown integer operator {op}")


def max_magnitude(e: Expr) -> int:
    """Largest absolute value any sub-expression of ``e`` can take."""
    best = 0
    stack = [e]
    while stack:
        n = stack.pop()
        if n.sort == INT:
            lo, hi = interval(n)
            best = max(best, abs(lo), abs(hi))
        if n.op not in ("const", "var"):
            stack.extend(n.args)
    return best


# ---------------------------------------------------------------- Python

_PY_BIN = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "add": "+", "sub": "-"}


def to_python(e: Expr, state: str = "v") -> str:
    """Python source evaluating ``e`` over the state tuple named ``state``."""
    op = e.op
    if op == "const":
        return repr(e.args[0])
    if op == "var":
        return f"{state}[{e.index}]"  # type: ignore[attr-defined]
    args = [to_python(a, state) for a in e.args]
    if op in _PY_BIN:
        return f"({args[0]} {_PY_BIN[op]} {args[1]})"
    if op == "not":
        return f"(not {args[0]})"
    if op == "and":
        return "(" + " and ".join(args) + ")"
    if op == "or":
        return "(" + " or ".join(args) + ")"
    if op == "implies":
        return f"((not {args[0]}) or {args[1]})"
    if op == "ite":
        return f"({args[1]} if {args[0]} else {args[2]})"
    if op == "neg":
        return f"(-{args[0]})"
    if op in ("min", "max"):
        return f"{op}({args[0]}, {args[1]})"
    raise ModelError(f"unknown operator {op}")


def compile_python(e: Expr) -> Callable[[tuple], Any]:
    """A Python function of the state tuple that evaluates ``e``."""
    return eval(f"lambda v: {to_python(e)}", {"min": min, "max": max})  # noqa: S307 - our own AST


# ---------------------------------------------------------------- Z3

def to_z3(e: Expr, env: Sequence[Any], width: Optional[int], cache: Optional[dict] = None) -> Any:
    """Translate ``e`` into a Z3 term; ``env[i]`` is the Z3 term of variable i.

    Integers are ``width``-bit signed bit-vectors: the width is chosen by the
    system from interval analysis so that no sub-expression can overflow, which
    makes the bit-vector meaning equal to Python's integer meaning.  ``width``
    None: mathematical integers (Z3's Int sort, for the Horn-clause engine).  ``cache``
    (keyed by node identity, for one ``env``) translates a sub-expression shared
    by several places once -- the clock's distance to the next deadline is
    read by every timer's update.
    """
    if cache is None:
        cache = {}
    key = id(e)
    hit = cache.get(key)
    if hit is not None and hit[0] is e:
        return hit[1]
    term = _to_z3(e, env, width, cache)
    cache[key] = (e, term)
    return term


def _to_z3(e: Expr, env: Sequence[Any], width: Optional[int], cache: dict) -> Any:
    import z3

    op = e.op
    if op == "const":
        v = e.args[0]
        if e.sort == BOOL:
            return z3.BoolVal(v)
        return z3.IntVal(int(v)) if width is None else z3.BitVecVal(int(v), width)
    if op == "var":
        return env[e.index]  # type: ignore[attr-defined]
    a = [to_z3(x, env, width, cache) for x in e.args]
    if op == "not":
        return z3.Not(a[0])
    if op == "and":
        return z3.And(*a)
    if op == "or":
        return z3.Or(*a)
    if op == "implies":
        return z3.Implies(a[0], a[1])
    if op == "ite":
        return z3.If(a[0], a[1], a[2])
    if op == "eq":
        return a[0] == a[1]
    if op == "ne":
        return a[0] != a[1]
    if op == "lt":
        return a[0] < a[1]  # signed for bit-vectors in z3py
    if op == "le":
        return a[0] <= a[1]
    if op == "add":
        return a[0] + a[1]
    if op == "sub":
        return a[0] - a[1]
    if op == "neg":
        return -a[0]
    if op == "min":
        return z3.If(a[0] <= a[1], a[0], a[1])
    if op == "max":
        return z3.If(a[0] >= a[1], a[0], a[1])
    raise ModelError(f"unknown operator {op}")


# ---------------------------------------------------------------- text

_TXT_BIN = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "add": "+", "sub": "-", "implies": "=>"}


def to_text(e: Expr) -> str:
    """A readable rendering, for error messages and the invariant reference."""
    op = e.op
    if op == "const":
        return str(e.args[0]).lower() if e.sort == BOOL else str(e.args[0])
    if op == "var":
        return e.name  # type: ignore[attr-defined]
    args = [to_text(a) for a in e.args]
    if op in _TXT_BIN:
        return f"({args[0]} {_TXT_BIN[op]} {args[1]})"
    if op == "not":
        return f"!{args[0]}"
    if op == "and":
        return "(" + " && ".join(args) + ")"
    if op == "or":
        return "(" + " || ".join(args) + ")"
    if op == "ite":
        return f"({args[0]} ? {args[1]} : {args[2]})"
    if op == "neg":
        return f"-{args[0]}"
    return f"{op}({', '.join(args)})"
