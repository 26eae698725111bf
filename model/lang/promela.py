"""Promela for SPIN from a System: one more interpreter of the one definition.

It reads the frozen System's variables, guards and updates node by node, as
``to_python``, ``to_z3`` and ``to_text`` in expr.py do; nothing of a model is
written twice.  Only state invariants go in, as assertions: SPIN checks them
the way scmcheck's explicit engine does, over every reachable state.  (Who
picks them is the caller's business: scmcheck/export.py takes them from the
catalog.  This module, like every module of the model language, knows no engine
and no catalog.)

How a System becomes Promela, and why SPIN's state count equals scmcheck's
--------------------------------------------------------------------------
* **State.**  Every state variable is a global: ``bool`` as ``bool``, an enum
  as ``byte`` with one ``#define`` per member, an int as ``byte``, ``short`` or
  ``int`` by its range.  An scmcheck state is the tuple of these variables.
* **Steps.**  One process, whose whole body is one ``do`` loop with one option
  ``d_step { guard -> updates }`` per action.  A ``d_step`` is one transition
  and stores no state inside it, and between steps the process is always back at
  the ``do``, so its program counter takes one value: pan's "states, stored" is
  exactly the number of reachable states the explicit engine counts (offset 0;
  tests/test_export.py checks it on every built-in design) -- provided SPIN
  keeps every variable.  By default ``spin -a`` hides *write-only* variables
  (no guard, update or exported invariant reads them: a monitor whose invariant
  is not exported) and then counts the states that differ in the other
  variables only; ``spin -a -o2`` keeps them.  :attr:`Promela.write_only` lists
  them and the header says which command gives scmcheck's count.
* **Simultaneous updates.**  Every right-hand side reads the state before the
  step (System.action): one that reads a variable the step writes is computed
  into a ``hidden`` temporary first.  Hidden variables are not in the state
  vector, so temporaries add no states.
* **Shared sub-expressions.**  Promela has no ``min``/``max`` and no local
  definitions: ``min(a, b)`` is written ``(a <= b -> a : b)``, which repeats
  ``a`` and ``b``, and the clock's nested minima over every deadline would
  grow exponentially.  So a compound argument of ``min``/``max``, and any large
  sub-expression read in several places, is computed once into a name.  In an
  update or an invariant that name is a hidden temporary.  A guard must be
  one expression (it decides whether the ``d_step`` may run), so a name a guard
  reads is a *derived* state variable: initialised with its value in the initial
  state and recomputed at the end of every step that writes a variable it
  depends on.  A derived variable is a function of the other variables, so it
  adds no state; it only widens the state vector (the header says by how many).
* **Deadlock.**  A state where no action is enabled stutters in scmcheck; it is
  not an error.  The last option, ``d_step { else -> ... }``, is taken exactly
  there and returns to the same state, so pan never reports an invalid end
  state and counts no extra state.
* **Invariants.**  ``check_properties()`` asserts every invariant on the state
  *before* the step, in every option (the ``else`` option included): every
  reachable state is either a deadlock or has an enabled step, so each one is
  checked.  pan therefore reports a violation one step deeper than the state
  that violates it.  Each assertion reads ``assert(TAG || invariant)`` where
  TAG is a hidden byte that is always 0: pan's message "assertion violated
  (TAG||...)" names the property (:meth:`Promela.violated`).
* **Ranges.**  An update that may leave its variable's range (interval
  analysis, ``System.unchecked_updates``) is checked by an assertion tagged
  ``range_<variable>``: scmcheck stops with a ModelError there; SPIN would
  otherwise truncate the value silently.

Not translated: ``elapsed_ms`` and ``duration`` (they only timestamp traces),
fairness and the environment (liveness), ``time_passes``/``quiescent`` (the
time-lock check): SPIN's safety search does not check them the same way.

SPIN run as the benchmark does (benchmarks/bench_spin.py)::

    spin -a -o2 model.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -m1000000

(``-m``: pan's depth limit; past it pan says "max search depth too small" and
its count is too low.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .errors import ModelError
from .expr import BOOL, Expr, VarRef, compile_python, interval
from .system import Action, System

# A sub-expression read in several places is named once it prints longer than this many nodes.
SHARE_MIN = 8
INT32 = 2**31 - 1

# Promela keywords and predefined names, C keywords (a global becomes a C struct field in pan.c),
# and pan.c's own lowercase names.  A model name in here gets a suffix.
_RESERVED = frozenset("""
active assert atomic bit bool break byte c_code c_decl c_expr c_state c_track chan d_proctype d_step do else
empty enabled eval false fi for full get_priority goto hidden if in init inline int len local ltl mtype nempty
never nfull np_ od of pc_value pid printf printm priority proctype provided run select set_priority short
show skip timeout trace true typedef unless unsigned xr xs notrace STDIN
auto case char const continue default double enum extern float long register return signed sizeof static
struct switch union void volatile while
now this trpt tau uchar uint ulong ushort check_properties
bfs_do_store cas enter_critical final get16bits get_permuted getframe grab_state iam_alive leave_critical max
maxseq0 minseq0 mix onstack_now onstack_put onstack_zap pptr pthread_equal q_sz qptr rand rot wasnew
""".split())

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Promela:
    """A System as Promela: ``text``, and what pan's messages mean.

    ``tags``: hidden tag name -> property id (``range:<variable>`` for a range check);
    ``derived``: derived state variables added (they add no states, see the module docstring);
    ``properties``: the invariants asserted; ``write_only``: the System's variables nothing in the
    export reads (``spin -a`` hides them, ``spin -a -o2`` keeps them).
    """

    text: str
    tags: dict = field(default_factory=dict)
    derived: int = 0
    properties: tuple = ()
    write_only: tuple = ()

    def violated(self, pan_output: str) -> set:
        """The property ids (and ``range:<variable>``) whose assertion pan reports violated."""
        out = set()
        for line in pan_output.splitlines():
            if "assertion violated" not in line:
                continue
            for word in _IDENT.findall(line.split("assertion violated", 1)[1]):
                if word in self.tags:
                    out.add(self.tags[word])
                    break
        return out


def pan_figures(pan_output: str) -> dict:
    """What a pan run printed: ``states`` (stored), ``errors``, ``depth``, ``memory_mb`` (total
    actual memory usage), ``seconds`` (pan's own elapsed time) and ``depth_too_small`` (pan hit its
    ``-m`` limit: the search was cut and the count is too low)."""
    def num(pattern: str, cast: Any = int) -> Any:
        m = re.search(pattern, pan_output)
        return cast(m.group(1)) if m else None

    return {
        "states": num(r"([0-9.e+]+) states, stored", lambda s: int(float(s))),
        "errors": num(r"errors: (\d+)"),
        "depth": num(r"depth reached (\d+)"),
        "memory_mb": num(r"([0-9.]+)\s+total actual memory usage", float),
        "seconds": num(r"elapsed time ([0-9.e+-]+) seconds", float),
        "depth_too_small": "max search depth too small" in pan_output,
    }


def to_promela(system: System, invariants: Sequence[tuple] = (), notes: Sequence[str] = ()) -> Promela:
    """Translate ``system`` (frozen here) into Promela with ``invariants`` ((id, boolean Expr)
    pairs over its variables) as assertions; ``notes`` are lines for the header comment.

    ModelError if a value the model computes may not fit Promela's 32-bit ``int``.
    """
    system.freeze()
    for pid, inv in invariants:
        if not isinstance(inv, Expr) or inv.sort != BOOL:
            raise ModelError(f"property {pid}: the invariant to export is not a condition over {system.name}")
    biggest = system.max_magnitude([inv for _, inv in invariants])
    if biggest > INT32:
        raise ModelError(f"cannot export {system.name} to Promela: its values reach {biggest:,}, beyond "
                         f"Promela's 32-bit int; use smaller durations or ranges")
    return _Writer(system, list(invariants)).write(list(notes))


def _mangle(name: str) -> str:
    """``worker_alive[2]`` -> ``worker_alive_2`` (Promela has arrays, but scmcheck's families are
    separate variables that may differ in range)."""
    return re.sub(r"\[([0-9]+)\]", r"_\1", name)


def _comment(text: str) -> str:
    return " ".join(str(text).split()).replace("*/", "* /")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _not(text: str) -> str:
    # "!!" is Promela's sorted send, so a negation of a negation needs its parentheses.
    return f"!{text}" if text.startswith("(") or _IDENT.fullmatch(text) else f"!({text})"


def _type(lo: int, hi: int) -> str:
    if 0 <= lo and hi <= 255:
        return "byte"
    if -32768 <= lo and hi <= 32767:
        return "short"
    return "int"


class _Writer:
    """One translation (module docstring); names are fresh against everything already named."""

    def __init__(self, system: System, invariants: list) -> None:
        self.s, self.invariants = system, invariants
        self.used: set = set(_RESERVED)
        self.var = {v.name: self.fresh(_mangle(v.name)) for v in system.variables}
        self.enum_names: dict = {}  # (enum class, value) -> #define name
        for v in system.variables:
            if v.kind == "enum":
                for member in v.enum:  # type: ignore[union-attr]
                    if (v.enum, int(member)) not in self.enum_names:
                        self.enum_names[(v.enum, int(member))] = self.fresh(f"{v.enum.__name__}_{member.name}")
        self.tags = {self.fresh(f"prop_{pid}"): pid for pid, _ in invariants}
        self.unchecked = {(a.index, v.name) for a, v in system.unchecked_updates()}
        for var in dict.fromkeys(v for _, v in sorted(self.unchecked)):
            self.tags[self.fresh(f"range_{self.var[var]}")] = f"range:{var}"
        self.range_tag = {pid.split(":", 1)[1]: t for t, pid in self.tags.items() if pid.startswith("range:")}
        self.proc = self.fresh("steps")
        self._share()

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name

    # ------------------------------------------------------------ sharing
    def _share(self) -> None:
        """Choose the sub-expressions computed once into a name (module docstring, "Shared")."""
        guards = [a.guard for a in self.s.actions]
        others = [e for a in self.s.actions for e in a.update.values()] + [inv for _, inv in self.invariants]
        refs: dict = {}
        minmax_arg: set = set()
        nodes: dict = {}

        def visit(e: Expr) -> None:
            stack = [e]
            while stack:
                n = stack.pop()
                refs[id(n)] = refs.get(id(n), 0) + 1
                if id(n) in nodes:
                    continue
                nodes[id(n)] = n
                if n.op in ("const", "var"):
                    continue
                for a in n.args:
                    if n.op in ("min", "max") and a.op not in ("const", "var"):
                        minmax_arg.add(id(a))
                    stack.append(a)

        self.roots = guards + others
        for root in self.roots:
            visit(root)
        size: dict = {}
        self.order: list = []  # named sub-expressions, children before parents

        def printed(e: Expr) -> int:  # nodes e prints as where it is read
            if id(e) in size:
                return size[id(e)]
            if e.op in ("const", "var"):
                return 1
            inner = 1 + sum(printed(a) for a in e.args) * (2 if e.op in ("min", "max") else 1)
            named = id(e) in minmax_arg or (refs[id(e)] > 1 and inner > SHARE_MIN)
            if named:
                self.order.append(e)
            size[id(e)] = 1 if named else inner
            return size[id(e)]

        for root in self.roots:
            printed(root)
        named = {id(e) for e in self.order}
        in_guards = self._named_under(guards, named)
        self.name: dict = {}
        self.derived: list = []  # named sub-expressions kept in the state vector
        for e in self.order:
            state = id(e) in in_guards
            self.name[id(e)] = self.fresh(("der_" if state else "tmp_") + str(len(self.name)))
            if state:
                self.derived.append(e)
        self.deps: dict = {}  # id -> state variables a named sub-expression reads
        for e in self.order:  # children first, so each reads its named children's entries
            self.deps[id(e)] = self._reads(e)

    def _named_under(self, roots: Sequence[Expr], named: set) -> set:
        """Named sub-expressions anywhere under ``roots`` (through named ones too), by id."""
        out, seen, stack = set(), set(), list(roots)
        while stack:
            n = stack.pop()
            if id(n) in seen or n.op in ("const", "var"):
                continue
            seen.add(id(n))
            if id(n) in named:
                out.add(id(n))
            stack.extend(n.args)
        return out

    def _reads(self, e: Expr) -> frozenset:
        """State variables ``e`` reads, through named sub-expressions (memoised: the trees are DAGs)."""
        if isinstance(e, VarRef):
            return frozenset((e.name,))
        if e.op == "const":
            return frozenset()
        if id(e) in self.deps:
            return self.deps[id(e)]
        out = frozenset().union(*(self._reads(a) for a in e.args))
        if id(e) in self.name:
            self.deps[id(e)] = out
        return out

    # ------------------------------------------------------------ expressions
    def expr(self, e: Expr, hint: Any = None, define: bool = False) -> str:
        """Promela for ``e``; ``hint`` is the enum a constant stands for; ``define`` writes a named
        sub-expression's own definition instead of its name."""
        if not define and id(e) in self.name:
            return self.name[id(e)]
        op = e.op
        if op == "const":
            v = e.args[0]
            if e.sort == BOOL:
                return "true" if v else "false"
            if hint is not None and (hint, int(v)) in self.enum_names:
                return self.enum_names[(hint, int(v))]
            return str(v) if v >= 0 else f"({v})"
        if isinstance(e, VarRef):
            return self.var[e.name]
        if op in ("eq", "ne"):
            a, b = e.args
            hint = getattr(a, "enum", None) or getattr(b, "enum", None)
            return f"({self.expr(a, hint)} {'==' if op == 'eq' else '!='} {self.expr(b, hint)})"
        if op == "ite":
            c, t, f = e.args
            return f"({self.expr(c)} -> {self.expr(t, hint)} : {self.expr(f, hint)})"
        args = [self.expr(a) for a in e.args]
        if op in ("lt", "le", "add", "sub"):
            return f"({args[0]} {dict(lt='<', le='<=', add='+', sub='-')[op]} {args[1]})"
        if op == "not":
            return _not(args[0])
        if op in ("and", "or"):
            return "(" + (" && " if op == "and" else " || ").join(args) + ")"
        if op == "implies":
            return f"({_not(args[0])} || {args[1]})"
        if op == "neg":
            return f"(-{args[0]})"
        if op in ("min", "max"):
            return f"({args[0]} {'<=' if op == 'min' else '>='} {args[1]} -> {args[0]} : {args[1]})"
        raise ModelError(f"unknown operator {op}")

    def _decl(self, e: Expr, name: str, init: Any) -> str:
        if e.sort == BOOL:
            return f"bool {name} = {'true' if init else 'false'};"
        lo, hi = interval(e)
        return f"{_type(lo, hi)} {name} = {int(init)};"

    # ------------------------------------------------------------ the model
    def write(self, notes: list) -> Promela:
        s = self.s
        init = s.init_state()
        out = [f"/* {_comment(s.name)}: exported by scmcheck (model/lang/promela.py) */"]
        if s.parameters:
            out.append("/* parameters: " + _comment(", ".join(f"{k}={v}" for k, v in s.parameters.items())) + " */")
        out += [f"/* {_comment(n)} */" for n in notes]
        out.append(f"/* {_count(len(s.variables), 'state variable')}, {_count(len(s.actions), 'action')}, "
                   f"{_count(len(self.invariants), 'invariant')}; "
                   f"{_count(len(self.derived), 'derived state variable')} (functions of the others: no new state) */")
        read = frozenset().union(*(self._reads(e) for e in self.roots))
        write_only = tuple(v.name for v in s.variables if v.name not in read)
        if write_only:
            out.append(f"/* write-only here: {_comment(', '.join(write_only))}; plain spin -a hides them and counts "
                       "fewer states; spin -a -o2 keeps them */")
        out.append("/* Run: spin -a -o2 FILE.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -m1000000 ; "
                   "pan's states stored = scmcheck's reachable states. */")
        out.append("")
        if self.enum_names:
            for (cls, value), name in self.enum_names.items():
                out.append(f"#define {name} {value}")
            out.append("")
        out.append("/* state variables */")
        for v, value in zip(s.variables, init):
            if v.kind == "bool":
                decl = f"bool {self.var[v.name]} = {'true' if value else 'false'};"
            elif v.kind == "enum":
                decl = f"{_type(v.lo, v.hi)} {self.var[v.name]} = {self.enum_names[(v.enum, int(value))]};"
            else:
                decl = f"{_type(v.lo, v.hi)} {self.var[v.name]} = {value};"
            doc = f"  /* {_comment(v.doc)} */" if v.doc else ""
            out.append(decl + (f"  /* {v.name}" + (f": {_comment(v.doc)}" if v.doc else "") + " */"
                               if v.name != self.var[v.name] else doc))
        if self.derived:
            out.append("/* derived: named sub-expressions that guards read, recomputed after each step */")
            for e in self.derived:
                out.append(self._decl(e, self.name[id(e)], compile_python(e)(init)) + f"  /* {_comment(e)[:100]} */")
        derived = {id(e) for e in self.derived}
        temps = [e for e in self.order if id(e) not in derived]
        news = self._new_names()
        hidden = [self.name[id(e)] for e in temps] + list(news.values())
        if hidden:
            out.append("/* temporaries within one step: hidden, so not in the state vector */")
            out += [f"hidden int {n};" for n in hidden]
        out.append("/* property tags: always 0; pan's \"assertion violated (TAG||...)\" names the property */")
        out += [f"hidden byte {t};  /* {_comment(pid)} */" for t, pid in self.tags.items()]
        out.append("")
        out += self._check_properties(temps)
        out.append("")
        out.append(f"active proctype {self.proc}() {{")
        out.append("end:")
        out.append("  do")
        for act in s.actions:
            out += self._option(act, temps, news)
        out.append("  :: d_step { else -> check_properties() }  /* no step enabled: scmcheck stutters; not an error */")
        out.append("  od")
        out.append("}")
        return Promela("\n".join(out) + "\n", dict(self.tags), len(self.derived),
                       tuple(pid for pid, _ in self.invariants), write_only)

    def _new_names(self) -> dict:
        """Hidden temporaries for new values, by (action index, variable): those a later assignment
        of the same step would clobber, and those a range check reads."""
        news = {}
        for act in self.s.actions:
            written = set(act.update)
            for var, e in act.update.items():
                direct = self._direct_reads(e)
                if (direct & (written - {var})) or (act.index, var) in self.unchecked:
                    news[(act.index, var)] = self.fresh(f"new_{self.var[var]}")
        return news

    def _direct_reads(self, e: Expr) -> set:
        """Variables ``e`` reads other than through named sub-expressions (those hold old values
        until the step's end)."""
        out, stack = set(), [e]
        while stack:
            n = stack.pop()
            if isinstance(n, VarRef):
                out.add(n.name)
            elif n.op != "const" and (n is e or id(n) not in self.name):
                stack.extend(n.args)
        return out

    def _temps_for(self, roots: Sequence[Expr], temps: list) -> list[str]:
        under = self._named_under(roots, {id(e) for e in temps})
        return [f"{self.name[id(e)]} = {self.expr(e, define=True)};" for e in temps if id(e) in under]

    def _check_properties(self, temps: list) -> list[str]:
        body = self._temps_for([inv for _, inv in self.invariants], temps)
        tag = {pid: t for t, pid in self.tags.items()}
        body += [f"assert({tag[pid]} || {self.expr(inv)})" + ";" for pid, inv in self.invariants]
        body = body or ["skip"]
        return ["/* the invariants, on the state before each step */", "inline check_properties() {"] + \
            ["  " + line for line in body] + ["}"]

    def _option(self, act: Action, temps: list, news: dict) -> list[str]:
        who = f"{act.label} by {act.process}"
        body = ["check_properties();"]
        body += self._temps_for(list(act.update.values()), temps)
        late = []
        for var, e in act.update.items():
            hint = self.s.variable(var).enum
            new = news.get((act.index, var))
            if new is None:
                late.append(f"{self.var[var]} = {self.expr(e, hint)};")
                continue
            body.append(f"{new} = {self.expr(e, hint)};")
            if (act.index, var) in self.unchecked:
                v = self.s.variable(var)
                body.append(f"assert({self.range_tag[var]} || ({v.lo} <= {new} && {new} <= {v.hi}));")
            late.append(f"{self.var[var]} = {new};")
        body += late
        written = set(act.update)
        body += [f"{self.name[id(e)]} = {self.expr(e, define=True)};" for e in self.derived
                 if self.deps[id(e)] & written]
        lines = [f"  :: d_step {{ /* {_comment(who)} */", f"       {self.expr(act.guard)} ->"]
        lines += ["       " + b for b in body]
        lines.append("     }")
        return lines
