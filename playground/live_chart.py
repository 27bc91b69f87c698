"""A Streamlit component that keeps one plotly chart on the page and redraws it in place with each new figure.

`st.plotly_chart` re-creates its chart whenever the figure changes, which blinks and shows few
frames when a fragment refreshes ten times a second. This component keeps a single Plotly div
alive in its iframe and hands each figure to `Plotly.react`, which also keeps the user's zoom.
The frontend is plain JS in `live_chart_frontend/`; plotly.js itself is copied from the installed
plotly package into a cache directory at runtime, so it is never committed.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import plotly
from streamlit.components.v1 import declare_component
from streamlit.components.v1.custom_component import CustomComponent

SIGNIFICANT_DIGITS = 4  # plenty for a picture, and short on the wire
UIREVISION = "live-chart"  # any constant works: Plotly keeps zoom/pan while it does not change

_FRONTEND_DIR = Path(__file__).with_name("live_chart_frontend")
_FRONTEND_FILES = ("index.html", "main.js")
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def live_chart(
    figure: dict[str, Any] | None = None,
    *,
    key: str,
    height: int = 480,
    click_to_add: bool = False,
    source: str | None = None,
) -> list[list[float]] | None:
    """Show `figure` (a plotly figure dict) in a chart that is updated in place on each call.

    With `source` (a frame feed address, see playground/framefeed.py) instead of a figure, the
    chart fetches its figures itself, one after the other, as fast as it draws them: the page
    does not rerun for a new frame.

    With `click_to_add`, clicks (and drags, every ~15 px) in the plot area add points; the return
    value is every point added so far as `[[x, y], ...]` in data coordinates, None before the
    first click. The points live in the browser: change `key` to start a fresh, empty chart.
    """
    if (figure is None) == (source is None):
        raise ValueError("live_chart needs a figure or a source, not both")
    payload = None if figure is None else to_payload(figure, click_to_add=click_to_add)
    return _component()(figure=payload, source=source, height=height, click_to_add=click_to_add, key=key)


def to_payload(figure: dict[str, Any], *, click_to_add: bool = False) -> dict[str, Any]:
    """Return a JSON-ready copy of `figure` with the layout defaults the live chart relies on."""
    payload = to_jsonable(figure)
    layout = payload.setdefault("layout", {})
    layout.setdefault("uirevision", UIREVISION)
    if click_to_add:
        # Plotly's default drag action is a zoom box, which would fight with drawing points.
        layout.setdefault("dragmode", False)
    return payload


def to_jsonable(value: Any) -> Any:
    """Copy `value` with numpy arrays and scalars turned into plain, rounded Python values.

    Non-finite floats become None (JSON null: a gap for Plotly), because the browser's
    JSON.parse rejects the NaN/Infinity that Python's json module would write.
    """
    if isinstance(value, np.ndarray):
        return _array_to_list(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _array_to_list(array: np.ndarray) -> list[Any]:
    if array.dtype.kind != "f":
        return to_jsonable(array.tolist()) if array.dtype == object else array.tolist()
    rounded = _round_significant(array.astype(np.float64))
    finite = np.isfinite(rounded)
    if finite.all():
        return rounded.tolist()
    return np.where(finite, rounded, None).tolist()


def _round_significant(array: np.ndarray) -> np.ndarray:
    """Round each value to SIGNIFICANT_DIGITS, as float(f"{x:.4g}") would, but for a whole array.

    Scaling by an exact power of ten, rounding, then undoing the scale with the same power gives
    the double nearest the short decimal, so its JSON text stays short ("0.1235", not
    "0.12350000000000001").
    """
    nonzero = np.isfinite(array) & (array != 0)
    exponent = np.zeros(array.shape, dtype=np.int64)
    exponent[nonzero] = np.floor(np.log10(np.abs(array[nonzero])))
    # Digits to keep after the decimal point; capped so 10**decimals stays finite for subnormals.
    decimals = np.minimum(SIGNIFICANT_DIGITS - 1 - exponent, 300)
    up = 10.0 ** np.maximum(decimals, 0)  # one of up/down is 1, the other an exact power of ten
    down = 10.0 ** np.maximum(-decimals, 0)
    return np.rint(array * up / down) * down / up


@functools.cache
def _component() -> CustomComponent:
    # Declared on first use, inside a script run, so it registers with the running server.
    return declare_component("live_chart", path=str(_served_dir()))


def _served_dir() -> Path:
    """Fill and return the directory Streamlit serves: our html/js plus a copy of plotly.min.js.

    The name carries the plotly version and a hash of our files, so a stale copy is never
    served and two checkouts with different frontends do not overwrite each other.
    """
    sources = [_FRONTEND_DIR / name for name in _FRONTEND_FILES]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:12]
    cache_root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    served = cache_root / "gan-playground" / f"live_chart-{plotly.__version__}-{digest}"
    served.mkdir(parents=True, exist_ok=True)
    for source in [*sources, _PLOTLY_JS]:
        target = served / source.name
        if not target.exists():
            # Copy then rename, so a server in another process never reads a half-written file.
            partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    return served
