"""Run unmodified pywin32 services under a controlled scheduler, judged by the catalog.

``check_implementation(ServiceClass or "FILE.py:Class", runs=..., seed=...)``
runs the service's class many times on any OS: pywin32's modules, and
``threading``/``time``/``queue``, are stand-ins for that module only
(loader.py, standins/); its threads run one at a time in virtual time
(scheduler.py) under a host and an SCM that follow pywin32 and ControlService
(run.py); Hypothesis draws the controls, the interleavings and the time jumps
(search.py); observers of properties/observers.py judge the events; a
violation is shrunk and saved as an ITF trace (tracefile.py).  The CLI is
``scmcheck test`` (command.py).
"""

from __future__ import annotations

from .api import check_implementation
from .report import PropertyResult, Report

__all__ = ["check_implementation", "Report", "PropertyResult"]
