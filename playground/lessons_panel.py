"""The lessons on the page: one click loads a lesson's settings and starts it; its text says what to watch.

The settings come from gancore/lessons.py (the same configs the claim tests train), the words from
playground/lesson_texts.py; a lesson is also a link (`?lesson=<key>`, see urlstate).
"""
from __future__ import annotations

import streamlit as st

from gancore.lessons import LESSONS
from playground import dirac_page, kept, urlstate, widgets
from playground.lesson_texts import lesson_text

A, B = "cfg.", "b."
AUTOPLAY = "_autoplay"       # session key: start the runs once the lesson's settings are applied
HEADINGS = {"en": {"lessons": "Lessons: one click loads an experiment and starts it", "watch": "What to watch",
                   "question": "Question", "leave": "Leave the lesson", "active": "Lesson"},
            "zh": {"lessons": "课程：点一下即载入实验并开始训练", "watch": "观察什么", "question": "问题",
                   "leave": "离开本课", "active": "课程"}}


def load(state: urlstate.PageState, autoplay: bool) -> None:
    """Make a page state (a lesson's, a link's) the settings' values."""
    widgets.seed_state(state.config.to_dict(), A, overwrite=True)
    widgets.seed_state(state.config.replace(**state.b_overrides).to_dict(), B, overwrite=True)
    kept.put("compare", state.compare)
    kept.put("b_fields", list(state.b_overrides) or ["loss"])
    for name in urlstate.viewstate.FIELDS:
        kept.put(f"view.{name}", getattr(state.view, name))
    kept.put("page", state.page)
    dirac_page.seed(state.dirac)
    kept.put("dirac_b", state.dirac_b)
    kept.put("lesson", state.lesson)
    st.session_state[AUTOPLAY] = autoplay and state.page == "plane"


def _pick(key: str) -> None:
    load(urlstate.lesson_state(key), autoplay=True)


def _leave() -> None:
    kept.put("lesson", "")
    kept.put("dirac_b", {})


def panel(lang: str) -> None:
    """The lesson buttons, and the active lesson's text."""
    words = HEADINGS[lang]
    active = kept.get("lesson", "")
    with st.expander(words["lessons"], expanded=not active):
        cols = st.columns(3)
        for i, key in enumerate(LESSONS):
            cols[i % 3].button(lesson_text(key, lang).title, key=f"lesson-{key}", on_click=_pick, args=(key,),
                               width="stretch", type="primary" if key == active else "secondary",
                               help=f"Link: ?lesson={key}")
    if not active:
        return
    text = lesson_text(active, lang)
    with st.container(border=True, key="lesson-card"):
        st.markdown(f"**{words['active']}: {text.title}**")
        st.markdown(text.body)
        st.markdown(f"**{words['watch']}:** {text.watch}")
        st.markdown(f"**{words['question']}:** {text.question}")
        st.button(words["leave"], key="lesson-leave", on_click=_leave)


def take_autoplay() -> bool:
    """True once after a lesson was loaded: the page then presses play."""
    return st.session_state.pop(AUTOPLAY, False)
