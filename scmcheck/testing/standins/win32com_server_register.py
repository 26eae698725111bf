"""Stand-in for pywin32's ``win32com.server.register``: registration is the installer's job, not run here.

``UseCommandLine``/``RegisterClasses``/``UnregisterClasses`` do nothing under
scmcheck: the harness reads ``_reg_clsid_`` from the server's classes instead
of the registry (pythoncom_.py ``_registered_class``).
"""

from __future__ import annotations

from typing import Any


def UseCommandLine(*classes: Any, **flags: Any) -> None:  # noqa: N802
    return None


def RegisterClasses(*classes: Any, **flags: Any) -> None:  # noqa: N802
    return None


def UnregisterClasses(*classes: Any, **flags: Any) -> None:  # noqa: N802
    return None
