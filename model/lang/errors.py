"""Errors shared by every layer.  Each carries a one-line message that names
what went wrong, the offending values and what to do about it."""


class ScmcheckError(Exception):
    """Base class: the CLI turns any of these into one line and exit status 2."""


class ModelError(ScmcheckError):
    """A model is malformed: unknown variable, value out of range, duplicate name."""


class InputError(ScmcheckError):
    """User input (design file, knob, parameter, trace file) is not acceptable."""
