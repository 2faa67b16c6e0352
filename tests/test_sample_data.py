"""The embedded sample: regenerating it gives the committed files byte for byte."""

import hashlib

from sample_data.generate import SAMPLE_DIR, generate


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_regeneration_gives_identical_files(tmp_path):
    written = generate(tmp_path)
    assert len(written) == 163
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
