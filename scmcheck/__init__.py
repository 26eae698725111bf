"""scmcheck: a model and property checker for Windows service and COM local-server lifecycles."""

__version__ = "0.1.0"
