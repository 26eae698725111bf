"""Stand-in for pywin32's ``win32gui_struct``: the DEV_BROADCAST_* helpers a service uses for device events.

pywin32's demo serviceEvents.py registers for device notifications with
``win32gui_struct.PackDEV_BROADCAST_DEVICEINTERFACE(GUID)`` and
``win32gui.RegisterDeviceNotification``, and reads each
SERVICE_CONTROL_DEVICEEVENT's data with ``win32gui_struct.UnpackDEV_BROADCAST(data)``.
The Pack* functions build the same bytes as pywin32's (win32/lib/win32gui_struct.py:
a DEV_BROADCAST_HDR ``"iii"`` of size, device type and 0, then the type's fields;
a GUID as its 16 little-endian bytes).  ``data`` of a device event is an address
(PythonService.cpp passes lpEventData as an int); ``UnpackDEV_BROADCAST`` reads it
back from the run's table of structures the harness made for the event
(scmcheck/testing/standins/win32gui.py), and returns a ``DEV_BROADCAST_INFO`` as
pywin32's does (``devicetype`` and the type's fields: ``classguid`` and ``name``
for a device interface; ``handle``, ``hdevnotify``, ``eventguid``, ``nameoffset``
for a handle; ``unitmask``, ``flags`` for a volume).  0 gives None.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any

from . import _sync

DBT_DEVTYP_OEM, DBT_DEVTYP_VOLUME, DBT_DEVTYP_PORT, DBT_DEVTYP_DEVICEINTERFACE, DBT_DEVTYP_HANDLE = 0, 2, 3, 5, 6


def _guid_bytes(guid: Any) -> bytes:
    text = str(guid).strip()
    try:
        return uuid.UUID(text.strip("{}")).bytes_le
    except ValueError:
        raise TypeError(f"{guid!r} is not a GUID string such as '{{A5DCBF10-6530-11D2-901F-00C04FB951ED}}'") \
            from None


def PackDEV_BROADCAST(devicetype: int, rest_fmt: str, rest_data: Any, extra_data: bytes = b"") -> bytes:  # noqa: N802
    hdr_format = "iii"
    full_format = hdr_format + rest_fmt
    full_size = struct.calcsize(full_format)
    data = (full_size, devicetype, 0) + tuple(rest_data)
    return struct.pack(full_format, *data) + extra_data


def PackDEV_BROADCAST_HANDLE(handle: Any, hdevnotify: int = 0, guid: Any = b"\0" * 16, name_offset: int = 0,  # noqa: N802
                             data: bytes = b"\0") -> bytes:
    g = guid if isinstance(guid, bytes) else _guid_bytes(guid)
    return PackDEV_BROADCAST(DBT_DEVTYP_HANDLE, "PP16sl", (int(handle), int(hdevnotify), g, name_offset), data)


def PackDEV_BROADCAST_VOLUME(unitmask: int, flags: int) -> bytes:  # noqa: N802
    return PackDEV_BROADCAST(DBT_DEVTYP_VOLUME, "II", (unitmask, flags))


def PackDEV_BROADCAST_DEVICEINTERFACE(classguid: Any, name: str = "") -> bytes:  # noqa: N802
    if not isinstance(name, str):
        raise TypeError("Must provide unicode for the name")
    raw = name.encode("utf-16le")
    return PackDEV_BROADCAST(DBT_DEVTYP_DEVICEINTERFACE, "16s%ds" % len(raw), (_guid_bytes(classguid), raw))


class DEV_BROADCAST_INFO:  # noqa: N801 - pywin32's name
    def __init__(self, devicetype: int, **kw: Any) -> None:
        self.devicetype = devicetype
        self.__dict__.update(kw)

    def __str__(self) -> str:
        return "DEV_BROADCAST_INFO:" + str(self.__dict__)


def UnpackDEV_BROADCAST(lparam: Any) -> Any:  # noqa: N802
    if lparam == 0 or lparam is None:
        return None
    fields = getattr(_sync.run(), "device_structs", {}).get(int(lparam))
    if fields is None:
        raise ValueError(f"UnpackDEV_BROADCAST: {lparam!r} is not the address of a DEV_BROADCAST structure the "
                         "SCM passed (scmcheck knows only those of its device events)")
    fields = dict(fields)
    return DEV_BROADCAST_INFO(fields.pop("devicetype"), **fields)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32gui_struct has no {name} (it provides the DEV_BROADCAST "
                         "helpers: PackDEV_BROADCAST*, UnpackDEV_BROADCAST, DEV_BROADCAST_INFO)")
