"""Signed in, but without a role: the roles file names no rule for the address, or the identity
provider did not vouch for it."""

import streamlit as st

from cspdash.safe_text import plain_markdown
from pages.shared import current_person

person = current_person()
st.title("No access yet")
if person.why_not:
    st.write(f"You are signed in as **{plain_markdown(person.email)}**, but {plain_markdown(person.why_not)}.")
    st.write("Sign in with your organisation's account, or ask the partnership's administrator for help.")
else:
    st.write(
        f"You are signed in as **{plain_markdown(person.email)}**, but this address has no role on the dashboard. "
        "Ask the partnership's administrator to add it (or its domain) to the roles file."
    )
st.button("Sign out", on_click=st.logout)
