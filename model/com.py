# Public import path of the user API; the implementation is scmcheck.model.windows.com.
from .windows import com as _impl
from .windows.com import *  # noqa: F401,F403

__doc__ = _impl.__doc__
