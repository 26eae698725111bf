"""``win32con`` for a COM server: the service stand-in's constants plus the window-message ones."""

from __future__ import annotations

from typing import Any

from .win32con import *  # noqa: F401,F403

WM_QUIT, WM_USER, WM_TIMER, WM_CLOSE = 0x0012, 0x0400, 0x0113, 0x0010


def __getattr__(name: str) -> Any:
    from . import win32con as base

    return getattr(base, name)
