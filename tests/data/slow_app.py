"""A stand-in for a server busy when it is told to stop (tests/test_shutdown.py): each run starts
work in a thread of its own that would go on for ten minutes, as a long query or a view built in the
background would."""

import threading
import time

import streamlit as st


def work() -> None:
    for _ in range(6000):
        time.sleep(0.1)


threading.Thread(target=work, name="long-work", daemon=False).start()
st.write("Working")
