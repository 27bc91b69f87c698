"""User points: a CSV or plain text of x, y numbers, read into an (n, 2) array within one set of limits.

The one owner of this format: the app's upload, its drawing canvas, the command line's
--points-csv and the config's 'points' target all use these limits and this parser. Only
numbers are read; nothing in a file is ever executed or unpickled.
"""
from __future__ import annotations

import math
import os
import re

import numpy as np

MAX_MEGABYTES = 2           # .streamlit/config.toml gives Streamlit's uploader the same limit
MAX_BYTES = MAX_MEGABYTES * 1_000_000   # as Streamlit counts a megabyte
MAX_POINTS = 20_000         # rows of data, the header not counted
MIN_POINTS = 3              # fewer is not a distribution to learn
# Separators, tried in this order on the first non-blank line; a line with none is split on spaces.
# Semicolon first: files that use it often write decimal commas ("1,5;2"), and splitting those on
# commas would silently read the wrong numbers; this way they fail loudly.
SEPARATORS = (";", ",", "\t")
FORMAT = ("Two columns, x and y, separated by commas, semicolons, tabs or spaces; "
          f"one optional header row; {MIN_POINTS:,} to {MAX_POINTS:,} points")

# Plain decimal numbers only ("1", "-2.5", ".5", "3e-4"). Python's float() would also take
# "1_000", "infinity" or Arabic-Indic digits, which are more surprising than helpful here
# (hence [0-9], not \d: in a str pattern \d matches every script's digits).
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_NOT_FINITE = {"nan", "inf", "infinity"}    # read as numbers (so never a header), then refused


class PointsError(ValueError):
    """The points cannot be used; the message says what is wrong and where, for a person to read."""


def parse_points(data: bytes | str) -> np.ndarray:
    """(n, 2) float64 finite points from CSV bytes or text: exactly two columns, an optional header row."""
    # Text goes the same way as bytes: one size limit (in bytes) and one set of checks.
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    _check_size(len(raw))
    text = _decode(raw)
    # Not str.splitlines(): it also breaks at form feeds and other rare characters, which would
    # shift the line numbers that messages quote.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise PointsError("the file is empty")
    split = _splitter(rows[0][1])
    cells = [(number, split(line)) for number, line in rows]
    if _is_header(cells[0][1]):
        _check_columns(*cells[0])
        cells = cells[1:]
    check_count(len(cells))
    return np.array([_row(number, row) for number, row in cells], dtype=np.float64).reshape(-1, 2)


def check_count(n: int) -> None:
    """Raise PointsError unless n points are within MIN_POINTS to MAX_POINTS."""
    if n < MIN_POINTS:
        raise PointsError(f"needs at least {MIN_POINTS} points, found {n}")
    if n > MAX_POINTS:
        raise PointsError(f"has {n:,} points, more than the limit of {MAX_POINTS:,}")


def read_points_file(path: str | os.PathLike[str]) -> tuple[tuple[float, float], ...]:
    """The points of a file on disk, as the config's 'points' field holds them; errors name the file."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size     # 0 for a pipe: then parse_points checks what was read
            data = b"" if size > MAX_BYTES else f.read(MAX_BYTES + 1)
    except OSError as err:
        raise PointsError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        _check_size(size)
        points = parse_points(data)
    except PointsError as err:
        raise PointsError(f"{path}: {err}") from None
    return tuple((x, y) for x, y in points.tolist())


def normalise(points: np.ndarray, window: float) -> np.ndarray:
    """Centre the points' bounding box on the origin and scale x and y by one factor into [-window, window]^2."""
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
    return np.clip(centred * (window / half_range), -window, window)


def _check_size(nbytes: int) -> None:
    if nbytes > MAX_BYTES:
        raise PointsError(f"the file is {nbytes:,} bytes; the limit is {MAX_BYTES:,} bytes ({MAX_MEGABYTES} MB)")


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise PointsError("not a text CSV file (it contains NUL bytes: binary data, or UTF-16 text; "
                          "save it as a UTF-8 CSV)")
    try:
        return data.decode("utf-8-sig")         # -sig: drop the byte-order mark spreadsheets write
    except UnicodeDecodeError:
        raise PointsError("not a text CSV file (it is not UTF-8 text)") from None


def _splitter(first_line: str):
    """Split on the first of SEPARATORS the first line uses, else on runs of spaces."""
    for sep in SEPARATORS:
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


def _check_columns(number: int, cells: list[str]) -> None:
    if len(cells) != 2:
        raise PointsError(f"line {number}: needs two columns (x, y), found {len(cells)}")


def _row(number: int, cells: list[str]) -> tuple[float, float]:
    _check_columns(number, cells)
    for cell in cells:
        if not _is_number(cell):
            raise PointsError(f"line {number}: {repr(cell) if cell else 'an empty cell'} is not a number")
        if not math.isfinite(float(cell)):
            raise PointsError(f"line {number}: {cell!r} is not a finite number (NaN and infinity are not allowed)")
    return float(cells[0]), float(cells[1])
