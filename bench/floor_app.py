"""The floor: a page that draws nothing but a title and one filter.

Every figure in ``python -m bench.run`` is also printed as a multiple of this
page's rerun, measured the same way in the same run, so that figures taken on
different machines can be compared.
"""

import streamlit as st

st.title("Floor")
wave = st.sidebar.selectbox("Wave", ["Spring", "Autumn"], key="wave")
# What the browser waits for after a change: the rerun is too quick to be seen running.
st.write(f"Chosen: {wave}")
