"""Models: the language (``lang/``), the Windows sides (``windows/``) and the families (``families/``).

``scmcheck.model.service_api``, ``scmcheck.model.com`` and ``scmcheck.model.designs``
are the public import paths of the user APIs (see README).
"""

from .lang.errors import InputError, ModelError, ScmcheckError
from .lang.expr import FALSE, TRUE, Expr, all_of, any_of, count_true, implies, ite, max_, min_, not_
from .lang.system import Action, System, Variable

__all__ = [
    "Action", "Expr", "FALSE", "InputError", "ModelError", "ScmcheckError", "System", "TRUE", "Variable",
    "all_of", "any_of", "count_true", "implies", "ite", "max_", "min_", "not_",
]
