"""``win32gui`` for a COM server: PostQuitMessage, PostThreadMessage and PumpMessages/PumpWaitingMessages."""

from __future__ import annotations

from typing import Any

from .pythoncom_ import PumpMessages, PumpWaitingMessages  # noqa: F401 - win32gui has the same loops
from .win32api_com import PostQuitMessage, PostThreadMessage  # noqa: F401


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32gui (COM servers) has no {name}")
