import pytest

from cspdash.catalogue import CatalogueError, load_catalogue, parse_catalogue

CATALOGUE = load_catalogue()


def test_catalogue_covers_the_boards_indicators():
    ids = {ind.id for ind in CATALOGUE.indicators}
    youth = {"yj_fte_rate", "yj_reoffending", "yj_custody"} | {i for i in ids if i.startswith("yj_kpi")}
    assert len([i for i in youth if i.startswith("yj_kpi")]) >= 10
    kpis = {i.split("_")[1] for i in youth if i.startswith("yj_kpi")}
    assert kpis == {f"kpi{n}" for n in range(1, 11)}
    assert {
        "marac_cases",
        "marac_repeat",
        "marac_partner_referrals",
        "da_offences",
        "sexual_offences",
        "stalking_harassment",
        "dhr_open",
    } <= ids
    assert {"knife_crime", "lethal_barrel_discharges", "mps_total"} <= ids


def test_every_mps_major_category_of_the_2019_taxonomy_is_mapped_to_a_catalogue_indicator():
    from data_loaders.kinds import load_kinds

    mapping = load_kinds()["mps_borough"].category_map
    assert set(mapping.values()) <= {ind.id for ind in CATALOGUE.indicators}
    mapped = set(mapping)
    taxonomy = [
        "Arson and Criminal Damage",
        "Burglary",
        "Drug Offences",
        "Miscellaneous Crimes Against Society",
        "Possession of Weapons",
        "Public Order Offences",
        "Robbery",
        "Sexual Offences",
        "Theft",
        "Vehicle Offences",
        "Violence Against the Person",
        "Fraud and Forgery",
        "NFIB Fraud",
    ]
    assert {t.casefold() for t in taxonomy} <= mapped


def test_mental_health_and_substance_misuse_kpis_are_three_stage_funnels():
    for kpi in ("yj_kpi4_mh", "yj_kpi5_sm"):
        stages = [i for i in CATALOGUE.indicators if i.id.startswith(kpi)]
        assert [s.id.rsplit("_", 1)[1] for s in stages] == ["identified", "planned", "attending"]
        assert all(s.numerator and s.denominator for s in stages)


@pytest.mark.parametrize(
    "entry, message",
    [
        ('unit = "furlongs"', "unit 'furlongs'"),
        ('polarity = "sideways"', "polarity 'sideways'"),
        ('rag = { rule = "target" }', "needs `target` and `tolerance`"),
    ],
)
def test_a_bad_catalogue_entry_is_refused_with_its_reason(entry, message):
    fields = {
        "unit": 'unit = "count"',
        "polarity": 'polarity = "lower"',
        "rag": 'rag = { rule = "direction" }',
    }
    fields[entry.split(" ")[0]] = entry
    text = f"""
[[subgroup]]
id = "s"
name = "S"

[[indicator]]
id = "x"
name = "X"
subgroup = "s"
aggregation = "sum"
frequency = "quarter"
{chr(10).join(fields.values())}
"""
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)
