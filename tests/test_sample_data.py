"""The embedded sample: regenerating it gives the committed files byte for byte."""

import hashlib

from cspdash.periods import quarter_range
from sample_data.generate import AREAS, LAST, MISSING, SAMPLE_DIR, generate, sample_files, sample_subgroups


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_sample_files() -> int:
    """How many sample files the declarations make: a return per area and quarter of every sub-group
    with a sample (less those left out on purpose), the counts by ethnic group and the MPS CSVs."""
    returns = sum(len(AREAS) * len(quarter_range(first, LAST)) for first in sample_subgroups().values())
    return returns - len(MISSING) + 4


def test_regeneration_gives_identical_files(tmp_path):
    written = generate(tmp_path)
    assert len(written) == expected_sample_files()
    assert sorted(p.relative_to(tmp_path) for p in written) == sorted(p.relative_to(SAMPLE_DIR) for p in sample_files())
    for path in written:
        committed = SAMPLE_DIR / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is not committed"
        assert digest(path) == digest(committed), f"{committed.name} differs from a fresh generation"


def test_sample_covers_two_areas_and_seven_financial_years(sample_store_url):
    from cspdash.store.db import open_store
    from cspdash.store.queries import quarters_with_data

    engine = open_store(sample_store_url)
    for area in ("Hackney", "City of London"):
        quarters = quarters_with_data(engine, area)
        assert (quarters[0].label, quarters[-1].label, len(quarters)) == ("2018/19 Q1", "2024/25 Q4", 28)
