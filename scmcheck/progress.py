"""Progress lines on a terminal for searches that run longer than a second."""

from __future__ import annotations

import shutil
import sys
from typing import IO, Optional


class TerminalProgress:
    """Overwrites one stderr line with the engine's latest figures; silent until 1 s has passed.

    The line never wraps (it is cut to the terminal's width), and :meth:`done` clears it,
    so a message printed afterwards (a verdict, an error, "interrupted") starts on a clean line.
    """

    def __init__(self, stream: Optional[IO[str]] = None, after: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.after = after
        self.shown = False

    def __call__(self, figures: dict) -> None:
        elapsed = figures.get("elapsed", 0.0)
        if elapsed < self.after:
            return
        parts = [f"[{figures.get('engine', '?')}]"]
        if "depth" in figures:
            parts.append(f"depth {figures['depth']}")
        if "states" in figures:
            parts.append(f"{figures['states']:,} states")
        if "rate" in figures:
            parts.append(f"{figures['rate']:,.0f} states/s")
        if "steps" in figures:
            parts.append(f"{figures['steps']:,} steps in {figures.get('runs', 0):,} runs")
        if "depth_seconds" in figures:
            parts.append(f"last depth {figures['depth_seconds']:.2f} s")
        parts.append(f"{elapsed:.0f} s")
        line = " · ".join(parts)
        width = shutil.get_terminal_size((80, 24)).columns - 1
        if len(line) > width > 0:
            line = line[:max(width - 1, 0)] + "…"
        self._write("\r\x1b[K" + line)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal must not end the search
            pass
