"""Stand-in for the ``win32com`` package (pywin32): only ``win32com.server`` (com_names.py)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck stands in for win32com.server (factory, localserver, register) only, not "
                         f"win32com.{name}")
