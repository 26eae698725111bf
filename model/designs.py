"""Public import path of designs and knobs: :mod:`scmcheck.model.lang.designs` and the built-in registry."""

from .families import built_in, families, registry
from .lang.designs import Design, Family, Knob

__all__ = ["Design", "Family", "Knob", "built_in", "families", "registry"]
