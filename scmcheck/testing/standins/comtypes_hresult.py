"""Stand-in for ``comtypes.hresult``: the HRESULT values comtypes' server code uses (winerror.h)."""

from __future__ import annotations

S_OK, S_FALSE = 0, 1
E_FAIL = -2147467259
E_NOINTERFACE = -2147467262
E_POINTER = -2147467261
CLASS_E_NOAGGREGATION = -2147221232
CLASS_E_CLASSNOTAVAILABLE = -2147221231
RPC_E_CHANGED_MODE = -2147417850
CO_E_SERVER_STOPPING = -2146959352
