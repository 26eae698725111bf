"""The modelling language (variables, actions, expressions) and the concrete models."""

from .errors import InputError, ModelError, ScmcheckError
from .expr import FALSE, TRUE, Expr, all_of, any_of, count_true, implies, ite, max_, min_, not_
from .system import Action, System, Variable

__all__ = [
    "Action", "Expr", "FALSE", "InputError", "ModelError", "ScmcheckError", "System", "TRUE", "Variable",
    "all_of", "any_of", "count_true", "implies", "ite", "max_", "min_", "not_",
]
