"""Core of the partnership performance dashboard: plain Python, no Streamlit."""
