"""Windows-version profiles: the documented defaults and SCM behaviour that change between versions.

A profile is chosen with ``windows = "xp" | "2003" | "vista" | "10-1703"`` (a knob of the
built-in families, ``ServiceModel(windows=...)``, ``svc.system_shutdown(...)``).  Each value
below cites the page it comes from; rule numbers are those of properties/rules.py.

* **Controls after STOP (003.5).**  "Windows XP: if the service returns NO_ERROR and keeps
  running, it continues to receive control codes.  This behaviour changed starting with Windows
  Server 2003 and Windows XP SP2."  Source: the HandlerEx page,
  https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex
  (seed document 003).  ``xp`` is XP before SP2; every later profile has ``post_sp2``.
* **PRESHUTDOWN (003.7)** exists from Windows Vista / Server 2008 (SERVICE_PRESHUTDOWN_INFO,
  "Minimum supported client: Windows Vista").  Its default timeout is 180,000 ms before the
  Windows 10 Creators Update and 10,000 ms from build 15063 (version 1703) on:
  https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_preshutdown_info
* **WaitToKillServiceTimeout (003.8, 003.9)**: "by default services get about 20 seconds for
  cleanup"; when the OS restarts, the SCM's wait is capped by this registry value (ms).  Source:
  https://learn.microsoft.com/windows/win32/services/service-control-handler-function (seed
  document 003).  We use the documented 20,000 ms for every profile.  Some client builds of
  Windows 10 and later are reported (by third parties, not by that page) to ship 5,000 ms; give
  ``wait_to_kill_ms=5000`` to check against that.
* **The 125 s cap (003.9)** applies to a stop through the services snap-in, not to system
  shutdown: :data:`SNAPIN_STOP_CAP_MS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..lang.errors import InputError

SNAPIN_STOP_CAP_MS = 125_000  # 003.9: a service stopped through the services snap-in
WAIT_TO_KILL_DEFAULT_MS = 20_000  # 003.8: "about 20 seconds"


@dataclass(frozen=True)
class WindowsProfile:
    """What one Windows version documents; durations in milliseconds."""

    name: str
    doc: str
    post_sp2: bool  # 003.5: nothing is sent after STOP
    preshutdown_timeout_ms: Optional[int]  # None: SERVICE_CONTROL_PRESHUTDOWN does not exist
    wait_to_kill_ms: int = WAIT_TO_KILL_DEFAULT_MS

    @property
    def has_preshutdown(self) -> bool:
        return self.preshutdown_timeout_ms is not None


PROFILES: dict[str, WindowsProfile] = {p.name: p for p in (
    WindowsProfile("xp", "Windows XP before SP2: controls keep coming after STOP while the service reports "
                         "RUNNING (003.5); no PRESHUTDOWN", post_sp2=False, preshutdown_timeout_ms=None),
    WindowsProfile("2003", "Windows Server 2003 / XP SP2: nothing after STOP (003.5); no PRESHUTDOWN",
                   post_sp2=True, preshutdown_timeout_ms=None),
    WindowsProfile("vista", "Windows Vista / Server 2008 up to Windows 10 1607: PRESHUTDOWN with a 180 s default "
                            "timeout", post_sp2=True, preshutdown_timeout_ms=180_000),
    WindowsProfile("10-1703", "Windows 10 1703 (build 15063) and later: PRESHUTDOWN with a 10 s default timeout",
                   post_sp2=True, preshutdown_timeout_ms=10_000),
)}

DEFAULT_PROFILE = "10-1703"


def profile(name: str, where: str = "windows") -> WindowsProfile:
    """The profile called ``name``; InputError listing the valid names otherwise."""
    if name not in PROFILES:
        raise InputError(f"{where} = {name!r} is not a Windows profile; use one of {', '.join(PROFILES)}")
    return PROFILES[name]
