"""Stand-in for pywin32's ``pywintypes``: the ``error`` exception (winerror, funcname, strerror)."""

from __future__ import annotations


class error(Exception):  # noqa: N801 - pywin32's name
    """pywintypes.error: raised by pywin32 functions with (winerror, funcname, strerror)."""

    def __init__(self, winerror: int = 0, funcname: str = "", strerror: str = "") -> None:
        super().__init__(winerror, funcname, strerror)
        self.winerror, self.funcname, self.strerror = winerror, funcname, strerror


com_error = error
