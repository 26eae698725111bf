"""The invariant catalog: every entry from every family's catalog module.

Each entry: an id named for the guarantee, the guarantee in one sentence, the
rule numbers (properties/rules.py) it comes from, the predicate, and a
reachability witness -- a state that must be reachable in a model the entry
applies to, so that a "proved" verdict is never vacuous.

Predicates read a model through its variables and named definitions
(``System.define``); a user's design reuses an entry by providing the names it
needs.  Documented numbers (the 30 s handler limit) live in the entries, in
seconds, and are converted with the model's time unit.
"""

from __future__ import annotations

from scmcheck.model.lang.errors import InputError, ModelError

from . import com, controls, service, shutdown
from .entry import Property

# One module per model family; each exposes PROPERTIES.
_MODULES = (service, controls, com, shutdown)

PROPERTIES: list[Property] = [p for mod in _MODULES for p in mod.PROPERTIES]
CATALOG: dict[str, Property] = {}
for _p in PROPERTIES:
    if _p.id in CATALOG:
        raise ModelError(f"property id {_p.id} appears twice in the catalog")
    CATALOG[_p.id] = _p


def get(pid: str, system: object = None) -> Property:
    """The entry ``pid``: a catalog entry, or (with ``system``) one of that system's own properties."""
    if system is not None:
        for p in declared(system):
            if p.id == pid:
                return p
    if pid not in CATALOG:
        own = [p.id for p in declared(system)] if system is not None else []
        mine = f"; the design's own: {', '.join(own)}" if own else ""
        raise InputError(f"unknown property {pid!r}; known properties: {', '.join(CATALOG)}{mine} "
                         "(see 'scmcheck list')")
    return CATALOG[pid]


def applicable(system: object) -> list[Property]:
    """Every entry that applies to ``system`` (it has every name the entry reads), in catalog order,
    then the system's own properties (:func:`declared`) in declaration order."""
    return [p for p in PROPERTIES if p.applies(system)] + declared(system)  # type: ignore[arg-type]


def declared(system: object) -> list[Property]:
    """The properties ``system`` declares itself (``System.invariant``, ``System.leads_to``) as entries.

    InputError (one line, naming the id and where it was declared) for an id that is also a catalog
    id, or a rule number that properties/rules.py does not know.
    """
    from ..rules import MODEL_SANITY, rule
    from .entry import from_declared

    out = []
    for decl in getattr(system, "declared_properties", ()):
        if decl.id in CATALOG:
            raise InputError(f"{decl.where}: property id {decl.id} is already a catalog property "
                             f"({CATALOG[decl.id].kind}, rules {', '.join(CATALOG[decl.id].rules)}); give the "
                             "design's own property another id (see 'scmcheck list')")
        for number in decl.rules:
            if number == MODEL_SANITY:
                continue
            try:
                rule(number)
            except InputError as exc:
                raise InputError(f"{decl.where}: property {decl.id}: {exc}; 'scmcheck list --rules' lists "
                                 "them (or give rules=() for a requirement of the design's own)") from None
        out.append(from_declared(system, decl))  # type: ignore[arg-type]
    return out


def register(prop: Property) -> Property:
    """Add a user-defined entry (ids must be unique)."""
    if prop.id in CATALOG:
        raise ModelError(f"property id {prop.id} is already in the catalog; choose another id")
    CATALOG[prop.id] = prop
    PROPERTIES.append(prop)
    return prop
