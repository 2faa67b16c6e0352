"""Files in, tidy observations out: loaders for the sub-groups' returns and police data.

Nothing here imports Streamlit. `load_file` checks a file and picks its kind (declared in kinds/).
"""

from data_loaders.detect import load_file
from data_loaders.problems import Problem, ReturnRefused

__all__ = ["Problem", "ReturnRefused", "load_file"]
