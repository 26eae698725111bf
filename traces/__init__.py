"""Traces: the Trace type, replay, ITF JSON, graphs and renderers."""

from .replay import TraceMismatch, replay
from .trace import Step, Trace, VarInfo, trace_from_actions

__all__ = ["Step", "Trace", "TraceMismatch", "VarInfo", "replay", "trace_from_actions"]
