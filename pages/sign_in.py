"""Sign in through the partnership's identity provider (Streamlit's OIDC)."""

import streamlit as st

from pages.shared import route_through_app

route_through_app()
st.title("Partnership performance dashboard")
st.write("Sign in with your organisation's account to see the partnership's figures.")
st.button("Sign in", type="primary", on_click=st.login)
