"""Packed states and generated code over them, for the explicit engine's search loop.

A state (the tuple of variable values, :meth:`System.init_state`) packs into one
Python int: variable ``i`` holds ``value - lo`` in bits ``[off_i, off_i + width_i)``,
``width_i = (hi - lo).bit_length()``; booleans are one bit.  Such an int is small
(a few dozen bytes, hashed fast) where the tuple costs 8 bytes per variable plus
a header and is re-hashed element by element on every set look-up.

Code over packed states is generated from the actions' and properties' Expr
trees, the one definition of the model: each node is rendered by
``expr.to_python`` (so operators mean exactly what they mean everywhere else),
with its children replaced by the code computed for them here:

* a variable read is ``((s >> off) & mask)`` (``+ lo`` for a shifted domain); a
  boolean tested is ``s & bit``, a comparison with a constant ``(s & mask) < c'``;
* actions next to each other whose guards start with the same conjunct share one
  ``if`` (the workers' exits all start with "the stop event is set"), recursively;
  a guard that another action's first test reads whole (the clock's "no urgent
  step is enabled" reads every urgent step's guard) is tested whole;
* a sub-expression that a first test reads (it is computed for every state) and
  something else in the same block reads too is computed once, into a local, and
  so is one an action's update reads twice (the distance to the next deadline,
  read by every time step and every timer's update); constants are folded, and a
  ``min``/``max`` that the variables' ranges decide (``expr.interval``) is dropped;
* a next state is ``(s & keep) | constants | (value - lo) << off ...``: one mask
  for the fields the action writes, its constant fields pre-shifted.

Expressions are pure and total over integers and booleans (no division), so
computing a shared sub-expression before a short-circuit would skip it changes
time, never a value.  Successors come out in action order, as
``System.successors`` gives them.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Optional, Sequence

from .expr import BOOL, Expr, interval, to_python

Packed = int

_COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<="}
_SIMPLE = re.compile(r"^(?:[A-Za-z_]\w*|-?\d+)$")  # a name or an integer: safe to read twice


class _Raw(str):
    """Code already rendered: ``to_python`` prints a constant by ``repr``, so a const node
    holding a _Raw prints the code itself."""

    def __repr__(self) -> str:
        return str(self)


def conjuncts(e: Expr) -> list[Expr]:
    """``e`` as a list of conjuncts, left to right (nested ``and`` flattened); [] for true."""
    if e.op == "const" and e.args[0] is True:
        return []
    if e.op == "and":
        return [c for a in e.args for c in conjuncts(a)]
    return [e]


class Packing:
    """The bit layout of one frozen system's states, and code generated over it.

    ``offsets[i]``, ``widths[i]``, ``lows[i]``: variable ``i``'s field (bits) and the
    value stored as 0; narrow fields first.  ``bits``: the width of a packed state.
    """

    def __init__(self, system: Any) -> None:
        system.freeze()
        self.system = system
        widths = [(v.hi - v.lo).bit_length() for v in system.variables]
        # Narrow fields in the low bits: a set finds an int's slot from its low bits (an int's hash
        # is its value modulo 2**61 - 1), and the flags and small counters of a process family are
        # what differs most between states, so they spread the states over the table; wide clock
        # counters in the low bits would pile states up in a few slots (measured: 15% slower).
        self.offsets: list[int] = [0] * len(widths)
        off = 0
        for i in sorted(range(len(widths)), key=lambda i: widths[i]):
            self.offsets[i] = off
            off += widths[i]
        self.widths: list[int] = widths
        self.lows: list[int] = [v.lo for v in system.variables]
        self.bits = off
        # id(node) -> (node, its to_python text): a node's identity up to structure.  The node is kept
        # so that its id is not reused by another node while the entry exists.
        self._keys: dict[int, tuple] = {}
        self.unpack: Callable[[Packed], tuple] = self._compile_unpack()
        self.successors: Callable[[Packed], list] = self.successors_fn()

    # ------------------------------------------------------------ codec
    def pack(self, state: Sequence[Any]) -> Packed:
        """The packed form of a state tuple (values inside their domains)."""
        code = 0
        for value, off, lo in zip(state, self.offsets, self.lows):
            code |= (int(value) - lo) << off
        return code

    def _compile_unpack(self) -> Callable[[Packed], tuple]:
        parts = []
        for v, off, width, lo in zip(self.system.variables, self.offsets, self.widths, self.lows):
            if v.kind == "bool":
                parts.append(f"(((s >> {off}) & 1) == 1)")
            else:
                parts.append(self._field(off, width, lo))
        return _build("def unpack(s):\n    return (" + ", ".join(parts) + ",)\n", "unpack", {})

    @staticmethod
    def _field(off: int, width: int, lo: int) -> str:
        if width == 0:
            return repr(lo)
        code = f"(s & {(1 << width) - 1})" if off == 0 else f"((s >> {off}) & {(1 << width) - 1})"
        return f"({code} + {lo})" if lo else code

    # ------------------------------------------------------------ generated functions
    def predicate(self, exprs: Sequence[Expr]) -> Callable[[Packed], bool]:
        """One function of a packed state: do all of ``exprs`` (boolean Exprs) hold?"""
        if not exprs:
            return lambda s: True
        gen = _Gen(self)
        lines: list[str] = []
        scope = gen.hoist(lines, [[e] for e in exprs], {}, "    ", heads=range(len(exprs)))
        body = " and ".join(gen.code(e, scope, cond=True) for e in exprs)
        src = "def holds(s):\n" + "".join(lines) + f"    return True if {body} else False\n"
        return _build(src, "holds", gen.env)

    def canonicalizer(self) -> Optional[Callable[[Packed], Packed]]:
        """``canon(s)``: the packed representative of ``s``'s orbit under the declared symmetries, the
        members' fields sorted (scmcheck.model.lang.symmetry); None when the system declares none.

        Each member's fields are gathered into one key (its first variable lowest), the keys sorted,
        and key i written back into member i's fields.  Any fixed order of the keys gives one
        representative per orbit; this one need not be ``symmetry.canonicalizer``'s on tuples."""
        if not self.system.symmetries:
            return None
        lines = ["def canon(s):\n"]
        for f, sym in enumerate(self.system.symmetries):
            width = [self.widths[x] for x in sym.members[0]]
            shift = [sum(width[:j]) for j in range(len(width))]
            keys = []
            clear = 0
            for mem in sym.members:
                parts = []
                for j, x in enumerate(mem):
                    field = self._field(self.offsets[x], self.widths[x], 0)
                    parts.append(f"({field} << {shift[j]})" if shift[j] else field)
                    clear |= ((1 << self.widths[x]) - 1) << self.offsets[x]
                keys.append(" | ".join(parts) or "0")
            lines.append(f"    k{f} = sorted(({', '.join(keys)},))\n")
            lines.append(f"    s &= {~clear}\n")
            for i, mem in enumerate(sym.members):
                for j, x in enumerate(mem):
                    if self.widths[x]:
                        lines.append(f"    s |= ((k{f}[{i}] >> {shift[j]}) & {(1 << self.widths[x]) - 1}) << "
                                     f"{self.offsets[x]}\n")
        lines.append("    return s\n")
        return _build("".join(lines), "canon", {})

    def successors_fn(self) -> Callable[..., list]:
        """One function for every action: ``successors(s)``, packed state -> ``[(action index, next
        packed state)]`` in action order, one pair per enabled action, as ``System.successors``
        gives them (and a ModelError for an update out of its range, as it raises it).

        ``successors(s, seen)`` (``seen`` a set of packed states) gives only the pairs whose next
        state is not in ``seen``, and adds each to ``seen``: the new states a search finds in ``s``,
        each once (the first action reaching it), with one set look-up per edge."""
        gen = _Gen(self)
        # A guard that another guard's first test reads whole (the clock's "no urgent step is
        # enabled" reads every urgent step's guard) is tested whole, so it is computed once for both.
        inner: set = set()
        for a in self.system.actions:
            head = conjuncts(a.guard)[:1]
            stack = list(head[0].args) if head and head[0].op not in ("const", "var") else []
            while stack:
                e = stack.pop()
                if e.op not in ("const", "var") and gen.key(e) not in inner:
                    inner.add(gen.key(e))
                    stack.extend(e.args)
        items = [(a, [a.guard] if gen.key(a.guard) in inner else conjuncts(a.guard)) for a in self.system.actions]
        # Without ``seen``, ``add`` is ``id``: a builtin that does nothing, cheaper than a test per edge.
        lines = ["def successors(s, seen=_NONE):\n", "    out = []\n", "    push = out.append\n",
                 "    add = id if seen is _NONE else seen.add\n"]
        gen.block(lines, items, {}, "    ")
        lines.append("    return out\n")
        gen.env["_NONE"] = frozenset()
        return _build("".join(lines), "successors", gen.env)


class _Gen:
    """Renders Expr trees as Python over the packed state ``s`` (module docstring)."""

    def __init__(self, packing: Packing) -> None:
        self.p = packing
        self.keys = packing._keys
        self.names = 0
        system = packing.system
        # Out-of-range updates are reported as System.successors reports them, with the state unpacked.
        self.env: dict[str, Any] = {
            "_oob": lambda a, i, s, value: system._out_of_bounds(a, i, packing.unpack(s), value)}

    # ------------------------------------------------------------ expressions
    def key(self, e: Expr) -> str:
        """The to_python text of ``e``: equal for equal sub-expressions, however built."""
        hit = self.keys.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        if e.op in ("const", "var"):
            k = to_python(e)
        else:
            k = to_python(Expr(e.op, tuple(_raw(self.key(a), a.sort) for a in e.args), e.sort))
        self.keys[id(e)] = (e, k)
        return k

    def code(self, e: Expr, scope: dict, cond: bool = False) -> str:
        """Python code for ``e``; sub-expressions already computed in ``scope`` (key -> name) are
        read.  ``cond``: only the truth of the value matters (a test), not whether it is 0/1."""
        if e.op == "const":
            return to_python(e)
        k = self.key(e)
        name = scope.get(k)
        if name is not None:
            # A local of a condition holds its truth only (it was computed as a test), not 0/1.
            return name if cond or e.sort != BOOL or name in ("True", "False") else f"(1 if {name} else 0)"
        if _constant(k):
            return repr(eval(k, {"min": min, "max": max}))  # noqa: S307 - folds our own constant code
        op, args = e.op, e.args
        if op == "var":
            return self._read(e, cond)
        if op in _COMPARE:
            masked = self._masked_compare(e, scope)
            if masked is not None:
                return masked
        inner = [cond if op in ("and", "or", "implies") else op == "not" for _ in args]
        if op == "ite":
            inner = [True, cond, cond]
        codes = [self.code(a, scope, c) for a, c in zip(args, inner)]
        if op in ("and", "or"):
            unit, zero = ("True", "False") if op == "and" else ("False", "True")
            if zero in codes:  # (x and False) is false whatever x is; its 0/1 value too
                return zero
            codes = [c for c in codes if c != unit] or [unit]
            if len(codes) == 1:
                return codes[0]
        if op == "ite" and codes[0] in ("True", "False"):
            return codes[1] if codes[0] == "True" else codes[2]
        if op in ("min", "max"):
            # One side always wins by the variables' ranges (expr.interval): the clock's deadline
            # chain starts with min(no deadline, ...).
            (alo, ahi), (blo, bhi) = interval(args[0]), interval(args[1])
            first = ahi <= blo if op == "min" else alo >= bhi
            second = bhi <= alo if op == "min" else blo >= ahi
            if first or second or codes[0] == codes[1]:
                return codes[0] if first or codes[0] == codes[1] else codes[1]
        if op in ("add", "sub") and codes[1] == "0":
            return codes[0]
        if op in ("min", "max"):
            # min(a, b) is a call; a conditional expression is not (min keeps the first of equals).
            # A compound side is read twice, so it is named where it is computed (:=).
            a, b = codes
            first, second = a, b
            if not _SIMPLE.match(a):
                first, a = f"({self._name()} := {a})", self._last()
            if not _SIMPLE.match(b):
                second, b = f"({self._name()} := {b})", self._last()
            cmp = "<=" if op == "min" else ">="
            return f"({a} if {first} {cmp} {second} else {b})"
        return to_python(Expr(op, tuple(_raw(c, a.sort) for c, a in zip(codes, args)), e.sort))

    def _read(self, var: Any, cond: bool) -> str:
        """A variable's value; in a test, a boolean's bit alone (non-zero when true)."""
        p, i = self.p, var.index
        if cond and var.sort == BOOL:
            return f"(s & {1 << p.offsets[i]})"
        return p._field(p.offsets[i], p.widths[i], p.lows[i])

    def _masked_compare(self, e: Expr, scope: dict) -> Optional[str]:
        """``x < 3`` as ``(s & mask) < (3 - lo) << off``: one operation instead of three, for a
        variable not already read into a local and a constant (shifting is monotone)."""
        a, b = e.args
        flip = a.op == "const" or (a.op != "var" and _constant(self.key(a)))
        var, const = (b, a) if flip else (a, b)
        if var.op != "var" or self.key(var) in scope or not (const.op == "const" or _constant(self.key(const))):
            return None
        p, i = self.p, var.index  # type: ignore[attr-defined]
        if p.widths[i] == 0:
            return None
        value = int(eval(self.key(const), {"min": min, "max": max}))  # noqa: S307 - our own constant code
        field = f"(s & {((1 << p.widths[i]) - 1) << p.offsets[i]})"
        shifted = str((value - p.lows[i]) << p.offsets[i]) if value >= p.lows[i] else "-1"
        left, right = (shifted, field) if flip else (field, shifted)
        return f"({left} {_COMPARE[e.op]} {right})"

    def _uses(self, exprs: Sequence[Expr], scope: dict) -> dict:
        """key -> (node, how many times it occurs in ``exprs``), not looking inside what ``scope``
        has or inside a node met twice (it is computed once either way)."""
        found: dict[str, list] = {}
        stack = list(exprs)
        while stack:
            e = stack.pop()
            if e.op == "const":
                continue
            k = self.key(e)
            if k in scope or _constant(k):
                continue
            hit = found.get(k)
            if hit is not None:
                hit[1] += 1
                continue
            found[k] = [e, 1]
            if e.op != "var":
                stack.extend(e.args)
        return found

    @staticmethod
    def _worth(e: Expr) -> bool:
        """Is computing ``e`` once worth a local?  Integer variables (a shift and a mask; a boolean
        tested is one mask, as cheap as a local) and nodes over something more than variables and
        constants (``x == 2`` is as cheap to redo as to read)."""
        if e.op == "var":
            return e.sort != BOOL
        return any(a.op not in ("const", "var") for a in e.args)

    def hoist(self, lines: list, groups: Sequence[Sequence[Expr]], scope: dict, pad: str,
              heads: Any = (), within: bool = False) -> dict:
        """Emit locals for the sub-expressions worth computing once here; returns the scope extended
        with them.  ``heads``: indices of the groups that are always evaluated here (a test); a
        sub-expression is computed here when a head and another group read it (computing it here
        costs nothing extra), or (``within``) when one group reads it twice."""
        users: dict[str, list] = {}
        heads = set(heads)
        for n, g in enumerate(groups):
            for k, (e, times) in self._uses(g, scope).items():
                hit = users.setdefault(k, [e, 0, 0, False])
                hit[1] += 1
                hit[2] += times
                hit[3] = hit[3] or n in heads
        chosen = {k for k, (e, groups_, times, head) in users.items()
                  if self._worth(e) and ((groups_ >= 2 and head) or (within and times >= 2))}
        if not chosen:
            return scope
        scope = dict(scope)
        # Children before parents, so a local's code reads the locals of its parts.
        done: set = set()
        stack: list = [(e, False) for g in groups for e in reversed(list(g))]
        while stack:
            e, ready = stack.pop()
            if e.op == "const":
                continue
            k = self.key(e)
            if k in scope or k in done:
                continue
            if not ready:
                stack.append((e, True))
                if e.op != "var":
                    stack.extend((a, False) for a in reversed(e.args))
                continue
            done.add(k)
            if k in chosen:
                code = self.code(e, scope, cond=e.sort == BOOL)
                if _SIMPLE.match(code) or code in ("True", "False"):
                    scope[k] = code  # folded to a constant or another local: no local of its own
                    continue
                same = scope.get("=" + code)  # the same code under another key (after folding)
                if same is not None:
                    scope[k] = same
                    continue
                name = f"x{e.index}" if e.op == "var" else self._name()  # type: ignore[attr-defined]
                lines.append(f"{pad}{name} = {code}\n")
                scope[k] = scope["=" + code] = name
        return scope

    def _name(self) -> str:
        self.names += 1
        return f"_e{self.names}"

    def _last(self) -> str:
        return f"_e{self.names}"

    # ------------------------------------------------------------ actions
    def block(self, lines: list, items: list, scope: dict, pad: str) -> None:
        """Code for ``items``, (action, guard conjuncts still to test), in action order."""
        runs: list[list] = []
        for act, conj in items:
            head = self.key(conj[0]) if conj else None
            if runs and head is not None and runs[-1][0] == head:
                runs[-1][1].append((act, conj))
            else:
                runs.append([head, [(act, conj)]])
        # Each run's first test is always evaluated here; the rest only when it holds.  What a first
        # test reads and something else here reads too is computed once, before the tests.
        groups: list[list] = []
        heads = []
        for _, run in runs:
            if run[0][1]:
                heads.append(len(groups))
                groups.append([run[0][1][0]])
            groups.append([e for n, (act, conj) in enumerate(run) for e in [*conj[n == 0:], *act.update.values()]])
        scope = self.hoist(lines, groups, scope, pad, heads=heads)
        for head, run in runs:
            if len(run) > 1:  # a shared first conjunct: one test for all of them
                lines.append(f"{pad}if {self.code(run[0][1][0], scope, cond=True)}:\n")
                self.block(lines, [(act, conj[1:]) for act, conj in run], scope, pad + "    ")
                continue
            act, conj = run[0]
            inner = pad
            if conj:
                lines.append(f"{pad}if " + " and ".join(self.code(c, scope, cond=True) for c in conj) + ":\n")
                inner = pad + "    "
            self.update(lines, act, scope, inner)

    def update(self, lines: list, act: Any, scope: dict, pad: str) -> None:
        """``push((index, next state))`` for ``act``, taken in ``s``."""
        system, p = self.p.system, self.p
        scope = self.hoist(lines, [list(act.update.values())], scope, pad, within=True)
        keep, const, parts = (1 << p.bits) - 1, 0, []
        for var in system.variables:
            e = act.update.get(var.name)
            if e is None:
                continue
            i, off, width, lo = var.index, p.offsets[var.index], p.widths[var.index], p.lows[var.index]
            keep &= ~(((1 << width) - 1) << off)
            if e.op == "const":
                const |= (int(e.args[0]) - lo) << off
                continue
            value = self.code(e, scope)
            if (var.name, act.index) in self._checked():
                name = f"_n{i}"
                lines.append(f"{pad}{name} = {value}\n")
                lines.append(f"{pad}if not {var.lo} <= {name} <= {var.hi}:\n"
                             f"{pad}    _oob({act.index}, {i}, s, {name})\n")
                value = name
            if width == 0:
                continue
            term = f"({value} - {lo})" if lo else value
            parts.append(f"({term} << {off})" if off else term)
        terms = [f"(s & {keep})" if keep else "0"] + ([str(const)] if const else []) + parts
        lines.append(f"{pad}t = {' | '.join(terms)}\n")
        lines.append(f"{pad}if t not in seen:\n{pad}    add(t)\n{pad}    push(({act.index}, t))\n")

    def _checked(self) -> set:
        """(variable name, action index) whose update may leave the variable's range."""
        if not hasattr(self, "_checked_pairs"):
            self._checked_pairs = {(var.name, act.index) for act, var in self.p.system.unchecked_updates()}
        return self._checked_pairs


def _constant(key: str) -> bool:
    """Does the code ``key`` (``to_python`` text, variables as ``v[i]``) read no variable?"""
    return "v[" not in key


def _raw(code: str, sort: str) -> Expr:
    return Expr("const", (_Raw(code),), sort)


def _drop_dead(src: str) -> str:
    """``src`` without assignments to locals nothing reads (a sub-expression computed for a use
    that folded away)."""
    assign = re.compile(r"^\s*(_e\d+|x\d+) = .*\n", re.M)
    while True:
        uses = Counter(re.findall(r"\b(?:_e\d+|x\d+)\b", src))  # the assignment itself is one
        dead = {m.group(1) for m in assign.finditer(src) if uses[m.group(1)] == 1}
        if not dead:
            return src
        src = assign.sub(lambda m: "" if m.group(1) in dead else m.group(0), src)


def _build(src: str, name: str, env: dict) -> Callable:
    src = _drop_dead(src)
    scope = {"min": min, "max": max, **env}
    exec(compile(src, f"<packed {name}>", "exec"), scope)  # noqa: S102 - generated from our own Expr trees
    fn = scope[name]
    fn.source = src  # for debugging and tests: what was generated
    return fn


def packing(system: Any) -> Packing:
    """The system's Packing, built once per system (kept on the system object)."""
    got: Optional[Packing] = system.__dict__.get("_packing")
    if got is None:
        got = system.__dict__["_packing"] = Packing(system)
    return got
