"""The colours of GAN Playground's pictures, shared by the app's live view and the engine's exports."""
from __future__ import annotations

REAL, FAKE = "#1b7837", "#c51b7d"      # real green, fake magenta: the ends of the D colour scale
ARROW, MANIFOLD = "#333333", "rgba(60, 60, 60, 0.35)"
# Purple (D says fake) -> white (D = 1/2, can't tell) -> green (D says real).
D_SCALE: list[list] = [[0.0, "#762a83"], [0.25, "#c2a5cf"], [0.5, "#f7f7f7"], [0.75, "#a6dba0"], [1.0, "#1b7837"]]
