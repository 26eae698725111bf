"""Stand-in for pywin32's ``win32gui``: device notifications, which a service registers for.

A service has no windows; what it takes from win32gui is
``RegisterDeviceNotification(handle, filter, flags)`` with its service status
handle (``self.ssh``) and ``DEVICE_NOTIFY_SERVICE_HANDLE`` (pywin32's demo
serviceEvents.py).  The registration is recorded in the run
(``Run.devices``, a ``device_registered`` event), and from then on the SCM of
the harness may send SERVICE_CONTROL_DEVICEEVENT with the event types that
registration receives (scmcheck/testing/controlargs.py): DEVICEEVENT is
delivered only after RegisterDeviceNotification (003.3).  The event's data is
the address of a DEV_BROADCAST structure describing the device, which
``win32gui_struct.UnpackDEV_BROADCAST`` and ``PyGetMemory``/``PyGetString``
read back.  A filter is the bytes ``win32gui_struct.PackDEV_BROADCAST_*``
builds; ``DEVICE_NOTIFY_ALL_INTERFACE_CLASSES`` registers for every interface
class.  ``UnregisterDeviceNotification`` withdraws it.  Window functions are
not provided (a service has no desktop).
"""

from __future__ import annotations

import struct
import uuid
from typing import Any

from . import _sync
from .pywintypes import error

UNICODE = True
DEVICE_NOTIFY_WINDOW_HANDLE, DEVICE_NOTIFY_SERVICE_HANDLE, DEVICE_NOTIFY_ALL_INTERFACE_CLASSES = 0, 1, 4
_BASE = 0x7FF00000  # made-up addresses of the DEV_BROADCAST structures of device events


def RegisterDeviceNotification(handle: Any, filter: Any, flags: int) -> int:  # noqa: N802,A002 - pywin32's names
    r = _sync.run()
    raw = bytes(filter) if isinstance(filter, (bytes, bytearray, memoryview)) else None
    if raw is None or len(raw) < 12:
        raise TypeError("RegisterDeviceNotification: the filter must be a DEV_BROADCAST_* buffer "
                        "(win32gui_struct.PackDEV_BROADCAST_DEVICEINTERFACE(guid), ...)")
    _size, devtype, _ = struct.unpack("iii", raw[:12])
    if not int(flags) & DEVICE_NOTIFY_SERVICE_HANDLE:
        raise error(1400, "RegisterDeviceNotification", "Invalid window handle.")  # ERROR_INVALID_WINDOW_HANDLE
    fields: dict = {"devicetype": devtype}
    if devtype == 5:  # DBT_DEVTYP_DEVICEINTERFACE: the class, and a device path of that class
        guid = "{" + str(uuid.UUID(bytes_le=raw[12:28])).upper() + "}"
        if int(flags) & DEVICE_NOTIFY_ALL_INTERFACE_CLASSES:
            guid = "{A5DCBF10-6530-11D2-901F-00C04FB951ED}"  # GUID_DEVINTERFACE_USB_DEVICE, as one example
        fields.update(classguid=guid, name=f"\\\\?\\USB#VID_0781&PID_5567#SCMCHECK0001#{guid}")
    elif devtype == 6:  # DBT_DEVTYP_HANDLE: the handle, and no custom event
        h, hn = struct.unpack("PP", raw[12:12 + struct.calcsize("PP")]) if len(raw) >= 12 + 16 else (0, 0)
        fields.update(handle=h, hdevnotify=hn, eventguid="{00000000-0000-0000-0000-000000000000}", nameoffset=-1)
    else:
        raise error(13, "RegisterDeviceNotification", "The data is invalid.")  # ERROR_INVALID_DATA
    n = len(r.devices) + 1
    address = _BASE + 0x100 * n
    if not hasattr(r, "device_structs"):
        r.device_structs = {}
    r.device_structs[address] = fields
    r.devices.append({"kind": devtype, "address": address, "handle": n, "filter": dict(fields)})
    r.emit("device_registered", _sync.caller(), devicetype=devtype, classguid=fields.get("classguid", ""))
    r.sched.pause()
    return n


def UnregisterDeviceNotification(handle: Any) -> None:  # noqa: N802
    r = _sync.run()
    r.devices[:] = [d for d in r.devices if d["handle"] != int(handle)]
    r.emit("device_unregistered", _sync.caller(), handle=int(handle))
    r.sched.pause()


def PyGetMemory(address: int, size: int) -> bytes:  # noqa: N802
    """The bytes of a device event's DEV_BROADCAST structure (only those are known)."""
    fields = getattr(_sync.run(), "device_structs", {}).get(int(address))
    if fields is None:
        raise ValueError(f"PyGetMemory: {address:#x} is not the address of a structure the SCM passed")
    from . import win32gui_struct as ws

    if fields["devicetype"] == 5:
        buf = ws.PackDEV_BROADCAST_DEVICEINTERFACE(fields["classguid"], fields["name"] + "\0")
    else:
        buf = ws.PackDEV_BROADCAST_HANDLE(fields.get("handle", 0), fields.get("hdevnotify", 0))
    return buf[:int(size)]


def PyGetString(address: int, length: int = -1) -> str:  # noqa: N802
    for base, fields in getattr(_sync.run(), "device_structs", {}).items():
        if base <= int(address) < base + 0x100 and "name" in fields:
            return fields["name"]
    raise ValueError(f"PyGetString: {address:#x} is not inside a structure the SCM passed")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32gui has no {name}: a service has no windows (it provides "
                         "RegisterDeviceNotification, UnregisterDeviceNotification, PyGetMemory, PyGetString)")
