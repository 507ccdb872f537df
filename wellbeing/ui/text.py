"""Sentences made from data, drawn as text: a reading never turns into Markdown."""

from __future__ import annotations

import streamlit as st

from wellbeing.present import plain


def reading(text: str) -> None:
    """Draw a one-sentence reading (``wellbeing.present.readings``) exactly as written.

    Readings name teams, waves and change-log titles typed by people; escaped here,
    ``![x](http://host/beacon.png)`` in a team name stays text (``plain.markdown``).
    """
    st.markdown(plain.markdown(text))
