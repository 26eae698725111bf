"""Run unmodified Python COM local servers (pywin32 or comtypes) under the controlled scheduler.

The target is the server's entry function, ``FILE.py:main``: the function
that registers the class factories and pumps messages.  The harness
(run.py) plays COM's SCM and the clients; the stand-ins for ``pythoncom``,
``win32com.server.*``, ``comtypes`` and the ``ctypes`` names a server uses
(scmcheck/testing/standins/, COM names listed in standins/com_names.py)
follow pywin32's and comtypes' own code; the observers of the COM catalog
entries (properties/observers_com.py) judge the events; api.py searches,
shrinks and saves traces as the service harness does.
"""
