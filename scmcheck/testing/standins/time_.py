"""Stand-in for ``time`` as the service sees it: the clock is the run's virtual clock.

``sleep(s)`` blocks the calling thread for ``s`` virtual seconds (a positive
sleep shorter than 1 ms is 1 ms; ``sleep(0)`` is a scheduling point only).
``time()`` is a fixed epoch plus virtual time; ``monotonic()`` and
``perf_counter()`` are virtual seconds since the start; the ``*_ns``
variants alike.  ``localtime``, ``gmtime``, ``ctime``, ``strftime`` default to
the virtual time.  Everything else is the real module's.
"""

from __future__ import annotations

import time as _real
from typing import Any, Optional

from . import _sync

EPOCH_S = 1_700_000_000.0  # 2023-11-14T22:13:20Z: virtual time 0 as wall time


def _now_s() -> float:
    return _sync.run().sched.now_ms / 1000


def sleep(secs: float) -> None:
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    r = _sync.run()
    ms = _sync.timeout_ms(secs)
    if ms:
        r.emit("sleep", _sync.caller(), seconds=ms / 1000)
    r.sched.wait_until(lambda: False, ms)


def time() -> float:
    return EPOCH_S + _now_s()


def time_ns() -> int:
    return int(EPOCH_S * 1e9) + _sync.run().sched.now_ms * 1_000_000


def monotonic() -> float:
    return _now_s()


def monotonic_ns() -> int:
    return _sync.run().sched.now_ms * 1_000_000


perf_counter = monotonic
perf_counter_ns = monotonic_ns


def localtime(secs: Optional[float] = None) -> Any:
    return _real.localtime(time() if secs is None else secs)


def gmtime(secs: Optional[float] = None) -> Any:
    return _real.gmtime(time() if secs is None else secs)


def ctime(secs: Optional[float] = None) -> str:
    return _real.ctime(time() if secs is None else secs)


def strftime(fmt: str, t: Any = None) -> str:
    return _real.strftime(fmt, localtime() if t is None else t)


def __getattr__(name: str) -> Any:
    return getattr(_real, name)
