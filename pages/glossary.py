"""Glossary: the few terms the board's screens and papers keep, in plain English."""

import streamlit as st

from cspdash.glossary import TERMS
from cspdash.status import MEANINGS, Status

st.title("Glossary", anchor=False)
st.markdown("The words the dashboard uses, and what they mean for a board.")
for term, meaning in TERMS.items():
    st.markdown(f"**{term}**  \n{meaning}")
st.subheader("Statuses", anchor=False)
for status in Status:
    st.markdown(f"**{status.shape} {status.word}**  \n{MEANINGS[status]}")
