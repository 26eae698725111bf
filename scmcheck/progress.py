"""Progress lines on a terminal for searches that run longer than a second."""

from __future__ import annotations

import sys
from typing import IO, Optional


class TerminalProgress:
    """Overwrites one stderr line with the engine's latest figures; silent until 1 s has passed."""

    def __init__(self, stream: Optional[IO[str]] = None, after: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.after = after
        self.shown = False

    def __call__(self, figures: dict) -> None:
        if figures.get("elapsed", 0.0) < self.after:
            return
        parts = [f"[{figures['engine']}]"]
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
        parts.append(f"{figures['elapsed']:.0f} s")
        self.stream.write("\r\x1b[K" + " · ".join(parts))
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
