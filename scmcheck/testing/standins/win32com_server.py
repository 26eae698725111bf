"""Stand-in for the ``win32com.server`` package: its submodules factory, localserver, register."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32com.server has no {name} (it has factory, localserver, "
                         "register; import them first)")
