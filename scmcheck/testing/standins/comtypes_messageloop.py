"""Stand-in for ``comtypes.messageloop``: ``run()`` is GetMessage/TranslateMessage/DispatchMessage until WM_QUIT."""

from __future__ import annotations

from . import _sync


def run() -> None:
    r = _sync.run()
    while True:
        msg = r.get_message(True, "comtypes.messageloop.run")
        if msg == "WM_QUIT":
            r.emit("quit_received", _sync.caller(), proc=r.proc_here().label)
            return
        r.dispatch(msg)
