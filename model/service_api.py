# Public import path of the user API; the implementation is scmcheck.model.windows.service_api.
from .windows import service_api as _impl
from .windows.service_api import *  # noqa: F401,F403

__doc__ = _impl.__doc__
