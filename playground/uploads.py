"""Uploaded point sets: a user's CSV turned into 2D points the default networks can learn, plain numbers only."""
from __future__ import annotations

import math
import re

import numpy as np

MAX_BYTES = 2_000_000
MAX_POINTS = 20_000
MIN_POINTS = 3

# Plain decimal numbers only ("1", "-2.5", ".5", "3e-4"). Python's float() would also take
# "1_000", "infinity" or Arabic-Indic digits, which are more surprising than helpful here.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = {"nan", "inf", "infinity"}


class UploadError(ValueError):
    """The upload cannot be used; the message says what is wrong, for the user to read."""


def parse_points(data: bytes) -> np.ndarray:
    """(n, 2) float64 finite points from CSV bytes: the first two columns, an optional header row."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes")
    lines = _decode(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise UploadError("the file is empty")
    split = _splitter(rows[0][1])
    cells = [(number, split(line)) for number, line in rows]
    if _is_header(cells[0][1]):
        cells = cells[1:]
    if len(cells) > MAX_POINTS:
        raise UploadError(f"the file has {len(cells):,} points; the limit is {MAX_POINTS:,}")
    points = np.array([_row(number, row) for number, row in cells], dtype=np.float64).reshape(-1, 2)
    if len(points) < MIN_POINTS:
        raise UploadError(f"needs at least {MIN_POINTS} points, found {len(points)}")
    return points


def normalise(points: np.ndarray, half_width: float = 2.5) -> np.ndarray:
    """Centre the points' bounding box on the origin and scale x and y by one factor into [-half_width, half_width]^2."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0 or not np.isfinite(points).all():
        raise ValueError(f"expected a non-empty (n, 2) array of finite numbers, got shape {points.shape}")
    lo, hi = points.min(axis=0), points.max(axis=0)
    # Halve before subtracting: hi - lo of numbers near the float limit would overflow to inf.
    centred = points - (lo / 2 + hi / 2)
    half_range = float((hi / 2 - lo / 2).max())
    if half_range == 0:                         # one point, repeated: nothing to scale
        return np.zeros_like(points)
    # The same factor on both axes keeps the shape; clip only absorbs rounding at the edges.
    return np.clip(centred * (half_width / half_range), -half_width, half_width)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UploadError("not a text CSV file (it contains NUL bytes: binary data, or UTF-16 text; save it as a UTF-8 CSV)")
    try:
        return data.decode("utf-8-sig")         # -sig: drop the byte-order mark spreadsheets write
    except UnicodeDecodeError:
        raise UploadError("not a text CSV file (it is not UTF-8 text)") from None


def _splitter(first_line: str):
    """Split on the separator the first line uses: semicolon, comma, tab, else runs of spaces."""
    # Semicolon first: files that use it often write decimal commas ("1,5;2"), and splitting
    # those on commas would silently read the wrong numbers; this way they fail loudly.
    for sep in (";", ",", "\t"):
        if sep in first_line:
            return lambda line, sep=sep: [_unquote(c) for c in line.split(sep)]
    return lambda line: [_unquote(c) for c in line.split()]


def _unquote(cell: str) -> str:
    cell = cell.strip()
    return cell[1:-1].strip() if len(cell) >= 2 and cell[0] == cell[-1] == '"' else cell


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.fullmatch(cell)) or cell.lower().lstrip("+-") in _NOT_FINITE


def _is_header(cells: list[str]) -> bool:
    """Names, not numbers: no cell is a number and some cell has a letter ("1,5" is not a name)."""
    return not any(_is_number(c) for c in cells) and any(ch.isalpha() for c in cells for ch in c)


def _row(number: int, cells: list[str]) -> tuple[float, float]:
    if len(cells) < 2:
        raise UploadError(f"line {number}: needs two columns (x, y), found one")
    for cell in cells[:2]:
        if not _is_number(cell):
            raise UploadError(f"line {number}: {repr(cell) if cell else 'an empty cell'} is not a number")
        if not math.isfinite(float(cell)):
            raise UploadError(f"line {number}: {cell!r} is not a finite number (NaN and infinity are not allowed)")
    return float(cells[0]), float(cells[1])
