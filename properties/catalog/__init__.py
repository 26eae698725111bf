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


def get(pid: str) -> Property:
    if pid not in CATALOG:
        raise InputError(f"unknown property {pid!r}; known properties: {', '.join(CATALOG)} (see 'scmcheck list')")
    return CATALOG[pid]


def applicable(system: object) -> list[Property]:
    """Every entry that applies to ``system`` (it has every name the entry reads), in catalog order."""
    return [p for p in PROPERTIES if p.applies(system)]  # type: ignore[arg-type]


def register(prop: Property) -> Property:
    """Add a user-defined entry (ids must be unique)."""
    if prop.id in CATALOG:
        raise ModelError(f"property id {prop.id} is already in the catalog; choose another id")
    CATALOG[prop.id] = prop
    PROPERTIES.append(prop)
    return prop
