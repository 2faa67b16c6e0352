"""A sub-group's sample declared in the catalogue (`sample_from`, each indicator's `sample`): checked
when the catalogue is read, drawn by sample_data/generate.py from the declarations and the return
kind's rules, and drawn after everything else from a generator of its own, so that declaring one
changes no other sample file."""

from __future__ import annotations

import hashlib
import random
import tomllib

import pytest

from cspdash.catalogue import CATALOGUE_PATH, CatalogueError, parse_catalogue
from cspdash.disclosure import recoverable
from cspdash.periods import Quarter, quarter_range
from data_loaders.kinds import load_kinds, parse_kind
from sample_data import generate

HUBS = """
[[subgroup]]
id = "safety_hubs"
name = "Community Safety Hubs"
sample_from = "2023/24 Q1"

[[indicator]]
id = "hub_referrals"
name = "Referrals to the hub"
subgroup = "safety_hubs"
unit = "count"
polarity = "neutral"
aggregation = "sum"
frequency = "quarter"

[[indicator]]
id = "hub_referrals_police"
name = "Referrals to the hub from the police"
subgroup = "safety_hubs"
unit = "count"
polarity = "neutral"
aggregation = "sum"
frequency = "quarter"
sample = { quarterly = 40, drift = 0.05 }

[[indicator]]
id = "hub_referrals_other"
name = "Referrals to the hub from others"
subgroup = "safety_hubs"
unit = "count"
polarity = "neutral"
aggregation = "sum"
frequency = "quarter"
sample = { quarterly = 60, season = [1, 1, 1, 1] }

[[indicator]]
id = "hub_resolved"
name = "Referrals resolved"
subgroup = "safety_hubs"
unit = "percent"
polarity = "higher"
aggregation = "ratio"
frequency = "quarter"
sample = { share = 0.6, drift = 0.02 }

[[indicator]]
id = "hub_satisfied"
name = "Residents satisfied"
subgroup = "safety_hubs"
unit = "percent"
polarity = "higher"
aggregation = "ratio"
frequency = "quarter"
sample = { share = 0.8, size = 50 }

[[indicator]]
id = "hub_visit_rate"
name = "Visits per 1,000 residents"
subgroup = "safety_hubs"
unit = "rate"
per = 1000
polarity = "neutral"
aggregation = "ratio"
frequency = "quarter"
sample = { quarterly = 90, population = 250000 }
"""
HUBS_KIND = """
id = "safety_hubs"
name = "Community Safety Hub quarterly return"
subgroup = "safety_hubs"
layout = "indicator_rows"
formats = ["xlsx", "csv"]

[[rules]]
type = "sum"
total = "hub_referrals"
parts = ["hub_referrals_police", "hub_referrals_other"]

[[rules]]
type = "part_of"
part = ["hub_resolved"]
whole = "hub_referrals"
"""
INDICATOR = """
[[subgroup]]
id = "s"
name = "S"

[[indicator]]
id = "x"
name = "X"
subgroup = "s"
aggregation = "ratio"
frequency = "{frequency}"
polarity = "lower"
unit = "{unit}"
per = 1000
{extra}
"""


@pytest.mark.parametrize(
    ("unit", "extra", "message"),
    [
        ("count", "weight = 2", "indicator 'x': unknown key 'weight'"),
        ("count", "sample = { quarterly = 3, shape = 2 }", "indicator 'x': sample: unknown key 'shape'"),
        ("count", 'sample = { quarterly = "many" }', "sample: quarterly is not a number"),
        ("count", "sample = { quarterly = 3, covid = [1, 2] }", "covid is four multipliers of Q1–Q4"),
        ("count", "sample = { drift = 0.1 }", "a count needs quarterly"),
        ("count", "sample = { quarterly = 3, share = 0.5 }", "share is not for a count"),
        ("percent", "sample = { share = 1.5, size = 9 }", "share is a proportion from 0 to 1"),
        ("percent", "sample = { quarterly = 3 }", "a percent needs share; quarterly is not for a percent"),
        ("rate", "sample = { quarterly = 3 }", "a rate needs population"),
        ("rate", "sample = { quarterly = -3, population = 9 }", "quarterly, size and population are 0 or more"),
    ],
)
def test_a_bad_sample_declaration_is_refused_with_its_reason(unit, extra, message):
    with pytest.raises(CatalogueError, match=message.replace("(", r"\(")):
        parse_catalogue(INDICATOR.format(unit=unit, extra=extra, frequency="quarter"))


def test_only_a_quarterly_indicator_has_a_sample_and_sample_from_is_a_quarter():
    with pytest.raises(CatalogueError, match="only a quarterly indicator has a sample"):
        parse_catalogue(INDICATOR.format(unit="count", extra="sample = { quarterly = 3 }", frequency="month"))
    bad = HUBS.replace('sample_from = "2023/24 Q1"', 'sample_from = "2023 Q1"')
    with pytest.raises(CatalogueError, match="sub-group 'safety_hubs': sample_from '2023 Q1' is not a quarter label"):
        parse_catalogue(bad)
    with pytest.raises(CatalogueError, match="sub-group 'safety_hubs': unknown key 'colour'"):
        parse_catalogue(HUBS.replace('name = "Community Safety Hubs"', 'name = "Hubs"\ncolour = "red"'))


@pytest.fixture
def hubs(monkeypatch):
    """The shipped catalogue and kinds with a sub-group whose sample is declared (Community Safety Hubs)."""
    catalogue = parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8") + HUBS)
    kinds = {**load_kinds(), "safety_hubs": parse_kind(tomllib.loads(HUBS_KIND))}
    monkeypatch.setattr(generate, "load_catalogue", lambda: catalogue)
    monkeypatch.setattr(generate, "load_kinds", lambda: kinds)
    monkeypatch.setattr("data_loaders.template.load_catalogue", lambda: catalogue)
    return catalogue


def test_a_declared_subgroup_is_drawn_from_its_declarations_and_its_kinds_rules(hubs):
    first = generate.sample_subgroups()["safety_hubs"]
    assert first == Quarter.parse("2023/24 Q1")
    rng = random.Random("safety_hubs")
    seen_hidden = False
    for quarter in quarter_range(first, generate.LAST):
        for area, info in generate.AREAS.items():
            rows = {
                ind: (num, den, value)
                for ind, num, den, value in generate.declared_rows(rng, "safety_hubs", area, quarter)
            }
            assert list(rows) == [i.id for i in hubs.for_subgroup("safety_hubs")]
            cells = ["hub_referrals", "hub_referrals_police", "hub_referrals_other"]
            hidden = {c for c in cells if isinstance(rows[c][2], str)}
            seen_hidden |= bool(hidden)
            assert not recoverable([(cells[0], cells[1:])], hidden)  # no suppressed figure given away
            if not hidden:
                assert rows["hub_referrals"][2] == rows["hub_referrals_police"][2] + rows["hub_referrals_other"][2]
            resolved = rows["hub_resolved"]
            if "hub_referrals" in hidden or rows["hub_referrals"][2] == 0:
                assert resolved == (None, None, None)  # out of a suppressed whole: not applicable
            else:
                assert resolved[1] == rows["hub_referrals"][2] and 0 <= resolved[0] <= resolved[1]
            assert rows["hub_visit_rate"][1] == round(250000 * info["scale"])
            assert rows["hub_satisfied"][0] <= rows["hub_satisfied"][1]
    assert seen_hidden  # the City's small counts are suppressed now and then


def test_declaring_a_subgroup_changes_no_other_sample_file(hubs, tmp_path):
    written = generate.generate(tmp_path)
    ours = [p for p in written if p.name.endswith("_safety_hubs.xlsx")]
    quarters = quarter_range(generate.sample_subgroups()["safety_hubs"], generate.LAST)
    assert len(ours) == len(generate.AREAS) * len(quarters)
    for path in set(written) - set(ours):
        committed = generate.SAMPLE_DIR / path.relative_to(tmp_path)
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(committed.read_bytes()).digest(), path.name


def test_an_indicator_of_a_declared_subgroup_with_no_sample_is_named(hubs, monkeypatch):
    catalogue = parse_catalogue(
        CATALOGUE_PATH.read_text(encoding="utf-8") + HUBS.replace("sample = { share = 0.8, size = 50 }\n", "")
    )
    monkeypatch.setattr(generate, "load_catalogue", lambda: catalogue)
    with pytest.raises(ValueError, match="hub_satisfied has no sample"):
        generate.declared_rows(random.Random(1), "safety_hubs", "Hackney", generate.LAST)
