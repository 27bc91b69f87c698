"""playground/kept.py: the settings store that outlives its widgets, with Streamlit's session state as a dict."""
import pytest
import streamlit as st

from playground import kept


@pytest.fixture
def session(monkeypatch):
    state: dict = {}
    monkeypatch.setattr(st, "session_state", state)
    return state


def user_sets(session, key, value, bound):
    """What Streamlit does when the browser reports a new value: the widget's state, then on_change."""
    session[bound["key"]] = value
    bound["on_change"](*bound["args"])


def test_a_change_to_a_widget_on_screen_is_kept_and_a_widget_drawn_again_shows_it(session):
    kept.run_started()
    bound = kept.bind("b_fields", ["loss"])
    kept.run_finished()
    user_sets(session, "b_fields", ["d_lr"], bound)
    assert kept.get("b_fields") == ["d_lr"]
    kept.run_started()
    kept.bind("b_fields")
    assert session["w.b_fields"] == ["d_lr"]


def test_a_stale_value_for_a_widget_since_hidden_is_ignored(session):
    """The browser can send back a widget hidden by the last run (a click mid-run): not the user's change."""
    kept.run_started()
    bound = kept.bind("b_fields", ["loss"])
    kept.run_finished()
    kept.run_started()                      # compare turned off: run B's fields are not drawn
    kept.run_finished()
    calls = []
    user_sets(session, "b_fields", ["d_lr"], {**bound, "args": ("b_fields", lambda: calls.append(1))})
    assert kept.get("b_fields") == ["loss"] and calls == []
    kept.run_started()
    kept.bind("b_fields")
    assert session["w.b_fields"] == ["loss"]          # the widget is put back to the kept value


def test_a_change_that_cuts_a_run_short_is_kept(session):
    """The user's click interrupts a run before it reached the widget (drawn by the run before) or
    after it drew a new one: both are on screen, both changes count."""
    kept.run_started()
    old = kept.bind("page", "plane")
    kept.run_finished()
    kept.run_started()                      # cut short before it drew "page"
    user_sets(session, "page", "dirac", old)
    assert kept.get("page") == "dirac"
    kept.run_started()
    new = kept.bind("compare", False)       # drawn by a run the next click cuts short
    user_sets(session, "compare", True, new)
    assert kept.get("compare") is True


def test_widgets_drawn_by_runs_cut_short_one_after_another_all_count(session):
    """An st.rerun or a click can cut several runs short in a row: a widget any of them drew is on screen."""
    kept.run_started()
    kept.run_finished()                     # the Dirac page: no view toggles
    kept.run_started()
    toggle = kept.bind("view.arrows", True)  # the plane page drew it, then an st.rerun cut the run short
    kept.run_started()                      # this run is cut short by the click before it reaches the toggle
    user_sets(session, "view.arrows", False, toggle)
    assert kept.get("view.arrows") is False
