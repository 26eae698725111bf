"""Engines: each takes a system and goals and returns one Result per goal.

Engines know the modelling language (``scmcheck.model.lang.system``/``expr``),
never a concrete model.
"""

from __future__ import annotations

from . import bmc, explicit, fuzz, kind, pdr

ENGINES = {"explicit": explicit, "bmc": bmc, "fuzz": fuzz, "kind": kind, "pdr": pdr}

__all__ = ["ENGINES", "bmc", "explicit", "fuzz", "kind", "pdr"]
