"""Generated bad inputs for tests/test_bad_input_fuzz.py.

Every input comes from ``random.Random(seed)``, so a failure reproduces from the
seed and the case number alone.  A :class:`Case` is an argv plus the files,
folders and symlinks it needs, all relative to a fresh working folder (the
command runs there), and what the one stderr line must name.

Each generated input is bad *by construction*: one thing is wrong with an
otherwise valid input (a built-in design, its own knob settings, a real trace),
so exit status 2 is the only right answer.  Where validity is not obvious the
generator asks the rule the documentation states (``--timeout``: a number of
seconds > 0 or inf; ``--depth``: a whole number >= 0; a knob: its type, range,
step and choices as ``scmcheck list --json`` gives them) and keeps only values
that break it.

Surfaces: ``toml`` (design files), ``param``, ``property``, ``engine``,
``budget`` (--timeout/--depth/--runs/--seed), ``python`` (file.py:object
targets), ``trace`` (``show`` on mutations of a real trace), ``output``
(``--out`` / ``-o``), ``usage`` (commands, unknown flags, missing values).
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from random import Random
from typing import Any, Callable, Optional

SEED = 20250601

OUT = "out"  # every check gets --out out: a bad input must leave it uncreated
TINY = ["--engine", "explicit", "--depth", "2", "--out", OUT]  # bounds any search a bad input wrongly starts
TRACE = "t.itf.json"  # the trace file of trace and show cases

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Case:
    surface: str
    tag: str  # the operator that made it, e.g. "toml/knob-type"
    argv: list
    files: dict = field(default_factory=dict)  # relative path -> bytes
    dirs: tuple = ()  # relative folders to make
    links: tuple = ()  # (relative path, link target) symlinks to make
    must: tuple = ()  # the stderr line must contain every one of these
    any_of: tuple = ()  # ... and at least one of these (if any)
    n: int = -1  # its number in the generated list

    @property
    def id(self) -> str:
        return f"{self.surface}#{self.n}"


# ------------------------------------------------------------------ what the project declares

@lru_cache(maxsize=None)
def _meta() -> dict:
    """Families, knobs, designs and catalog ids, read once from the project."""
    from scmcheck.model.designs import families, registry
    from scmcheck.properties import catalog

    fams = families()
    designs = registry()
    applies = {}
    for name, d in designs.items():
        applies[name] = tuple(p.id for p in catalog.applicable(d.build()))
    return {
        "families": fams,
        "designs": designs,
        "applies": applies,
        "ids": tuple(p.id for p in catalog.PROPERTIES),
    }


@lru_cache(maxsize=None)
def _applies_to(design: str, parameters: str) -> tuple:
    """Catalog ids that apply to built-in ``design`` with these (JSON) parameters."""
    from scmcheck.model.designs import built_in
    from scmcheck.properties import catalog

    return tuple(p.id for p in catalog.applicable(built_in(design).build(json.loads(parameters))))


def _knob_ok(knob: Any, value: Any) -> bool:
    """The documented rule for a knob value (a CLI string is read as Knob does: int(), true/false/yes/no/1/0)."""
    if knob.kind == "seconds":  # seconds with at most millisecond precision (model/lang/designs.py)
        import math
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return False
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        return knob.lo <= value <= knob.hi and abs(round(value * 1000) - value * 1000) <= 1e-6 * max(1.0, value * 1000)
    if value is None and knob.default is None:
        return True  # "the profile's default"
    if isinstance(value, str):
        if knob.kind == "int":
            try:
                value = int(value)
            except ValueError:
                return False
        elif knob.kind == "bool":
            low = value.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                return False
            value = low in ("true", "1", "yes")
    if knob.kind == "choice":
        return value in knob.choices
    if knob.kind == "bool":
        return isinstance(value, bool)
    return (isinstance(value, int) and not isinstance(value, bool) and knob.lo <= value <= knob.hi
            and value % knob.multiple_of == 0)


def _valid_values(knob: Any) -> list:
    if knob.kind == "choice":
        return list(knob.choices)
    if knob.kind == "bool":
        return [True, False]
    if knob.kind == "seconds":  # a few, with fractions: the range has a value per millisecond
        return sorted({knob.lo, knob.hi, (knob.lo + knob.hi) // 2, round(knob.lo + 1.5, 3) if knob.lo + 1.5 <= knob.hi
                       else knob.hi})
    return list(range(knob.lo, knob.hi + 1, knob.multiple_of)) if knob.lo % knob.multiple_of == 0 else \
        [v for v in range(knob.lo, knob.hi + 1) if v % knob.multiple_of == 0]


# ------------------------------------------------------------------ random text

SAFE_UNICODE = "éßøñ漢字€ΩЖ😀"
JUNK = string.ascii_letters + string.digits + " -_.:/\\'\"=[]{}#,;!?*&%$@+\n\t" + SAFE_UNICODE
FILE_NAME_TAILS = ["", "", "", "", " x", "\nx", "é", "'q", "  two  spaces", "\tt"]  # file names as users make them


def ident(rng: Random, lo: int = 3, hi: int = 14) -> str:
    return rng.choice(string.ascii_lowercase) + "".join(
        rng.choice(string.ascii_lowercase + string.digits + "_") for _ in range(rng.randint(lo, hi) - 1))


def junk(rng: Random, lo: int = 1, hi: int = 14) -> str:
    return "".join(rng.choice(JUNK) for _ in range(rng.randint(lo, hi)))


def near_miss(rng: Random, word: str) -> str:
    """``word`` with one typo (never ``word`` itself)."""
    for _ in range(20):
        i = rng.randrange(len(word))
        how = rng.choice(["drop", "double", "swap", "upper", "suffix", "prefix", "dash"])
        if how == "drop" and len(word) > 1:
            out = word[:i] + word[i + 1:]
        elif how == "double":
            out = word[:i] + word[i] + word[i:]
        elif how == "swap" and i + 1 < len(word):
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif how == "upper":
            out = word.upper() if rng.random() < 0.5 else word.capitalize()
        elif how == "suffix":
            out = word + rng.choice(["s", "_", "2", "_s", " x"])
        elif how == "prefix":
            out = rng.choice(["_", "x", "no_", "-"]) + word
        else:
            out = word.replace("_", "-") if "_" in word else word + "-"
        if out != word:
            return out
    return word + "_x"


def other_than(rng: Random, make: Callable[[], Any], bad: Callable[[Any], bool]) -> Any:
    """``make()`` until ``bad(value)``."""
    for _ in range(200):
        value = make()
        if bad(value):
            return value
    raise AssertionError("generator could not make a bad value")  # pragma: no cover


# ------------------------------------------------------------------ TOML text

def toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class Raw(str):
    """TOML text written as is (dates, inf, deep nesting)."""


def toml_value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_str(k)


def toml_doc(entries: list) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in entries)


WRONG_SCALARS = [3, -1, 0, 2.5, 1e300, True, False, "text", "", [1], [], {"a": 1}, {}, Raw("1979-05-27"),
                 Raw("07:32:00"), Raw("1979-05-27T07:32:00Z"), Raw("nan"), Raw("inf"), ["a", 1]]


def wrong_typed(rng: Random, ok: Callable[[Any], bool]) -> Any:
    return other_than(rng, lambda: rng.choice(WRONG_SCALARS), lambda v: not ok(v))


# ------------------------------------------------------------------ surface: toml

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def _toml_base(rng: Random) -> tuple:
    """(design, entries) of a valid design file: a built-in design's own settings, name, description, expect."""
    m = _meta()
    design = rng.choice(list(m["designs"].values()))
    entries = [("model", design.family.name), ("name", f"{design.name}-file"),
               ("description", "made by the fuzzer"), ("expect", list(design.expect))]
    entries += list(design.settings.items())
    rng.shuffle(entries)
    return design, entries


def _bad_name(rng: Random) -> str:
    return other_than(rng, lambda: rng.choice([
        "", "." + ident(rng), "-" + ident(rng), "_" + ident(rng), ident(rng) + " " + ident(rng),
        ident(rng) + "/" + ident(rng), "../" + ident(rng), ident(rng) + ":" + ident(rng), "é" + ident(rng),
        "a" * rng.randint(81, 400), ident(rng) + "\n" + ident(rng), "漢字", ident(rng) + "*", " " + ident(rng),
        ident(rng) + "\t", junk(rng)]), lambda s: not NAME_RE.fullmatch(s))


def _bad_knob_value(rng: Random, knob: Any, typed: bool) -> Any:
    """A wrong-typed (``typed``) or wrong-valued value for a TOML knob."""
    if typed:
        want = {"int": lambda v: isinstance(v, int) and not isinstance(v, bool),
                "seconds": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                "bool": lambda v: isinstance(v, bool), "choice": lambda v: isinstance(v, str)}[knob.kind]
        if knob.kind == "int" and knob.default is not None:
            extra = [str(knob.default), f"{knob.default}.0", float(knob.default)]
        elif knob.kind in ("int", "seconds"):
            extra = ["1", "x", [1]]
        else:
            extra = ["true", "false", 0, 1, "yes"] if knob.kind == "bool" else [0, True, list(knob.choices)]
        return other_than(rng, lambda: rng.choice(WRONG_SCALARS + extra),
                          lambda v: isinstance(v, Raw) or not want(v))
    if knob.kind == "choice":
        return other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(knob.choices)), ident(rng), "",
                                                   junk(rng), rng.choice(knob.choices) + " "]),
                          lambda v: v not in knob.choices)
    if knob.kind == "bool":  # a boolean has no out-of-range value: a wrong type instead
        return rng.choice([0, 1, "true", "no", 2.0])
    if knob.kind == "seconds":
        return other_than(rng, lambda: rng.choice([knob.lo - 1, knob.hi + rng.randint(1, 1000), -0.5, 0.0005,
                                                   knob.lo + 0.0001, float("inf"), float("nan")]),
                          lambda v: not _knob_ok(knob, v))
    return other_than(rng, lambda: rng.choice([
        knob.lo - rng.randint(1, 1000), knob.hi + rng.randint(1, 1000), -rng.randint(1, 10**6),
        rng.randint(10**12, 10**18), -(2**63), 2**64, knob.lo + 1, knob.hi - 1, knob.lo + rng.randint(1, 9)]),
        lambda v: not _knob_ok(knob, v))


def _cross_knob(rng: Random, family: Any) -> Optional[dict]:
    """Knob settings, each valid alone, that the family rejects together (None if none found)."""
    from scmcheck.model.lang.errors import InputError

    for _ in range(400):
        knobs = rng.sample(family.knobs, rng.randint(2, min(4, len(family.knobs))))
        settings = {k.name: rng.choice(_valid_values(k)) for k in knobs}
        try:
            family.parameters(settings, "fuzz")
        except InputError:
            return settings
    return None


SYNTAX_ERRORS = [
    "workers 3", "workers = ", "= 3", 'name = "unclosed', "expect = [1, 2", "expect = [\"a\",, ]", "[model",
    "a = {b = 1", "x = 1 2", "!!! = 1", "key = 'single\nline'", 'name = "bad \\q escape"', "[[]]", "[a]]",
    "x = 0x", "x = 1__0", "x = .5", "x = 1.", "x = +", "x = tru", "x = True", "x = 07", "x = [1,\n", "x.=1",
    "x = {a = 1,}", "x = \"\"\"open", "= = =", "x = 1979-13-45", "x = 1e", "\"k\" \"k\" = 1",
]


def gen_toml(rng: Random, force: Optional[str] = None) -> Case:
    m = _meta()
    fams = m["families"]
    design, entries = _toml_base(rng)
    family = design.family
    applies = m["applies"][design.name]  # what applies depends on the settings, not only the family
    keys = [k for k, _ in entries]
    path = f"d{rng.randrange(10**6)}{rng.choice(FILE_NAME_TAILS)}.toml"
    op = force or rng.choice([
        "model-missing", "model-type", "model-unknown", "name-type", "name-bad", "description-type", "expect-type",
        "expect-item-type", "expect-unknown", "expect-not-applicable", "knob-unknown", "knob-unknown", "knob-type",
        "knob-type", "knob-range", "knob-range", "encoding", "encoding", "syntax", "syntax", "nesting", "digits",
        "cross-knob", "file", "table"])
    must = [path]
    any_of: tuple = ()

    def put(key: str, value: Any) -> None:
        if key in keys:
            entries[keys.index(key)] = (key, value)
        else:
            entries.insert(rng.randrange(len(entries) + 1), (key, value))
            keys.insert(0, key)  # keys only tracks membership from here on

    if op == "model-missing":
        entries = [e for e in entries if e[0] != "model"]
        must.append("model")
    elif op == "model-type":
        put("model", wrong_typed(rng, lambda v: isinstance(v, str) and not isinstance(v, Raw)))
        must.append("model")
    elif op == "model-unknown":
        put("model", other_than(rng, lambda: rng.choice([near_miss(rng, family.name), ident(rng), "", junk(rng),
                                                         family.name + " ", family.name.upper()]),
                                lambda v: v not in fams))
        must.append("model")
    elif op == "name-type":
        put("name", wrong_typed(rng, lambda v: isinstance(v, str) and not isinstance(v, Raw)))
        must.append("name")
    elif op == "name-bad":
        put("name", _bad_name(rng))
        must.append("name")
    elif op == "description-type":
        put("description", wrong_typed(rng, lambda v: isinstance(v, str) and not isinstance(v, Raw)))
        must.append("description")
    elif op == "expect-type":
        put("expect", wrong_typed(rng, lambda v: isinstance(v, list)))
        must.append("expect")
    elif op == "expect-item-type":
        items = list(applies[:rng.randint(0, 2)])
        items.insert(rng.randrange(len(items) + 1), rng.choice([1, True, 2.5, [], {}, ["x"], Raw("1979-05-27")]))
        put("expect", items)
        must.append("expect")
    elif op in ("expect-unknown", "expect-not-applicable"):
        ids = m["ids"]
        if op == "expect-unknown":
            bad = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(ids)), ident(rng), junk(rng), ""]),
                             lambda v: v not in ids)
        else:
            bad = rng.choice([i for i in ids if i not in applies])
        items = list(applies[:rng.randint(0, 2)])
        items.insert(rng.randrange(len(items) + 1), bad)
        put("expect", items)
        must.append("expect")
    elif op == "knob-unknown":
        names = [k.name for k in family.knobs] + ["model", "name", "description", "expect"]
        others = [k.name for f in fams.values() for k in f.knobs if k.name not in names]
        key = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(names)), ident(rng),
                                                  rng.choice(others or ["zz"]), junk(rng, 1, 8)]),
                         lambda v: v not in names and v.strip() != "")
        put(key, rng.choice([1, True, "x", 0]))
        must.append(key)
    elif op in ("knob-type", "knob-range"):
        knob = rng.choice(family.knobs)
        put(knob.name, _bad_knob_value(rng, knob, typed=op == "knob-type"))
        must.append(knob.name)
    elif op == "digits":
        knob = rng.choice([k for k in family.knobs if k.kind in ("int", "seconds")])
        put(knob.name, Raw(rng.choice("123456789") + "".join(rng.choice(string.digits)
                                                             for _ in range(rng.randint(4400, 6000)))))
    elif op == "cross-knob":
        settings = _cross_knob(rng, family)
        if settings is None:
            return gen_toml(rng, force)
        entries = [e for e in entries if e[0] in ("model", "name", "description")]
        entries += list(settings.items())
    elif op == "nesting":
        depth = rng.randint(1, 6000)
        where = rng.choice([k.name for k in family.knobs] + ["expect", "name", "model"])
        opening, closing = rng.choice([("[", "]"), ("{a = ", "}"), ("[{a = ", "}]")])
        inner = rng.choice(["1", '"x"', "true"] + ([""] if opening == "[" and depth > 1 else []))
        put(where, Raw(opening * depth + inner + closing * depth))  # expect = [[...]]: an item of the wrong type
    elif op == "table":
        knob = rng.choice(list(family.knobs) + [None])
        key = knob.name if knob else rng.choice(["expect", "name", "description", "model"])
        text = toml_doc(entries if key not in keys else [e for e in entries if e[0] != key])
        form = rng.choice(["table", "array", "dotted"])
        if form == "table":
            text += f"[{key}]\ncount = 2\n"
        elif form == "array":
            text += f"[[{key}]]\ncount = 2\n"
        else:
            text += f"{key}.count = 2\n"
        return Case("toml", f"toml/{op}", ["check", path, *TINY], files={path: text.encode()}, must=(path, key))

    if op == "file":
        kind = rng.choice(["missing", "missing-dir", "directory", "loop", "dangling", "empty", "comments"])
        case = Case("toml", f"toml/file-{kind}", ["check", path, *TINY], must=(path,))
        if kind == "missing-dir":
            path = f"nodir{rng.randrange(100)}/{path}"
            case.argv[1] = path
            case.must = (path,)
        elif kind == "directory":
            case.dirs = (path,)
        elif kind == "loop":
            case.links = ((path, path),)
        elif kind == "dangling":
            case.links = ((path, f"nowhere/{ident(rng)}.toml"),)
        elif kind == "empty":
            case.files = {path: b""}
        elif kind == "comments":
            case.files = {path: b"# just a comment\n\n# model = \"service\"\n"}
        return case

    text = toml_doc(entries)
    if op == "syntax":
        lines = text.splitlines(keepends=True)
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(SYNTAX_ERRORS) + "\n")
        text = "".join(lines)
    data = text.encode("utf-8")
    tag = op
    if op == "encoding":
        how = rng.choice(["byte", "byte", "latin1", "utf16", "cp1252", "surrogate", "overlong"])
        tag = f"encoding-{how}"
        if how == "byte":
            at = rng.randrange(len(data) + 1)
            data = data[:at] + rng.choice([b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe2\x82", b"\xf8"]) + data[at:]
        elif how == "latin1":
            data = data + 'description = "caf\u00e9 na\u00efve"\n'.encode("latin-1") \
                if "description" not in keys else data.replace(b"made by", "m\u00e4de by".encode("latin-1"))
        elif how == "utf16":
            data = text.encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
        elif how == "cp1252":
            data = data + "# \u201cquoted\u201d\n".encode("cp1252")
        elif how == "surrogate":
            data = data + b"# \xed\xa0\x80\n"
        else:
            data = data + b"# \xc0\xaf\n"
    return Case("toml", f"toml/{tag}", ["check", path, *TINY], files={path: data}, must=tuple(must), any_of=any_of)


# ------------------------------------------------------------------ surface: param

def gen_param(rng: Random) -> Case:
    m = _meta()
    design = rng.choice(list(m["designs"].values()))
    family = design.family
    op = rng.choice(["no-eq", "empty-name", "unknown", "unknown", "int-text", "int-range", "int-step", "bool",
                     "choice", "fixed", "fixed", "cross-knob", "on-file"])
    any_of: tuple = ("--param",)
    target = design.name
    files: dict = {}
    if op == "on-file":  # a valid design file, a bad --param
        path = f"p{rng.randrange(10**6)}.toml"
        files[path] = toml_doc([("model", family.name), ("workers", 1)] if family.name == "service"
                               else [("model", family.name)]).encode()
        target = path
        op = rng.choice(["unknown", "int-range", "bool", "choice"])
    knobs = family.knobs
    if op == "no-eq":
        item = rng.choice([rng.choice(knobs).name, ident(rng), rng.choice(knobs).name + ":" + "1",
                           rng.choice(knobs).name + " 1", "", " "])
        params = [item]
    elif op == "empty-name":
        params = [rng.choice(["", " ", "  \t"]) + "=" + rng.choice(["1", "true", "x", ""])]
    elif op == "unknown":
        names = [k.name for k in knobs]
        others = [k.name for f in m["families"].values() for k in f.knobs if k.name not in names]
        name = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(names)), ident(rng),
                                                   rng.choice(others), junk(rng, 1, 10)]),
                          lambda v: v.strip() not in names and v.strip() != "" and "=" not in v)
        params = [f"{name}={rng.choice(['1', 'true', 'x', ''])}"]
        any_of = ("--param", name.strip())
    else:
        kinds = {"int-text": "int", "int-range": "int", "int-step": "int", "bool": "bool", "choice": "choice",
                 "fixed": None, "cross-knob": None}[op]
        if op == "fixed":
            if not design.fixed:
                return gen_param(rng)
            knob = family.knob(rng.choice(design.fixed), "fuzz")
            own = design.parameters({})[knob.name]
            value = rng.choice([v for v in _valid_values(knob) if v != own])
            params = [f"{knob.name}={json.dumps(value) if isinstance(value, bool) else value}"]
            any_of = ("--param", knob.name)
        elif op == "cross-knob":
            from scmcheck.model.lang.errors import InputError

            settings = _cross_knob(rng, family)
            if settings is None:
                return gen_param(rng)
            texts = {k: json.dumps(v) if isinstance(v, bool) else str(v) for k, v in settings.items()}
            try:  # the design's own settings may reconcile them: then this is no bad input
                design.parameters(texts)
                return gen_param(rng)
            except InputError:
                pass
            params = [f"{k}={v}" for k, v in texts.items()]
            any_of = ("--param", *settings)
        else:
            pool = [k for k in knobs if k.kind == kinds and (op != "int-step" or k.multiple_of > 1)]
            if not pool:
                return gen_param(rng)
            knob = rng.choice(pool)
            if op == "int-text":
                value = other_than(rng, lambda: rng.choice([ident(rng), junk(rng), f"{knob.default}.0", "1e1",
                                                            "0x10", "", "true", "1,0", "½", "--1", "1 2"]),
                                   lambda v: not _knob_ok(knob, v.strip()))
            elif op == "int-range":
                value = other_than(rng, lambda: rng.choice([
                    str(knob.lo - rng.randint(1, 100)), str(knob.hi + rng.randint(1, 100)),
                    str(-(10 ** rng.randint(1, 30))), str(10 ** rng.randint(3, 40)), "9" * rng.randint(4400, 5000)]),
                    lambda v: not _knob_ok(knob, v))
            elif op == "int-step":
                value = str(other_than(rng, lambda: rng.randint(knob.lo, knob.hi), lambda v: not _knob_ok(knob, v)))
            elif op == "bool":
                value = other_than(rng, lambda: rng.choice(["maybe", "2", "", "tru", "on", "off", "y", "n", "-1",
                                                            "truefalse", ident(rng)]),
                                   lambda v: not _knob_ok(knob, v.strip()))
            else:
                value = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(knob.choices)), ident(rng),
                                                            "", junk(rng), "1", "true"]),
                                   lambda v: v.strip() not in knob.choices)
            params = [f"{knob.name}={value}"]
            any_of = ("--param", knob.name)
    argv = ["check", target]
    for p in params:
        argv += rng.choice([["--param", p], [f"--param={p}"]]) if not p.startswith("-") else [f"--param={p}"]
    return Case("param", f"param/{op}", argv + TINY, files=files, any_of=any_of)


# ------------------------------------------------------------------ surface: property

def gen_property(rng: Random) -> Case:
    m = _meta()
    design = rng.choice(list(m["designs"].values()))
    applies = m["applies"][design.name]
    ids = m["ids"]
    op = rng.choice(["unknown", "typo", "not-applicable", "not-applicable", "empty", "among-good"])
    if op in ("not-applicable",) and len(applies) == len(ids):
        op = "typo"
    if op == "unknown":
        bad = other_than(rng, lambda: rng.choice([ident(rng), junk(rng)]),
                         lambda v: v not in ids and not v.startswith("-"))
    elif op == "typo":
        bad = other_than(rng, lambda: near_miss(rng, rng.choice(ids)), lambda v: v not in ids)
    elif op == "empty":
        bad = rng.choice(["", " ", "\t"])
    else:
        others = [i for i in ids if i not in applies]
        bad = rng.choice(others) if others else near_miss(rng, rng.choice(ids))
    props = [bad]
    if op == "among-good":
        props = rng.sample(applies, min(len(applies), rng.randint(1, 3))) + [bad]
        rng.shuffle(props)
    argv = ["check", design.name]
    for p in props:
        argv += [f"--property={p}"] if p.startswith("-") or rng.random() < 0.5 else ["--property", p]
    return Case("property", f"property/{op}", argv + TINY, any_of=("--property",))


# ------------------------------------------------------------------ surface: engine

def gen_engine(rng: Random) -> Case:
    good = ("explicit", "bmc", "fuzz", "all")
    bad = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(good)), ident(rng), junk(rng), "",
                                              "explicit,bmc", "z3", "Explicit", "ALL", "bfs", "none"]),
                     lambda v: v not in good)
    argv = ["check", "service-correct", "--param", "workers=1", "--depth", "2", "--out", OUT]
    argv += [f"--engine={bad}"] if bad.startswith("-") or rng.random() < 0.5 else ["--engine", bad]
    return Case("engine", "engine/unknown", argv, any_of=("--engine",))


# ------------------------------------------------------------------ surface: budget

def _timeout_ok(v: str) -> bool:
    try:
        x = float(v)
    except ValueError:
        return False
    return not math.isnan(x) and x > 0


def _int_ok(least: Optional[int]) -> Callable[[str], bool]:
    def ok(v: str) -> bool:
        try:
            x = int(v)
        except ValueError:
            return False
        return least is None or x >= least
    return ok


BUDGETS = {"--timeout": _timeout_ok, "--depth": _int_ok(0), "--runs": _int_ok(1), "--seed": _int_ok(None)}


def _budget_value(rng: Random) -> str:
    n = str(rng.randint(1, 10**6))
    return rng.choice([
        ident(rng), junk(rng), "", " ", "-" + n, "-" + n + ".5", "0", "0.0", "-0", "0e10", "nan", "NaN", "-nan",
        "+nan", "NAN", "-inf", "-Infinity", "1.5", "2.0", "1e3", "0x10", "0o7", "0b1", "1__0", "1_0", "1,000",
        n + "s", n + "ms", "5m", "1h", "9" * rng.randint(4400, 5000), "²", "½", "٣.٥", "1e", ".", "-", "+",
        "1 2", "infinity!", "0.000", "-1e-300", "1/2", "--1", "++1", n + " " + n,
    ])


def _reads_as_number(v: str) -> bool:
    for read in (int, float):
        try:
            read(v)
            return True
        except ValueError:
            pass
    return False


def gen_budget(rng: Random) -> Case:
    flag = rng.choice(list(BUDGETS))
    ok = BUDGETS[flag]
    # not a number with a newline around it: that is gen_budget_newline's (a known bug)
    value = other_than(rng, lambda: _budget_value(rng),
                       lambda v: not ok(v) and not ("\n" in v and _reads_as_number(v)))
    argv = ["check", "service-correct", "--param", "workers=1", "--engine",
            "fuzz" if flag in ("--runs", "--seed") and rng.random() < 0.5 else "explicit", "--out", OUT]
    if flag != "--depth":
        argv += ["--depth", "2"]
    argv += [f"{flag}={value}"] if rng.random() < 0.5 else [flag, value]
    if rng.random() < 0.3:  # the flag before the target
        argv = ["check", *argv[argv.index(OUT) + 1:], *argv[1:argv.index(OUT) + 1]]
    return Case("budget", f"budget{flag[1:]}", argv, any_of=(flag,))


def gen_budget_newline(rng: Random) -> Case:
    """A value int()/float() accept around whitespace, out of range, with a newline in it."""
    flag = rng.choice(["--timeout", "--depth", "--runs"])
    value = rng.choice({"--timeout": ["-1\n", "0\n", "\n-5", "-2.5\n"], "--depth": ["-1\n", "\n-3"],
                        "--runs": ["0\n", "-1\n", "\n0"]}[flag])
    assert not BUDGETS[flag](value)
    return Case("budget", "budget/newline", ["check", "service-correct", "--param", "workers=1", *TINY,
                                             f"{flag}={value}"], any_of=(flag,))


# ------------------------------------------------------------------ surface: python

PY_HEAD = "import sys\nfrom scmcheck.model.designs import Design, Family, Knob, built_in\n" \
          "from scmcheck.model.lang.system import System\nfrom scmcheck.model.service_api import user_design\n"

RAISES = [
    "raise ValueError('bad value')", "raise TypeError('wrong type')", "raise RuntimeError('r' * 5000)",
    "raise KeyError('k')", "1 / 0", "[][1]", "{}['missing']", "None.attribute", "int('x')",
    "import no_such_module_for_fuzz", "from os import no_such_name_for_fuzz", "assert False, 'asserted'",
    "raise NotImplementedError", "raise StopIteration", "raise GeneratorExit", "raise MemoryError",
    "raise OSError(2, 'No such file')", "open('/nonexistent/fuzz/file')", "b'\\xff'.decode()",
    "raise Exception('line1\\nline2\\nline3')", "raise Exception('')", "raise Exception()",
    "raise UserWarning('w')", "raise ArithmeticError", "raise LookupError('\\u00e9\\u6f22')",
    "raise Bail('out of here')", "raise Odd()", "raise RecursionError", "recurse()",
    "raise Exception('x' * 100000)", "raise Exception(*range(50))", "raise ExceptionGroup('g', [ValueError(1)])",
]
PY_HELPERS = ("class Bail(BaseException):\n    pass\n\n\nclass Odd(Exception):\n    def __str__(self):\n"
              "        raise ValueError('no str')\n\n\ndef recurse():\n    return recurse()\n\n\n")

EXIT_CODES = ["0", "1", "2", "3", "4", "130", "-1", "None", "'bye'", "'multi\\nline'", "10 ** 30", "[1, 2]",
              "{'a': 1}", "3.5", "''", "'x' * 5000"]


def _indent(code: str, by: str = "    ") -> str:
    return "\n".join(by + ln for ln in code.splitlines())


def gen_python(rng: Random, force: Optional[str] = None) -> Case:
    m = _meta()
    mod = f"m{rng.randrange(10**6)}{rng.choice(FILE_NAME_TAILS)}.py"
    op = rng.choice(["missing-file", "missing-object", "no-object-name", "directory", "syntax", "syntax",
                     "raise-import", "raise-import", "raise-factory", "raise-factory", "raise-build", "raise-getattr",
                     "exit", "exit", "exit", "wrong-type", "wrong-type", "bad-name", "bad-expect", "fixed-system-param",
                     "design-settings"]) if force is None else force
    attr = "design"
    files: dict = {}
    dirs: tuple = ()
    extra: list = []
    tag = op
    good = 'design = built_in("service-correct")\n'
    body = good
    where = rng.choice(["import", "factory", "build"])
    if op == "missing-file":
        if rng.random() < 0.5:
            mod = f"nodir{rng.randrange(100)}/{mod}"
        body = None
    elif op == "missing-object":
        attr = other_than(rng, lambda: rng.choice([ident(rng), near_miss(rng, "design"), "Design", "sys"]),
                          lambda a: a not in ("design", "sys", "Design", "Family", "Knob", "built_in", "System",
                                              "user_design"))
    elif op == "no-object-name":
        attr = ""
    elif op == "directory":
        dirs = (mod,)
        body = None
    elif op == "syntax":
        how = rng.choice(["line", "line", "line", "bytes", "null", "tabs"])
        tag = f"syntax-{how}"
        lines = [f"v{i} = {rng.randint(0, 99)}" for i in range(rng.randint(0, 8))]
        if how == "line":
            bad = rng.choice(["def f(:", "x = (1,", "if True\n    pass", "  x = 1", "return 5", "x = 1 +", "class:",
                              "import", "f(**)", "x ==== 2", "print 'hi'", "else:", "\u20ac = 1", "x = $",
                              "def design():\nreturn 1", "x = '''open", "x = 0x", "for in x: pass",
                              "async = 1", "x = [1, 2", "@\ndef g(): pass", "del 1", "x += = 2"])
            lines.insert(rng.randrange(len(lines) + 1), bad)
            body = "\n".join(lines) + "\n" + good
        elif how == "tabs":
            body = "def design():\n\tif True:\n        return 1\n\treturn 2\n"
        else:
            body = None
            raw = ("\n".join(lines) + "\n" + good).encode()
            at = rng.randrange(len(raw) + 1)
            bad_bytes = b"\x00" if how == "null" else rng.choice([b"\xff", b"\xfe\xfe", b"\x80", b"\xe9"])
            files[mod] = PY_HEAD.encode() + raw[:at] + bad_bytes + raw[at:]
    elif op in ("raise-import", "raise-factory", "raise-build", "raise-getattr"):
        stmt = rng.choice(RAISES)
        if op == "raise-import":
            place = rng.choice(["top", "function", "class", "decorator", "loop"])
            body = PY_HELPERS + {
                "top": stmt + "\n",
                "function": f"def helper():\n{_indent(stmt)}\n\n\nhelper()\n",
                "class": f"class K:\n{_indent(stmt)}\n",
                "decorator": f"def deco(f):\n{_indent(stmt)}\n\n\n@deco\ndef g():\n    pass\n",
                "loop": f"for _i in range(3):\n{_indent(stmt)}\n",
            }[place] + good
        elif op == "raise-factory":
            body = PY_HELPERS + f"def design():\n{_indent(stmt)}\n"
        elif op == "raise-build":
            body = PY_HELPERS + f"def build(p):\n{_indent(stmt)}\n\n\ndesign = user_design('mine', 'doc', build)\n"
        else:
            attr = "missing_" + ident(rng)
            body = PY_HELPERS + f"def __getattr__(name):\n{_indent(stmt)}\n"
    elif op == "exit":
        code = rng.choice(EXIT_CODES)
        call = rng.choice([f"sys.exit({code})", f"raise SystemExit({code})", "exit()", "quit()", "sys.exit()",
                           f"exit({code})"])
        body = {"import": call + "\n" + good,
                "factory": f"def design():\n{_indent(call)}\n",
                "build": f"def build(p):\n{_indent(call)}\n\n\ndesign = user_design('mine', 'doc', build)\n"}[where]
        tag = f"exit-{where}"
    elif op == "wrong-type":
        value = rng.choice(["3", "2.5", "'svc'", "None", "[1]", "{}", "(1,)", "{1}", "b'x'", "True", "sys",
                            "object()", "Knob('k', 1, 'doc', 0, 3)", "built_in", "range(3)", "type",
                            "Exception('e')", "..."])
        form = rng.choice(["value", "factory", "class", "generator", "lambda"])
        body = {"value": f"design = {value}\n",
                "factory": f"def design():\n    return {value}\n",
                "class": "class design:\n    pass\n",
                "generator": "def design():\n    yield 1\n",
                "lambda": f"design = lambda: {value}\n"}[form]
        if form == "factory" and value == "built_in":
            body = "def design():\n    return 42\n"
        tag = f"wrong-type-{form}"
    elif op == "bad-name":
        name = _bad_name(rng)
        kind = rng.choice(["Design", "Family", "System", "user_design"])
        body = {"Design": f"base = built_in('service-correct')\n"
                          f"design = Design({name!r}, base.family, {{}}, (), 'd')\n",
                "Family": f"design = Family({name!r}, 'doc', (), lambda p: None, ())\n",
                "System": f"def design():\n    m = System({name!r})\n    m.int('x', 0, 3, 0)\n    return m\n",
                "user_design": f"design = user_design({name!r}, 'doc', lambda p: None)\n"}[kind]
        tag = f"bad-name-{kind}"
    elif op == "bad-expect":
        ids = m["ids"]
        applies = m["applies"]["service-correct"]
        bad = rng.choice([repr(other_than(rng, lambda: near_miss(rng, rng.choice(ids)), lambda v: v not in ids)),
                          repr(rng.choice([i for i in ids if i not in applies])), "1", "None", "['x']"])
        unhashable = bad == "['x']"
        field_ = rng.choice(["expect", "vacuous"])
        body = ("base = built_in('service-correct')\n"
                f"design = Design('mine', base.family, {{}}, {{expect}}, 'd', vacuous={{vacuous}})\n"
                .replace("{expect}", f"({bad},)" if field_ == "expect" else "()")
                .replace("{vacuous}", f"({bad},)" if field_ == "vacuous" else "()"))
        tag = f"bad-{field_}" + ("-unhashable-item" if unhashable else "")
        if rng.random() < 0.25:  # the whole field of a wrong type, not one item
            whole = rng.choice(["None", "3", "True"])
            body = ("base = built_in('service-correct')\n"
                    f"design = Design('mine', base.family, {{}}, {whole if field_ == 'expect' else '()'}, 'd', "
                    f"vacuous={whole if field_ == 'vacuous' else '()'})\n")
            tag = f"bad-{field_}-whole"
    elif op == "fixed-system-param":
        attr = "m"
        body = "m = System('fixed')\nm.int('x', 0, 3, 0)\n"
        extra = ["--param", rng.choice(["x=1", "workers=1", "y=2"])]
    elif op == "design-settings":
        design = rng.choice(list(m["designs"].values()))
        family = design.family
        how = rng.choice(["unknown", "range", "cross"])
        if how == "unknown":
            settings = {ident(rng): 1}
        elif how == "range":
            knob = rng.choice(family.knobs)
            value = other_than(rng, lambda: _bad_knob_value(rng, knob, typed=rng.random() < 0.5),
                               lambda v: not _knob_ok(knob, str(v) if isinstance(v, Raw) else v))
            settings = {knob.name: str(value) if isinstance(value, Raw) else value}
        else:
            settings = _cross_knob(rng, family) or {ident(rng): 1}
        body = (f"base = built_in({design.name!r})\n"
                f"design = Design('mine', base.family, {settings!r}, (), 'd')\n")
        tag = f"design-settings-{how}"
    if body is not None:
        files[mod] = (PY_HEAD + body).encode()
    target = f"{mod}:{attr}" if op != "missing-file" or rng.random() < 0.8 else mod
    return Case("python", f"python/{tag}", ["check", target, *extra, "--property", "stopped_only_after_threads_exit",
                                            *TINY], files=files, dirs=dirs, must=(mod,))


def gen_python_nasty(rng: Random, kind: str) -> Case:
    """Python targets the fuzz found mishandled (the test's KNOWN_BUGS), made on purpose."""
    mod = f"n{rng.randrange(10**6)}.py"
    target = f"{mod}:design"
    if kind == "exit-repr-raises":  # sys.exit(obj) whose repr() raises
        body = ("class W:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n\n\n"
                + rng.choice(["sys.exit(W())\n", "def design():\n    sys.exit(W())\n"]))
    elif kind == "str-raises-base":  # an exception whose __str__ raises SystemExit
        body = ("class E(Exception):\n    def __str__(self):\n        raise SystemExit(3)\n\n\n"
                + rng.choice(["raise E()\n", "def design():\n    raise E()\n"]))
    elif kind == "bad-expect-whole":  # Design(expect=<not a sequence>)
        body = ("base = built_in('service-correct')\n"
                f"design = Design('mine', base.family, {{}}, {rng.choice(['None', '3', 'True'])}, 'd')\n")
    elif kind.endswith("-unhashable-item"):  # Design(expect=(['x'],)) or vacuous=({},)
        item = rng.choice(["['x']", "{}", "{'a': 1}", "set()"])
        body = "base = built_in('service-correct')\n" + (
            f"design = Design('mine', base.family, {{}}, ({item},), 'd')\n" if "expect" in kind else
            f"design = Design('mine', base.family, {{}}, (), 'd', vacuous=({item},))\n")
    else:  # "file-too-long": a file name longer than the file system takes
        body = None
        mod = "x" * rng.randint(256, 400) + ".py"
        target = rng.choice([f"{mod}:design", mod, f"{mod[:-3]}/{mod}:design"])
        return Case("python", f"python/{kind}", ["check", target, *TINY], must=(mod[:200],))
    return Case("python", f"python/{kind}", ["check", target, *TINY],
                files={mod: (PY_HEAD + body).encode()}, must=(mod,))


# ------------------------------------------------------------------ surface: usage

def gen_usage(rng: Random, trace: bytes) -> Case:
    op = rng.choice(["no-command", "bad-command", "no-target", "no-trace", "unknown-flag", "unknown-flag",
                     "extra-arg", "bad-format", "missing-value"])
    files: dict = {}
    if op == "no-command":
        return Case("usage", "usage/no-command", [], any_of=("command",))
    if op == "bad-command":
        cmd = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(["list", "check", "show"])), ident(rng),
                                                  junk(rng)]),
                         lambda v: v not in ("list", "check", "show") and not v.startswith("-"))
        return Case("usage", "usage/bad-command", [cmd, "service-correct"], any_of=(cmd, "command"))
    if op == "no-target":
        return Case("usage", "usage/no-target", ["check", *TINY], any_of=("target",))
    if op == "no-trace":
        return Case("usage", "usage/no-trace", ["show", "--format", "svg"], any_of=("trace",))
    if op == "unknown-flag":
        flag = "--" + other_than(rng, lambda: near_miss(rng, rng.choice(["depth", "param", "engine", "json", "out"])),
                                 lambda v: not any(o.startswith("--" + v.split("=")[0]) for o in
                                                   ("--depth", "--param", "--engine", "--json", "--out", "--property",
                                                    "--timeout", "--runs", "--seed", "--debug", "--help", "--format",
                                                    "--output", "--target", "--trust", "--rules", "--version")))
        where = rng.choice(["check", "list", "show", "top"])
        if where == "check":
            argv = ["check", "service-correct", flag, *TINY]
        elif where == "list":
            argv = ["list", flag]
        elif where == "show":
            files[TRACE] = trace
            argv = ["show", TRACE, flag]
        else:
            argv = [flag, "list"]
        return Case("usage", f"usage/unknown-flag-{where}", argv, files=files, any_of=(flag,))
    if op == "extra-arg":
        arg = ident(rng)
        return Case("usage", "usage/extra-arg", rng.choice([["list", arg], ["check", "service-correct", arg, *TINY]]),
                    any_of=(arg,))
    if op == "bad-format":
        files[TRACE] = trace
        fmt = other_than(rng, lambda: rng.choice([near_miss(rng, rng.choice(["svg", "text", "dot", "html"])),
                                                  ident(rng), "png", "SVG", ""]),
                         lambda v: v not in ("text", "dot", "svg", "mermaid", "html") and not v.startswith("-"))
        return Case("usage", "usage/bad-format", ["show", TRACE, "--format", fmt], files=files, any_of=("--format",))
    flag = rng.choice(["--engine", "--param", "--property", "--depth", "--out", "--timeout"])
    return Case("usage", "usage/missing-value", ["check", "service-correct", "--engine", "explicit", flag],
                any_of=(flag,))


def gen_usage_newline(rng: Random) -> Case:
    """An unrecognized argument with a newline in it (see the known-bug list)."""
    arg = rng.choice(["--bogus\nflag", "a\nb", "--x=1\n2"])
    return Case("usage", "usage/unrecognized-newline", rng.choice([["list", arg],
                                                                   ["check", "service-correct", arg, *TINY]]),
                any_of=(arg.split("\n")[0],))


# ------------------------------------------------------------------ surface: output

def gen_output(rng: Random, trace: bytes) -> Case:
    which = rng.choice(["--out", "-o"])
    kind = rng.choice(["under-file", "deep-under-file", "proc", "proc-new", "proc-file", "proc-under-file",
                       "too-long", "loop", "dangling"] + (["file"] if which == "--out" else ["dir", "dir-slash"])
                      + ([] if IS_ROOT else ["read-only"] + (["read-only-file"] if which == "-o" else [])))
    files: dict = {}
    dirs: tuple = ()
    links: tuple = ()
    name = ident(rng)
    if kind == "file":
        place = f"{name}.txt"
        files[place] = b"not a folder\n"
    elif kind in ("under-file", "deep-under-file"):
        files[f"{name}.txt"] = b"a file\n"
        place = f"{name}.txt/" + ("/".join(ident(rng) for _ in range(rng.randint(2, 4)))
                                  if kind == "deep-under-file" else ident(rng))
    elif kind == "proc":
        place = rng.choice(["/proc", "/proc/self", "/proc/self/fd"])
    elif kind == "proc-new":
        place = f"/proc/scmfuzz_{name}/" + ident(rng)
    elif kind == "proc-file":
        place = rng.choice(["/proc/self/status", "/proc/version", "/proc/self/cmdline"])
    elif kind == "proc-under-file":
        place = rng.choice(["/proc/self/status", "/proc/version"]) + "/" + ident(rng)
    elif kind == "too-long":
        place = "x" * rng.randint(256, 400) + ("/y" if rng.random() < 0.5 else "")
    elif kind == "loop":
        links = ((name, name),)
        place = name + rng.choice(["", "/" + ident(rng)]) if which == "--out" else name + "/" + ident(rng)
    elif kind == "dangling":
        links = ((name, f"nowhere_{ident(rng)}/x"),)
        place = name if which == "--out" else name + "/" + ident(rng) + ".svg"
    elif kind in ("dir", "dir-slash"):
        dirs = (name,)
        place = name + ("/" if kind == "dir-slash" else "")
    elif kind == "read-only-file":  # (skipped as root: root writes anywhere)
        files[name + ".svg@ro"] = b"old\n"
        place = name + ".svg"
    else:  # read-only folder (skipped as root)
        dirs = (name + "@ro",)
        place = name + "/" + ident(rng) if which == "--out" else name + "/x.svg"
    if which == "-o" and kind in ("proc-new",):
        place += ".svg"
    if which == "--out":
        argv = ["check", "service-correct", "--param", "workers=1", "--property", "stopped_only_after_threads_exit",
                "--engine", "explicit", "--depth", "2", "--out", place]
    else:
        files[TRACE] = trace
        argv = ["show", TRACE, "--format", rng.choice(["text", "dot", "svg", "mermaid", "html"]), "-o", place]
    if rng.random() < 0.5:
        argv[-2:] = [f"{which}={place}" if which == "--out" else f"-o{place}"]
    return Case("output", f"output/{which.strip('-')}-{kind}", argv, files=files, dirs=dirs, links=links,
                any_of=(which,))


# ------------------------------------------------------------------ surface: trace

def _paths(obj: Any, prefix: tuple = ()) -> list:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, prefix + (i,))
    return out


def _get(obj: Any, path: tuple) -> Any:
    for p in path:
        obj = obj[p]
    return obj


def _accepts(path: tuple, data: dict) -> Optional[set]:
    """The JSON kinds the documented trace format allows at ``path`` (None: a field show does not read)."""
    S = set
    meta_fields = {"version": S(["str"]), "model": S(["str"]), "design": S(["str"]), "target": S(["str"]),
                   "parameters": S(["obj"]), "property": S(["str", "null"]), "rules": S(["list"]),
                   "engine": S(["str"]), "time_unit": S(["int", "float", "null"]), "processes": S(["list"]),
                   "variables": S(["list"]), "focus": S(["list"])}
    var_fields = {"name": S(["str"]), "kind": S(["str"]), "lo": S(["int"]), "hi": S(["int"]), "values": S(["list"]),
                  "unit": S(["int", "float", "null"])}
    n = len(path)
    if path == ("#meta",) or path == ("#meta", "scmcheck"):
        return S(["obj"])
    if n == 3 and path[:2] == ("#meta", "scmcheck"):
        return meta_fields.get(path[2])
    if n == 4 and path[:2] == ("#meta", "scmcheck"):
        if path[2] == "parameters":
            return S(["str", "int", "float", "bool", "null"])
        if path[2] in ("rules", "processes", "focus"):
            return S(["str"])
        if path[2] == "variables":
            return S(["obj"])
    if n == 5 and path[2] == "variables":
        return var_fields.get(path[4])
    if n == 6 and path[2] == "variables" and path[4] == "values":
        return S(["str"])
    if path in (("vars",), ("states",)):
        return S(["list"])
    if n == 2 and path[0] == "vars":
        return S(["str"])
    if n == 2 and path[0] == "states":
        return S(["obj"])
    if n >= 3 and path[0] == "states":
        key = path[2]
        if n == 3:
            if key == "#meta":
                return S(["obj"])
            if key == "mbt::actionTaken":
                return S(["str"])
            if key == "mbt::nondetPicks":
                return S(["obj"])
            kinds = {v["name"]: v["kind"] for v in data["#meta"]["scmcheck"]["variables"]}
            if key in kinds:
                return S([{"bool": "bool", "int": "int", "enum": "str"}[kinds[key]]])
            return None
        if n == 4 and key == "#meta":
            return {"index": S(["int"]), "time": S(["int", "float"]), "process": S(["str", "null"]),
                    "reads": S(["list"]), "writes": S(["list"])}.get(path[3])
        if n == 5 and key == "#meta" and path[3] in ("reads", "writes"):
            return S(["str"])
    return None


RETYPE = {"null": [None], "bool": [True, False], "int": [0, 7, -3, 2**60], "float": [2.5, 0.5, -1.25],
          "str": ["x", "", "10", "true"], "list": [[], [1], ["a"]], "obj": [{}, {"a": 1}]}


def _set(data: dict, path: tuple, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _del(data: dict, path: tuple) -> None:
    del _get(data, path[:-1])[path[-1]]


def _trace_mutation(rng: Random, data: dict) -> tuple:
    """(tag, mutated data or bytes): one change show must refuse."""
    meta = data["#meta"]["scmcheck"]
    variables = meta["variables"]
    states = data["states"]
    op = rng.choice(["retype"] * 6 + ["delete"] * 3 + ["corrupt"] * 6 + ["param"] * 2 + ["loop", "states",
                                                                                           "picks", "number"])
    if op == "retype":
        paths = [p for p in _paths(data) if _accepts(p, data) is not None]
        groups: dict = {}  # meta fields, variables, vars, state fields: each as likely, however many paths it has
        for p in paths:
            g = "variables" if p[2:3] == ("variables",) else p[0] if p[0] != "states" else \
                "states" if len(p) <= 2 else "state-meta" if p[2] == "#meta" else "state-values"
            groups.setdefault(g, []).append(p)
        path = rng.choice(groups[rng.choice(sorted(groups))])
        ok = _accepts(path, data)
        kind = rng.choice([k for k in RETYPE if k not in ok])
        _set(data, path, copy.deepcopy(rng.choice(RETYPE[kind])))
        return f"retype-{_depth_name(path)}", data
    if op == "delete":
        enum_i = [i for i, v in enumerate(variables) if v["kind"] == "enum"]
        choices = [("#meta",), ("#meta", "scmcheck"), ("#meta", "scmcheck", "variables"), ("vars",), ("states",),
                   ("#meta", "scmcheck", "model"), ("#meta", "scmcheck", "design"), ("#meta", "scmcheck", "target")]
        i = rng.randrange(len(variables))
        choices += [("#meta", "scmcheck", "variables", i, "name"), ("#meta", "scmcheck", "variables", i, "kind")]
        if enum_i:
            choices.append(("#meta", "scmcheck", "variables", rng.choice(enum_i), "values"))
        lo_i = [i for i, v in enumerate(variables) if v.get("lo", 0) != 0]
        hi_i = [i for i, v in enumerate(variables) if v.get("hi", 1) != 1]
        unit_i = [i for i, v in enumerate(variables) if v.get("unit") is not None]
        for pool, key in ((lo_i, "lo"), (hi_i, "hi"), (unit_i, "unit")):
            if pool:
                choices.append(("#meta", "scmcheck", "variables", rng.choice(pool), key))
        s = rng.randrange(len(states))
        choices.append(("states", s, rng.choice(data["vars"])))
        choices.append(("states", rng.randrange(1, len(states)), "mbt::actionTaken"))
        path = rng.choice(choices)
        _del(data, path)
        return f"delete-{_depth_name(path)}", data
    if op == "corrupt":
        what = rng.choice(["model", "design", "target", "property", "engine", "process", "action", "state",
                           "state", "state", "var-name", "vars", "values", "lo-hi", "unit", "kind"])
        text = lambda: rng.choice([ident(rng), junk(rng), near_miss(rng, "x" + ident(rng))])  # noqa: E731
        if what in ("model", "design", "engine"):
            old = meta[what]
            meta[what] = other_than(rng, lambda: rng.choice([text(), near_miss(rng, old), old.upper()]),
                                    lambda v: v != old and v != "" and v not in ("explicit", "bmc", "fuzz"))
        elif what == "target":
            old = meta["target"]
            meta["target"] = rng.choice([near_miss(rng, old), "", ident(rng), ident(rng) + ".toml",
                                         f"nodir/{ident(rng)}.toml", ident(rng) + ".py:design", "controls-correct",
                                         "com-apartment-correct", "shutdown-correct"])
        elif what == "property":
            from scmcheck.properties.catalog import CATALOG

            applies = _applies_to(meta["design"], json.dumps(meta["parameters"], sort_keys=True))
            meta["property"] = rng.choice([
                other_than(rng, lambda: rng.choice([text(), near_miss(rng, meta["property"])]),
                           lambda v: v not in CATALOG),
                rng.choice([i for i in _meta()["ids"] if i not in applies])])
        elif what in ("process", "action"):
            i = rng.randrange(1, len(states))
            key = ("#meta", "process") if what == "process" else ("mbt::actionTaken",)
            row = states[i]
            old = _get(row, key)
            new = other_than(rng, lambda: rng.choice([text(), near_miss(rng, old or "x"), ""]), lambda v: v != old)
            if what == "process":
                row["#meta"]["process"] = rng.choice([new, None])
            else:
                row["mbt::actionTaken"] = other_than(rng, lambda: "fuzz_" + text(), lambda v: v != old)
        elif what == "state":
            i = rng.randrange(len(states))
            v = rng.choice(variables)
            old = states[i][v["name"]]
            if v["kind"] == "bool":
                new = not old
            elif v["kind"] == "int":
                new = old + rng.choice([-1, 1, rng.randint(2, 10**6), -rng.randint(2, 10**6)])
                if rng.random() < 0.3:  # ITF's big integer form, well-formed or not
                    new = rng.choice([{"#bigint": str(new)}, {"#bigint": str(new)}, {"#bigint": "12a"},
                                      {"#bigint": old}, {"#bigint": str(old), "extra": 1}, {"#bigint": ""},
                                      {"#bigint": "1" * 5000}, {"#bigint": None}])
            else:
                new = rng.choice([x for x in v["values"] if x != old] + [text()])
            states[i][v["name"]] = new
        elif what == "var-name":
            v = rng.choice(variables)
            v["name"] = other_than(rng, text, lambda x: x != v["name"])
        elif what == "vars":
            names = data["vars"]
            how = rng.choice(["drop", "rename", "swap", "add"])
            if how == "drop":
                names.pop(rng.randrange(len(names)))
            elif how == "rename":
                j = rng.randrange(len(names))
                names[j] = other_than(rng, text, lambda x: x not in names)
            elif how == "swap":
                a, b = rng.sample(range(len(names)), 2)
                names[a], names[b] = names[b], names[a]
            else:
                names.insert(rng.randrange(len(names) + 1), "extra_" + ident(rng))
        elif what == "values":
            v = rng.choice([x for x in variables if x["kind"] == "enum"])
            j = rng.randrange(len(v["values"]))
            how = rng.choice(["rename", "swap", "drop", "empty"])
            if how == "rename":
                v["values"][j] = other_than(rng, text, lambda x: x not in v["values"])
            elif how == "swap" and len(v["values"]) > 1:
                k = (j + 1) % len(v["values"])
                v["values"][j], v["values"][k] = v["values"][k], v["values"][j]
            elif how == "drop":
                v["values"].pop(j)
            else:
                v["values"] = []
        elif what == "lo-hi":
            v = rng.choice([x for x in variables if x["kind"] == "int"])
            key = rng.choice(["lo", "hi"])
            v[key] = v[key] + rng.choice([-1, 1, 5, -100, 10**20])
        elif what == "unit":
            v = rng.choice(variables)
            v["unit"] = other_than(rng, lambda: rng.choice([None, 1, 5, 0.5, 60, 10]), lambda x: x != v.get("unit"))
        else:
            v = rng.choice(variables)
            v["kind"] = other_than(rng, lambda: rng.choice(["bool", "int", "enum", "real", "Bool", "", "string"]),
                                   lambda x: x != v["kind"])
        return f"corrupt-{what}", data
    if op == "param":
        params = meta["parameters"]
        from scmcheck.model.designs import built_in

        family = built_in(meta["design"]).family
        how = rng.choice(["unknown", "range", "type"])
        if how == "unknown":
            names = [k.name for k in family.knobs]
            params[other_than(rng, lambda: rng.choice([ident(rng), near_miss(rng, rng.choice(names))]),
                              lambda v: v not in names)] = rng.choice([1, True, "x"])
        else:
            knob = rng.choice(family.knobs)
            if how == "range":
                value = _bad_knob_value(rng, knob, typed=False)
            else:  # a JSON value of a type the knob never takes (strings are read as on the command line)
                value = rng.choice([1.5, float(knob.default or 0) + 0.5, True, False] if knob.kind == "int" else
                                   ["x", True, [1], {}] if knob.kind == "seconds" else
                                   [0, 1, 1.0, None, 2] if knob.kind == "bool" else [0, True, None, 1.5])
            if knob.kind == "bool" and how == "range":
                value = rng.choice(["maybe", 2, None])
            params[knob.name] = value
        return f"param-{how}", data
    if op == "loop":
        data["loop"] = rng.choice([rng.randrange(len(states)), len(states), -1, 10**9, "1", 1.0, [0], True, {}])
        return "loop", data
    if op == "states":
        how = rng.choice(["drop-first", "drop-last", "drop-middle", "dup-last", "empty", "only-first"])
        if how == "drop-first":
            states.pop(0)
        elif how == "drop-last":
            states.pop()
        elif how == "drop-middle":
            states.pop(rng.randrange(1, len(states) - 1))
        elif how == "dup-last":
            states.append(copy.deepcopy(states[-1]))
        elif how == "empty":
            states.clear()
        else:
            del states[1:]
        return f"states-{how}", data
    if op == "picks":
        i = rng.randrange(1, len(states))
        states[i]["mbt::nondetPicks"][rng.choice([ident(rng), "i", "worker"])] = rng.choice([0, 1, "x", True])
        return "picks-extra", data
    text = json.dumps(data, indent=1)  # "number": a number JSON or this format does not take, where one stands
    spots = [mt for mt in re.finditer(r"(?<=: )-?\d+(\.\d+)?(?=[,\n])", text)]
    spot = rng.choice(spots)
    repl = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "9" * rng.randint(4400, 5000)])
    if repl == "1e999" and spot.group(0) in ("0", "0.0"):
        repl = "-1e999"
    return f"number-{repl[:8]}", (text[:spot.start()] + repl + text[spot.end():]).encode()


def _depth_name(path: tuple) -> str:
    """A short name for a field path: states[i].x -> states.x (for the tag)."""
    return ".".join("i" if isinstance(p, int) else str(p) for p in path)[:60]


def gen_trace(rng: Random, trace: bytes) -> Case:
    data = json.loads(trace)
    r = rng.random()
    if r < 0.62:
        tag, out = _trace_mutation(rng, data)
        if isinstance(out, dict):
            out = json.dumps(out, indent=rng.choice([None, 1])).encode()
    elif r < 0.72:
        end = trace.rindex(b"}")
        out = trace[:rng.randrange(end + 1)]
        tag = "truncate"
    elif r < 0.82:
        how = rng.choice(["byte", "latin1", "utf16", "bom", "surrogate"])
        tag = f"encoding-{how}"
        if how == "byte":
            at = rng.randrange(len(trace) + 1)
            bad = rng.choice([b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"])
            out = trace[:at] + bad + trace[at:]
        elif how == "latin1":
            out = trace.replace(b'"design": "', b'"design": "\xe9', 1)
        elif how == "utf16":
            out = trace.decode().encode(rng.choice(["utf-16", "utf-16-le", "utf-32"]))
        elif how == "bom":
            out = b"\xef\xbb\xbf" + trace
        else:
            out = trace.replace(b'"design": "', b'"design": "\xed\xb0\x80', 1)
    elif r < 0.9:
        how = rng.choice(["array", "number", "string", "null", "empty", "nested", "text"])
        tag = f"not-a-trace-{how}"
        out = {"array": b"[]", "number": b"42", "string": b'"trace"', "null": b"null", "empty": b"",
               "text": b"this is not json\n",
               "nested": ('{"vars": ' + "[" * (d := rng.randint(101, 3000)) + "]" * d + ', "states": []}').encode(),
               }[how]
    else:
        how = rng.choice(["missing", "missing-dir", "directory", "loop", "bad-target", "bad-target-toml",
                          "python-target", "python-target"])
        if how == "python-target":  # a file.py:object target, named by the trace (--trust) or by --target
            body = rng.choice(["import sys\nsys.exit(3)\n", "raise ValueError('no')\n", "design = 42\n",
                               "def design(:\n", "def design():\n    raise RuntimeError('x')\n", None,
                               "from scmcheck.model.designs import built_in\ndesign = built_in('controls-correct')\n",
                               "import sys\ndef design():\n    sys.exit('bye')\n", "def design():\n    return None\n"])
            files = {} if body is None else {"evil.py": body.encode()}
            if rng.random() < 0.5:
                data = json.loads(trace)
                data["#meta"]["scmcheck"]["target"] = "evil.py:design"
                files[TRACE] = json.dumps(data).encode()
                argv = ["show", TRACE, "--trust"]
            else:
                files[TRACE] = trace
                argv = ["show", TRACE, "--target", "evil.py:design"]
            return Case("trace", "trace/python-target", argv, files=files, must=(TRACE,))
        if how == "bad-target":  # show --target: a target that cannot rebuild the model
            tgt = rng.choice([ident(rng), near_miss(rng, "service-stopped-before-workers-exit"), "nofile.toml",
                              "nofile.py:design", "controls-correct", "com-apartment-correct", " "])
            return Case("trace", "trace/--target", ["show", TRACE, "--target", tgt], files={TRACE: trace},
                        any_of=(TRACE, "--target"))
        if how == "bad-target-toml":
            return Case("trace", "trace/--target-toml", ["show", TRACE, "--target", "bad.toml"],
                        files={TRACE: trace, "bad.toml": b'model = "service"\nworkers = 0\n'},
                        any_of=(TRACE, "bad.toml"))
        case = Case("trace", f"trace/file-{how}", ["show", TRACE], must=(TRACE,))
        if how == "missing-dir":
            case.argv[1] = "nodir/" + TRACE
            case.must = ("nodir/" + TRACE,)
        elif how == "directory":
            case.dirs = (TRACE,)
        elif how == "loop":
            case.links = ((TRACE, TRACE),)
        return case
    name = rng.choice([TRACE] * 3 + [f"t{rng.choice(FILE_NAME_TAILS)}.itf.json", "trace", "t.json"])
    argv = ["show", name]
    if rng.random() < 0.3:
        argv += ["--format", rng.choice(["text", "dot", "svg", "mermaid", "html"])]
    return Case("trace", f"trace/{tag}", argv, files={name: out}, must=(name,))


def gen_trace_target_path(rng: Random, trace: bytes) -> Case:
    """A trace whose target is a .toml path with a NUL or a lone surrogate (see the known-bug list)."""
    data = json.loads(trace)
    kind = rng.choice(["nul", "surrogate"])
    data["#meta"]["scmcheck"]["target"] = ("x\u0000" if kind == "nul" else "x\ud800") + ident(rng) + ".toml"
    return Case("trace", f"trace/target-{kind}-path", ["show", TRACE], files={TRACE: json.dumps(data).encode()},
                must=(TRACE,))


# ------------------------------------------------------------------ the list

COUNTS = {"toml": 150, "param": 80, "property": 40, "engine": 20, "budget": 80, "python": 80, "trace": 130,
          "output": 30, "usage": 24}
GENERATORS = {"toml": gen_toml, "param": gen_param, "property": gen_property, "engine": gen_engine,
              "budget": gen_budget, "python": gen_python, "trace": gen_trace, "output": gen_output,
              "usage": gen_usage}
NEEDS_TRACE = ("trace", "output", "usage")
# Two of each input the fuzz found mishandled (KNOWN_BUGS in the test), made on purpose so every run has them.
FEW = {
    "toml": [lambda rng, trace: gen_toml(rng, "cross-knob")],
    "budget": [lambda rng, trace: gen_budget_newline(rng)],
    "python": [lambda rng, trace: gen_python(rng, "design-settings")]
              + [lambda rng, trace, k=k: gen_python_nasty(rng, k)
                 for k in ("exit-repr-raises", "str-raises-base", "bad-expect-whole", "bad-expect-unhashable-item",
                           "bad-vacuous-unhashable-item", "file-too-long")],
    "trace": [gen_trace_target_path],
    "usage": [lambda rng, trace: gen_usage_newline(rng)],
}


def generate(seed: int, trace: bytes, scale: float = 1.0) -> list:
    """The cases for ``seed``: COUNTS[surface] * scale of each surface, plus two of each FEW kind.

    A quarter of the checks (chosen by their own stream) also ask for --json: a bad input is one line either way.
    """
    cases = []
    json_rng = Random(f"{seed}:json")
    for surface, count in COUNTS.items():
        rng = Random(f"{seed}:{surface}")  # one stream per surface: adding cases to one leaves the others alone
        gen = GENERATORS[surface]
        for _ in range(max(1, round(count * scale))):
            cases.append(gen(rng, trace) if surface in NEEDS_TRACE else gen(rng))
        for few in FEW.get(surface, ()):
            cases += [few(rng, trace) for _ in range(2)]
    for n, c in enumerate(cases):
        c.n = n
        if c.argv[:1] == ["check"] and c.surface != "usage" and json_rng.random() < 0.25:
            c.argv.append("--json")
    return cases
