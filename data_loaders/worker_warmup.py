"""Imported once by the server that forks file-reading workers (see `sandbox`): reading one of the
app's own sample returns there loads every lazily imported reader and validator, so each worker
forked from it starts warm."""

import contextlib

from data_loaders.detect import load_file
from sample_data.generate import sample_files

with contextlib.suppress(Exception):  # a warm-up that fails only costs the workers their head start
    load_file(sample_files()[0])
