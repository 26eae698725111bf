"""``sys`` as one server process sees it: the real module, but attributes it sets stay in the process.

pythoncom and comtypes read ``sys.coinit_flags`` when they are imported
(pythoncom's module init; comtypes/__init__.py) to choose the apartment of
the importing thread; pywin32's localserver.py sets it to 2 before importing
pythoncom.  A server process started by COM gets ``-Embedding`` on its
command line (CoRegisterClassObject page, "Remarks": servers look for it).
"""

from __future__ import annotations

import sys as _real
import types
from typing import Any


class ProcessSys(types.ModuleType):
    """A module whose own attributes shadow the real ``sys``'s (module docstring)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_real, name)


def for_process(script: str) -> ProcessSys:
    mod = ProcessSys("sys")
    mod.argv = [script, "-Embedding"]
    return mod
