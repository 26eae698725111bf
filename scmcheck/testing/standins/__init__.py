"""Stand-ins for pywin32's modules and for ``threading``, ``_thread``, ``time`` and ``queue``, as a service sees them.

They are ordinary modules of this package (never installed under pywin32's
names); scmcheck/testing/loader.py hands them to the service's module, and
to it only, when it imports ``win32service``, ``threading`` and the rest
(:data:`STANDINS`).  Every call that can block or that the SCM sees is a
scheduling point of scmcheck/testing/scheduler.py, and every duration is
virtual time.
"""

from __future__ import annotations

# name the service imports -> module of this package that stands in for it
STANDINS = {
    "win32serviceutil": "win32serviceutil",
    "win32service": "win32service",
    "win32event": "win32event",
    "servicemanager": "servicemanager",
    "win32api": "win32api",
    "win32con": "win32con",
    "winerror": "winerror",
    "pywintypes": "pywintypes",
    "threading": "threading_",
    "_thread": "thread_",
    "win32gui": "win32gui",
    "win32gui_struct": "win32gui_struct",
    "time": "time_",
    "queue": "queue_",
    "os": "os_",  # the real os but for os._exit/os.abort, which would end the harness too
}
