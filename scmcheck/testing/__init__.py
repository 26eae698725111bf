"""Run unmodified pywin32 services under a controlled scheduler, judged by the catalog.

``check_implementation(ServiceClass or "FILE.py:Class", runs=..., seed=...)``
runs the service's class many times on any OS: pywin32's modules, and
``threading``/``time``/``queue``/``os``, are stand-ins for that module only
(loader.py, standins/); its threads run one at a time in virtual time
(scheduler.py) under a host and an SCM that follow pywin32 and ControlService
(run.py); Hypothesis draws the controls, the interleavings and the time jumps
(search.py); observers of properties/observers.py judge the events; a
violation is shrunk and saved as an ITF trace (tracefile.py).  The CLI is
``scmcheck test`` (command.py); the pytest plugin is pytest_plugin.py.

The names below are imported on first use (PEP 562): pytest imports the
plugin, and with it this package, in every session of every project that has
scmcheck installed, and should not pay for the harness there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_implementation", "Report", "PropertyResult"]


def __getattr__(name: str) -> Any:
    if name == "check_implementation":
        from .api import check_implementation

        return check_implementation
    if name in ("Report", "PropertyResult"):
        from . import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
