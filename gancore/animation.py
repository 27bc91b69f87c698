"""Animations of runs: frames drawn by gancore.render, encoded as GIF or MP4 by the file's extension.

GIF goes through Pillow, its frames kept as render.PALETTE indices (exact colours, no dithering);
MP4 through imageio's ffmpeg (libx264, yuv420p). Both are optional dependencies: imported when an
animation is written, with the install command in the error if missing.
"""
from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from gancore import render
from gancore.snapshot import Snapshot

Item = Snapshot | Sequence[Snapshot]         # one run's frame, or several runs' side by side
MP4_QUALITY = 7                             # imageio's 0..10 scale; 7 is x264's crf 15: one-pixel arrows stay sharp
MP4_PRESET = "veryfast"                     # x264's default (medium) takes twice as long for files no smaller here


def _write_gif(frames: Iterator[np.ndarray], path: Path, fps: int) -> None:
    Image = render.pillow().Image
    images = []
    for indices in frames:
        image = Image.fromarray(indices, mode="P")
        image.putpalette(render.PALETTE.ravel().tolist())
        images.append(image)
    # Pillow holds every frame (a byte a pixel) until it writes the file: ~70 MB for 300 frames.
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=round(1000 / fps), optimize=False)


def _write_mp4(frames: Iterator[np.ndarray], path: Path, fps: int) -> None:
    import imageio.v2 as imageio      # with imageio-ffmpeg's ffmpeg; check_available has said if missing
    writer = imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                pixelformat="yuv420p", quality=MP4_QUALITY, macro_block_size=2,
                                ffmpeg_log_level="error", output_params=["-preset", MP4_PRESET])
    try:
        for indices in frames:
            writer.append_data(_even(render.PALETTE[indices]))
    finally:
        writer.close()


# Each encoder takes frames as render.PALETTE indices, (H, W) uint8.
ENCODERS: dict[str, Callable[[Iterator[np.ndarray], Path, int], None]] = {".gif": _write_gif, ".mp4": _write_mp4}
NEEDS: dict[str, tuple[str, ...]] = {".gif": ("PIL",), ".mp4": ("PIL", "imageio", "imageio_ffmpeg")}


def format_of(path: str | Path) -> str:
    """The encoder's key for a file name: its extension, lower case; ValueError naming the valid ones."""
    suffix = Path(path).suffix.lower()
    if suffix not in ENCODERS:
        raise ValueError(f"{Path(path).name}: an animation is {' or '.join(ENCODERS)} "
                         f"(chosen by the file's extension), not {suffix or 'a name without one'}")
    return suffix


def check_available(fmt: str) -> None:
    """ImportError with the install command if the packages that write `fmt` are missing."""
    missing = [name for name in NEEDS[fmt] if not _importable(name)]
    if missing:
        raise ImportError(f"writing {fmt} animations needs {', '.join(missing)}: {render.INSTALL}")


def export_animation(frames: Iterable[Item], path: str | Path, fps: int = 20, *, arrows: bool = True,
                     manifold: bool = False, size: int = render.SIZE,
                     labels: Sequence[str] = ()) -> list[tuple[int, ...]]:
    """Write the frames as an animation at `path` (GIF or MP4 by its extension).

    Each item is a Snapshot, or a sequence of them drawn side by side (labelled by `labels`).
    Returns the steps written, one tuple per frame (one step per run), in order.
    """
    fmt = format_of(path)
    check_available(fmt)
    if fps < 1:
        raise ValueError(f"fps must be at least 1, got {fps}")
    items = iter(frames)
    first = next(items, None)
    if first is None:
        raise ValueError("no frames to write")
    written: list[tuple[int, ...]] = []

    def images() -> Iterator[np.ndarray]:
        for item in itertools.chain([first], items):
            snaps = (item,) if isinstance(item, Snapshot) else tuple(item)
            written.append(tuple(s.step for s in snaps))
            yield render.draw_row(snaps, arrows=arrows, manifold=manifold, size=size, labels=labels)

    ENCODERS[fmt](images(), Path(path), fps)
    return written


def export_bytes(frames: Iterable[Item], fmt: str, fps: int = 20, **options: Any) -> bytes:
    """The same animation as the bytes of a file (for a download button); fmt is ".gif" or ".mp4"."""
    fmt = format_of(f"animation.{fmt.lstrip('.')}")
    with tempfile.TemporaryDirectory(prefix="gan-animation-") as folder:
        path = Path(folder) / f"animation{fmt}"      # ffmpeg writes files: MP4 puts its index last
        export_animation(frames, path, fps, **options)
        return path.read_bytes()


def _even(image: np.ndarray) -> np.ndarray:
    """yuv420p halves the colour resolution: pad odd sizes with white to even ones."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)), constant_values=255)


def _importable(name: str) -> bool:
    try:
        __import__(name)
        return True
    except ImportError:
        return False

