"""Signed in, but the roles file gives this address no role."""

import streamlit as st

st.title("No access yet")
st.write(
    f"You are signed in as **{st.user.get('email', '')}**, but this address has no role on the dashboard. "
    "Ask the partnership's administrator to add it (or its domain) to the roles file."
)
st.button("Sign out", on_click=st.logout)
