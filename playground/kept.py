"""Widget values that survive their widget not being drawn.

Streamlit deletes a widget's state at the end of any run that did not draw it (a hidden target
parameter, run B's settings outside compare mode, a tab's fragment), and a widget drawn again
without a value starts from its minimum. So the value the user gave lives here, in a plain dict
Streamlit never cleans up, and each widget is re-seeded from it before it is drawn. A widget's
own key ("w." + key) is only ever a copy.
"""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

STORE = "_kept"          # session key of {key: value}
DRAWN, LAST_FULL = "_kept_drawn", "_kept_drawn_full"   # keys bound in this full run, and in the last finished one
_MISSING = object()


def _store() -> dict[str, Any]:
    return st.session_state.setdefault(STORE, {})


def widget_key(key: str) -> str:
    return f"w.{key}"


def get(key: str, default: Any = _MISSING) -> Any:
    if default is _MISSING:
        return _store()[key]
    return _store().get(key, default)


def put(key: str, value: Any) -> None:
    """Change a value from code (a thumbnail, a lesson, a link): its widget shows it on its next draw."""
    _store()[key] = value


def has(key: str) -> bool:
    return key in _store()


def run_started() -> None:
    """Call first in each full run of the page (not in fragment runs)."""
    # After a run that was cut short (a click, an st.rerun) the set keeps growing: what those runs
    # drew may be on screen, and a click on it is the user's.
    if st.session_state.get(LAST_FULL) is st.session_state.get(DRAWN):
        st.session_state[DRAWN] = set()


def run_finished() -> None:
    """Call last in each full run; a run cut short never gets here."""
    st.session_state[LAST_FULL] = st.session_state.setdefault(DRAWN, set())


def _on_screen(key: str) -> bool:
    # Drawn in the last finished full run (or a fragment run since: they add to the same set), or
    # in the run the user's action cut short. A value for any other widget is the browser's stale
    # copy of a widget since hidden (seen in Streamlit 1.67 when a click lands mid-run: run B's
    # fields came back from the previous lesson after compare was toggled on again).
    return key in st.session_state.get(LAST_FULL, ()) or key in st.session_state.get(DRAWN, ())


def _take(key: str, then: Callable[[], None] | None) -> None:
    # on_change runs before the page does: the user's new value is stored before anything reads it.
    if not _on_screen(key):
        return                                       # the next bind() puts the kept value back
    _store()[key] = st.session_state[widget_key(key)]
    if then is not None:
        then()


def bind(key: str, default: Any = _MISSING, then: Callable[[], None] | None = None) -> dict[str, Any]:
    """Keyword arguments for a widget that shows and edits the kept value `key` (`default` the first time);
    `then` runs after a change by the user has been kept.

    Pass them to the widget call instead of key/value/on_change: `st.toggle("...", **kept.bind("compare", False))`.
    """
    store = _store()
    if default is not _MISSING:
        store.setdefault(key, default)
    wkey = widget_key(key)
    # Always, not only when the value differs: a widget drawn again after a run without it is a new
    # element in the browser, which starts from its default (a number box: its minimum) unless this
    # run sets its value, and then sends that default back as the user's (seen in Streamlit 1.67:
    # data_noise went to 0.0 on the second return to a target that shows it). The user's own change
    # has already reached the store through on_change by now, so this never undoes it.
    st.session_state[wkey] = store[key]              # before the widget exists in this run: allowed
    st.session_state.setdefault(DRAWN, set()).add(key)
    return {"key": wkey, "on_change": _take, "args": (key, then)}
