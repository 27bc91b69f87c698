"""Snapshots drawn as images with numpy and Pillow, in the app's colours: a few ms a frame.

No matplotlib: a figure costs ~100 ms, and an animation of a long run has hundreds of frames.
A panel is its step and latest losses written on a band at the top, then the plot in the extent's
aspect: D's surface in palette.D_SCALE over the snapshot's own colour range (`surface_range`, as
the live view), G's manifold (optional), the real points, the fakes and G's arrows (optional),
bottom to top as the live view layers them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from gancore.palette import ARROW, D_SCALE, FAKE, MANIFOLD, REAL
from gancore.snapshot import Snapshot

SIZE = 480                  # pixels, each side of one panel
LEVELS = 224                # colours of the surface's scale; with the others they fill a GIF's 256
ARROW_SCALE = 0.05          # data units per unit of -dL_G/dx, and the clip length: playground.figures.ViewOptions
MAX_ARROW = 0.6
INSTALL = "pip install imageio imageio-ffmpeg Pillow"


def rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb', or 'rgba(r, g, b, a)' laid over white, as 0..255 integers."""
    if color.startswith("#"):
        return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    r, g, b, a = (float(v) for v in color[color.index("(") + 1:color.index(")")].split(","))
    return tuple(round(255 + a * (c - 255)) for c in (r, g, b))


def _color_table(levels: int) -> np.ndarray:
    """D_SCALE sampled at `levels` evenly spaced values, interpolated in RGB as Plotly does: (levels, 3)."""
    stops = np.array([s for s, _ in D_SCALE])
    colors = np.array([rgb(c) for _, c in D_SCALE], dtype=float)
    u = np.linspace(0.0, 1.0, levels)
    return np.stack([np.interp(u, stops, colors[:, i]) for i in range(3)], axis=1).round()


# Frames are drawn as indices into one palette of 256 colours: the surface's scale, the layers'
# colours, then greys for the text's smooth edges. A GIF stores those indices as they are (exact
# colours, no dithering, nothing flickers); other formats look them up in PALETTE.
WHITE, TEXT, REAL_I, FAKE_I, ARROW_I, MANIFOLD_I, D_LINE_I = range(LEVELS, LEVELS + 7)
GREYS = np.arange(LEVELS + 7, 256)                  # black to white
D_LINE = "#2166ac"                                  # D(x) on a line: blue, as the live 1D view draws it
PALETTE = np.concatenate([
    _color_table(LEVELS), [(255, 255, 255), (0, 0, 0), rgb(REAL), rgb(FAKE), rgb(ARROW), rgb(MANIFOLD), rgb(D_LINE)],
    np.repeat(np.linspace(0, 255, len(GREYS)).round()[:, None], 3, axis=1)]).astype(np.uint8)
PALETTE.flags.writeable = False


def caption(snap: Snapshot) -> str:
    """The text on a frame: its step and the latest losses."""
    h = snap.history
    losses = "".join(f"   {name} {h[key][-1]:.3f}" for key, name in (("loss_d", "D loss"), ("loss_g", "G loss"))
                     if key in h and len(h[key]))
    return f"step {snap.step:,}{losses}"


def render_frame(snap: Snapshot, *, arrows: bool = True, manifold: bool = False, size: int = SIZE,
                 label: str = "") -> np.ndarray:
    """One run's frame: (size, size, 3) uint8 RGB."""
    return PALETTE[draw_frame(snap, arrows=arrows, manifold=manifold, size=size, label=label)]


def render_pair(snap_a: Snapshot, snap_b: Snapshot, *, arrows: bool = True, manifold: bool = False,
                size: int = SIZE, labels: Sequence[str] = ("A", "B")) -> np.ndarray:
    """Two runs side by side, labelled: (size, 2 * size, 3) uint8 RGB."""
    return PALETTE[draw_row((snap_a, snap_b), arrows=arrows, manifold=manifold, size=size, labels=labels)]


def draw_row(snaps: Sequence[Snapshot], *, arrows: bool = True, manifold: bool = False, size: int = SIZE,
             labels: Sequence[str] = ()) -> np.ndarray:
    """Any number of runs side by side, as PALETTE indices: (size, len(snaps) * size) uint8."""
    labels = list(labels) + [""] * (len(snaps) - len(labels))
    return np.concatenate([draw_frame(s, arrows=arrows, manifold=manifold, size=size, label=t)
                           for s, t in zip(snaps, labels)], axis=1)


def draw_frame(snap: Snapshot, *, arrows: bool = True, manifold: bool = False, size: int = SIZE,
               label: str = "") -> np.ndarray:
    """One run's frame as PALETTE indices: (size, size) uint8; drawn by its dimension's painter."""
    image = np.full((size, size), WHITE, np.uint8)
    header = max(12, round(size / 16))
    PAINTERS[snap.dim](image, snap, header, size, arrows=arrows, manifold=manifold)
    image[:header] = _text_band(f"{label}:   {caption(snap)}" if label else caption(snap), size, header)
    return image


def _paint_plane(image: np.ndarray, snap: Snapshot, header: int, size: int, *, arrows: bool, manifold: bool) -> None:
    """D's surface, the manifold, real points, fakes and arrows, in the extent's aspect."""
    box = _plot_box(snap.extent, size, header)
    left, top, w, h = box
    image[top:top + h, left:left + w] = _surface(snap, w, h)
    if manifold:
        _draw_segments(image, _manifold_segments(snap.manifold), snap.extent, box, MANIFOLD_I)
    radius = max(1, round(size / 200))
    _draw_dots(image, snap.real, snap.extent, box, REAL_I, radius)
    _draw_dots(image, snap.fake, snap.extent, box, FAKE_I, radius)
    if arrows:
        _draw_segments(image, np.concatenate([snap.fake, arrow_tips(snap.fake, snap.g_field)], 1),
                       snap.extent, box, ARROW_I)


def _paint_line(image: np.ndarray, snap: Snapshot, header: int, size: int, *, arrows: bool, manifold: bool) -> None:
    """Figure 1 of Goodfellow et al. (2014): p_data (black), p_g (green) and D(x) (blue, on [0, 1]
    scaled to the densities' height, its 1/2 in grey) over x; under them a line from each z up to G(z)."""
    x = snap.line_x
    x0, x1 = float(x[0]), float(x[-1])
    top = max(np.nanmax(snap.line_p_data), np.nanmax(snap.line_p_g), 1e-9) * 1.1
    margin = max(1, size // 120)
    split = header + round((size - header) * 0.72)
    curves = (margin, header + margin, size - 2 * margin, split - header - 2 * margin)     # a Box
    extent = (x0, x1, 0.0, top)

    def polyline(values: np.ndarray, color: int) -> None:
        xy = np.stack([x, values], 1)
        _draw_segments(image, np.concatenate([xy[:-1], xy[1:]], 1), extent, curves, color)
    if snap.equilibrium is not None and snap.surface_probability:
        polyline(np.full_like(x, snap.equilibrium * top), GREYS[len(GREYS) // 2])
    polyline(snap.line_p_data, TEXT)
    polyline(snap.line_p_g, REAL_I)
    lo, hi = snap.surface_range
    polyline((np.asarray(snap.line_d) - lo) / max(hi - lo, 1e-12) * top, D_LINE_I)
    # The z -> x map: z's range spread over the panel's width at the bottom, G(z) at the top.
    z, gz = np.asarray(snap.line_z, float).ravel(), np.asarray(snap.line_gz, float).ravel()
    zx = x0 + (z - z.min()) / max(z.max() - z.min(), 1e-12) * (x1 - x0)
    mapping = (margin, split, size - 2 * margin, size - split - margin)
    _draw_segments(image, np.stack([zx, np.zeros_like(zx), gz, np.ones_like(gz)], 1), (x0, x1, 0.0, 1.0),
                   mapping, MANIFOLD_I)


PAINTERS = {1: _paint_line, 2: _paint_plane}      # Snapshot.dim -> how its frame is drawn


def arrow_tips(start: np.ndarray, push: np.ndarray) -> np.ndarray:
    """start + ARROW_SCALE * push, arrows longer than MAX_ARROW clipped to it: (n, 2)."""
    delta = ARROW_SCALE * push
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    return start + np.where(length > MAX_ARROW, delta * MAX_ARROW / np.maximum(length, 1e-12), delta)


# ---- pieces -----------------------------------------------------------------------------------
Box = tuple[int, int, int, int]      # (left, top, width, height) of the plot area, in pixels


def _plot_box(extent: tuple[float, float, float, float], size: int, header: int) -> Box:
    """The largest area under the header with the extent's aspect, centred, a small margin kept."""
    x0, x1, y0, y1 = extent
    margin = max(1, size // 120)
    room_w, room_h = size - 2 * margin, size - header - 2 * margin
    scale = min(room_w / (x1 - x0), room_h / (y1 - y0))
    w, h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    return margin + (room_w - w) // 2, header + margin + (room_h - h) // 2, w, h


def _surface(snap: Snapshot, w: int, h: int) -> np.ndarray:
    """D's surface as (h, w) indices: the values interpolated bilinearly between the grid nodes
    (which sit on the plot's edges and inside it), then looked up in the colour scale."""
    Image = pillow().Image
    z = np.ascontiguousarray(snap.d_surface[::-1], dtype=np.float32)     # rows top to bottom = y down
    rows, cols = z.shape
    fine = np.asarray(Image.fromarray(z, mode="F").resize(
        (w, h), Image.Resampling.BILINEAR, box=(0.5, 0.5, cols - 0.5, rows - 0.5)))
    zmin, zmax = snap.surface_range            # the probe's, as the live view colours it
    with np.errstate(invalid="ignore"):
        index = np.clip(np.round((fine - zmin) * ((LEVELS - 1) / max(zmax - zmin, 1e-12))), 0, LEVELS - 1)
    if np.isnan(z).any():                                     # undefined (a NaN): the background
        index = np.where(np.isnan(fine), WHITE, index)
    return index.astype(np.uint8)


def _to_pixels(xy: np.ndarray, extent, box: Box) -> np.ndarray:
    """Data coordinates -> fractional (col, row) pixel coordinates of the image."""
    x0, x1, y0, y1 = extent
    left, top, w, h = box
    return np.stack([left + (xy[..., 0] - x0) * (w / (x1 - x0)), top + (y1 - xy[..., 1]) * (h / (y1 - y0))], -1)


def _paint(image: np.ndarray, cols: np.ndarray, rows: np.ndarray, box: Box, color) -> None:
    """Set the pixels at integer (cols, rows) inside the plot box; NaN and out-of-box ones skipped."""
    left, top, w, h = box
    with np.errstate(invalid="ignore"):
        inside = (cols >= left) & (cols < left + w) & (rows >= top) & (rows < top + h)
    image[rows[inside].astype(np.intp), cols[inside].astype(np.intp)] = color


@lru_cache(maxsize=8)
def _disk(radius: int) -> tuple[np.ndarray, np.ndarray]:
    d = np.arange(-radius, radius + 1)
    dx, dy = np.meshgrid(d, d)
    keep = dx ** 2 + dy ** 2 <= radius ** 2 + 0.5
    return dx[keep], dy[keep]


def _draw_dots(image: np.ndarray, xy: np.ndarray, extent, box: Box, color, radius: int) -> None:
    # Opaque, unlike the live view's 0.8: a GIF's palette then holds the dots' colours exactly.
    p = np.floor(_to_pixels(xy, extent, box))
    dx, dy = _disk(radius)
    _paint(image, (p[:, :1] + dx).ravel(), (p[:, 1:] + dy).ravel(), box, color)


def _draw_segments(image: np.ndarray, segments: np.ndarray, extent, box: Box, color) -> None:
    """Segments (n, 4) as x0, y0, x1, y1 in data units: one-pixel lines, by sampling each densely."""
    if not len(segments):
        return
    a, b = _to_pixels(segments[:, :2], extent, box), _to_pixels(segments[:, 2:], extent, box)
    longest = np.nanmax(np.abs(b - a), initial=0.0)
    t = np.linspace(0.0, 1.0, int(min(longest, 2 * image.shape[0])) + 2)[None, :, None]   # (1, k, 1)
    p = np.floor(a[:, None] + t * (b - a)[:, None])                                         # (n, k, 2)
    _paint(image, p[..., 0].ravel(), p[..., 1].ravel(), box, color)


def _manifold_segments(manifold: np.ndarray) -> np.ndarray:
    """Neighbouring points of the G(z) grid along rows and columns (a curve for 1-D noise): (n, 4)."""
    pairs = [np.concatenate([manifold[:-1], manifold[1:]], -1).reshape(-1, 4)]
    if manifold.shape[1] > 1:
        pairs.append(np.concatenate([manifold[:, :-1], manifold[:, 1:]], -1).reshape(-1, 4))
    return np.concatenate(pairs)


def pillow():
    """The PIL package, imported on first use: the engine runs without it until a frame is drawn."""
    try:
        import PIL.Image
        import PIL.ImageDraw
        import PIL.ImageFont
    except ImportError as err:
        raise ImportError(f"drawing frames needs Pillow: {INSTALL}") from err
    return PIL


@lru_cache(maxsize=8)
def _font(px: int):
    return pillow().ImageFont.load_default(size=px)


def _text_band(text: str, width: int, height: int) -> np.ndarray:
    """Black text on white as (height, width) indices, its smooth edges in the palette's greys."""
    PIL = pillow()
    band = PIL.Image.new("L", (width, height), 255)
    font_px = max(8, round(height * 0.55))
    PIL.ImageDraw.Draw(band).text((font_px // 2, (height - font_px) // 2), text, fill=0, font=_font(font_px))
    grey = (np.asarray(band).astype(np.int32) * (len(GREYS) - 1) + 127) // 255
    return np.where(grey == len(GREYS) - 1, WHITE, GREYS[0] + grey).astype(np.uint8)
