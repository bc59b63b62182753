"""The `Grounder` protocol: a description of something on screen -> one screen pixel.

Grounders see the full screenshot and the target's words ("the blue Save
button in the toolbar") and answer a point in *screen* pixels, or None when the
target is not there. Model grounders (Jedi, UI-TARS), the accessibility tree
and OCR all sit behind this one protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class GroundingResult:
    x: int
    y: int
    confidence: float = 1.0
    grounder: str = ""
    raw: str = ""  # the grounder's own answer, for the episode log


@runtime_checkable
class Grounder(Protocol):
    name: str

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        """The point to act on, in screen pixels, or None when the target is not found."""
        ...


class NoGrounder:
    """For planners that give coordinates themselves: every description is 'not found'."""

    name = "none"

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        return None
