"""``win32api`` for a COM server: the service stand-in's calls plus the message-queue calls servers use.

``PostThreadMessage(tid, WM_QUIT, ...)`` appends WM_QUIT to that thread's
queue after the messages already there; ``PostQuitMessage`` sets the
calling thread's quit flag, and GetMessage returns WM_QUIT only when no
other message waits (PostThreadMessage and PostQuitMessage pages).
"""

from __future__ import annotations

from typing import Any

from . import _sync
from .win32api import *  # noqa: F401,F403 - the same calls as for services
from .win32api import GetCurrentThreadId  # noqa: F401

WM_QUIT = 0x0012


def PostThreadMessage(tid: int, msg: int, wparam: Any = 0, lparam: Any = 0) -> None:  # noqa: N802
    if int(msg) == WM_QUIT:
        _sync.run().post_thread_message(int(tid), "WM_QUIT", "the server's own PostThreadMessage")


def PostQuitMessage(code: int = 0) -> None:  # noqa: N802
    _sync.run().post_quit_message("the server's own PostQuitMessage")


def __getattr__(name: str) -> Any:
    from . import win32api as base

    return getattr(base, name)
