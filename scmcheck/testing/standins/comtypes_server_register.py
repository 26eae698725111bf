"""Stand-in for ``comtypes.server.register``: ``UseCommandLine(*classes)`` as comtypes reads its command line.

``-regserver``/``-unregserver`` (registry work) do nothing here; ``-Embedding``
(what COM passes to the server process it starts, and what the harness's
process gets in ``sys.argv``) runs ``comtypes.server.localserver.run(classes)``.
"""

from __future__ import annotations

from typing import Any

from . import _sync


def UseCommandLine(*classes: Any) -> int:  # noqa: N802
    argv = _sync.run().proc_here().sys.argv[1:]
    if any(a.lstrip("-/").lower() == "embedding" for a in argv):
        from .comtypes_server_localserver import run

        run(classes)
    return 1


def register(cls: Any) -> None:
    return None


def unregister(cls: Any) -> None:
    return None
