"""The browser's frames per second while a run plays: a stub until the playground app exists."""
from __future__ import annotations


def browser_frames() -> float | None:
    """Frames/s the browser draws; None until wired to the app (needs playground)."""
    print("browser benchmark: not yet wired (needs playground)")
    return None
