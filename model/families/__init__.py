"""The concrete model families and their built-in designs.

One module per family holds its model (``service.py``, ``controls.py``,
``shutdown.py``, ``com_server.py``) and one its knobs and designs
(``*_designs.py``); each designs module exposes FAMILIES and DESIGNS.
"""

from __future__ import annotations

from ..lang.designs import Design, Family
from ..lang.errors import InputError

# One module per model family; each exposes FAMILIES and DESIGNS.
_MODULES = ("service_designs", "controls_designs", "com_designs", "shutdown_designs")


def _modules() -> list:
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in _MODULES]


def registry() -> dict[str, Design]:
    """Built-in designs by name, in display order."""
    return {d.name: d for mod in _modules() for d in mod.DESIGNS}


def families() -> dict[str, Family]:
    """Model families by name (what a design file's ``model =`` names)."""
    return {f.name: f for mod in _modules() for f in mod.FAMILIES}


def built_in(name: str) -> Design:
    reg = registry()
    if name not in reg:
        raise InputError(f"unknown design {name!r}; run 'scmcheck list' for the built-in designs, "
                         "or pass a .toml design file or file.py:object")
    return reg[name]
