"""Files in, tidy observations out: loaders for the sub-groups' returns and police data.

Nothing here imports Streamlit. `load_file` picks the loader for a file.
"""

from data_loaders.detect import load_file
from data_loaders.problems import Problem, ReturnRefused

__all__ = ["Problem", "ReturnRefused", "load_file"]
