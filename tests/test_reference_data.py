"""Every real crime, VAWG and youth-justice file in ../shared/reference_data loads, and the facts in
its README come back out of `export`."""

from datetime import date

import pandas as pd
import pytest

from cspdash.store.db import open_store
from cspdash.store.queries import tidy_export
from data_loaders.ingest import ingest_files
from tests.conftest import REFERENCE, require

FILES = [
    "mps_borough/mps_borough_24m_201806-202005_LookUp_BoroughName.csv",
    "mps_borough/mps_borough_historical_201004-202311.csv",
    "mps_borough/mps_borough_24m_202312-202511.csv",
    "mps_borough/mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv",
    "mps_ward/mps_ward_24m_202402-202601.csv",
    "mps_lsoa/mps_lsoa_24m_202402-202602_hackney_extract.csv",
    "police_uk_street/2023-11-city-of-london-street.csv",
    "police_uk_street/2023-12-city-of-london-street.csv",
    "vawg/vawg_offences_by_ward_month_hackney_extract.csv",
    "knife_crime/knife_crime_monthly_by_borough_extract.csv",
    "youth_justice/yjb_disposals_by_region_and_yot_2012-13.xls",
    "youth_justice/yjb_offences_by_region_and_yot_2012-13.xls",
    "youth_justice/lait_youth_justice_indicators_extract.csv",
    "youth_justice/trafford_children_cautioned_or_sentenced.csv",
]
PARQUET = [
    "mps_lsoa/recorded-crime-lsoa.parquet",
    "vawg/vawg-offences.parquet",
    "knife_crime/monthly-crime-dashboard.parquet",
    "youth_justice/lait_bds_long_0.parquet",
]


def _export_of(tmp_path_factory, files: list[str]) -> pd.DataFrame:
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'reference.db'}"
    engine = open_store(url)
    ingest_files(engine, [REFERENCE / f for f in files], submitted_by="test")
    frame = tidy_export(engine)
    engine.dispose()
    return frame


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> pd.DataFrame:
    """Every CSV and Excel reference file ingested in one store (each release its own vintage)."""
    return _export_of(tmp_path_factory, FILES)


def figure(export, *, area, indicator, month=None, start=None, breakdown="", kind=None, source=None, **extra):
    rows = export[(export["area"] == area) & (export["indicator"] == indicator) & (export["breakdown"] == breakdown)]
    if kind:
        rows = rows[rows["area_kind"] == kind]
    if source:
        rows = rows[rows["source_file"] == source]
    if month:
        rows = rows[rows["period_start"] == date(int(month[:4]), int(month[4:6]), 1)]
    if start:
        rows = rows[rows["period_start"] == start]
    for column, value in extra.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    return rows["value"].iloc[0]


def total(export, **conditions) -> float:
    rows = export
    for column, value in conditions.items():
        rows = rows[rows[column] == value]
    return rows["value"].sum()


def test_borough_facts_come_from_the_newest_release_that_has_the_month(export):
    # 201904: only the 2018–20 release and the historical file have it; the historical file is newer
    # (its window ends 2023-11), so its 609 is in force and the 2018–20 release's 613 is kept behind it.
    assert figure(export, area="Hackney", indicator="mps_violence_against_the_person", month="201904") == 609
    assert figure(export, area="Hackney", indicator="mps_total", month="201004") == 2293
    fy2019 = export[
        (export["area"] == "Hackney")
        & (export["indicator"] == "mps_total")
        & (export["breakdown"] == "")
        & (export["period_start"] >= date(2019, 4, 1))
        & (export["period_start"] <= date(2020, 3, 1))
    ]
    assert fy2019["value"].sum() == 33141
    homicide = export[
        (export["area"] == "Hackney")
        & (export["breakdown"] == "minor=HOMICIDE")
        & (export["period_start"] <= date(2023, 11, 1))
    ]
    assert homicide["value"].sum() == 56
    # 202511 and 202501 are in both the 2023–25 release (2562; shoplifting 189) and the newest (2026-06)
    # release, whose revised figures are in force.
    assert figure(export, area="Hackney", indicator="mps_total", month="202511") == 2625
    assert figure(export, area="Hackney", indicator="mps_theft", month="202501", breakdown="minor=SHOPLIFTING") == 197
    assert figure(export, area="Hackney", indicator="mps_total", month="202606") == 2867
    assert figure(export, area="Hackney", indicator="mps_violence_against_the_person", month="202601") == 651
    assert (
        figure(
            export,
            area="Hackney",
            indicator="mps_public_order",
            month="202601",
            breakdown="minor=PUBLIC FEAR, ALARM OR DISTRESS",
        )
        == 88
    )
    assert (
        figure(
            export,
            area="Hackney",
            indicator="mps_burglary",
            month="202601",
            breakdown="minor=RES BURGLARY OF A HOME",
        )
        == 71
    )
    non_boroughs = set(export.loc[export["area_kind"] == "non_borough", "area"])
    assert {"Unknown", "London Heathrow and London City Airports"} <= non_boroughs
    assert "Unknown" not in set(export.loc[export["area_kind"] == "la", "area"])


def test_each_release_is_kept_as_its_own_vintage(tmp_path_factory):
    older = _export_of(tmp_path_factory, [FILES[0]])
    assert figure(older, area="Hackney", indicator="mps_violence_against_the_person", month="201904") == 613
    assert figure(older, area="Hackney", indicator="mps_total", month="201904") == 2852
    assert figure(older, area="Hackney", indicator="mps_burglary", month="201904") == 340
    month = older[
        (older["period_start"] == date(2019, 4, 1)) & (older["indicator"] == "mps_total") & (older["breakdown"] == "")
    ]
    assert month["value"].sum() == 74898
    assert (
        len(
            older[
                (older["area"] == "Hackney")
                & older["breakdown"].str.startswith("minor=")
                & (older["period_start"] == date(2019, 4, 1))
            ]
        )
        == 50
    )
    middle = _export_of(tmp_path_factory, [FILES[2]])
    assert figure(middle, area="Hackney", indicator="mps_total", month="202511") == 2562
    assert figure(middle, area="Hackney", indicator="mps_violence_against_the_person", month="202404") == 636
    assert figure(middle, area="Hackney", indicator="mps_total", month="202501") == 2559
    assert figure(middle, area="Hackney", indicator="mps_theft", month="202501", breakdown="minor=SHOPLIFTING") == 189
    fy = middle[
        (middle["area"] == "Hackney")
        & (middle["breakdown"] == "minor=RES BURGLARY OF A HOME")
        & (middle["period_start"] >= date(2024, 4, 1))
        & (middle["period_start"] <= date(2025, 3, 1))
    ]
    assert fy["value"].sum() == 853
    historical = _export_of(tmp_path_factory, [FILES[1]])
    assert total(historical, period_start=date(2023, 11, 1), indicator="mps_total", breakdown="") == 79786


def test_ward_facts(export):
    wards = export[(export["area_kind"] == "ward") & (export["parent_area"] == "Hackney")]
    assert wards["area"].nunique() >= 21
    mps = wards[wards["indicator"].str.startswith("mps_")]
    assert mps["area"].nunique() == 21
    assert set(mps.loc[mps["area"] == "Hackney Central", "area_code"]) == {"E05009372"}
    assert figure(export, area="Hackney Central", indicator="mps_total", month="202501", kind="ward") == 153
    assert total(mps, indicator="mps_total", period_start=date(2025, 1, 1)) == 2429
    assert (
        figure(export, area="Dalston", indicator="mps_violence_against_the_person", month="202601", kind="ward") == 30
    )
    jan = mps[(mps["indicator"] == "mps_total") & (mps["period_start"] == date(2025, 1, 1))].sort_values("value")
    assert (jan["area"].iloc[-1], jan["value"].iloc[-1]) == ("Hoxton East & Shoreditch", 271)
    assert jan["area"].iloc[-2] == "Homerton" and jan["value"].iloc[-2] == 166


def test_lsoa_facts(export):
    lsoas = export[(export["area_kind"] == "lsoa") & (export["indicator"].str.startswith("mps_"))]
    assert lsoas["area_code"].nunique() == 149
    assert total(lsoas, indicator="mps_total", period_start=date(2025, 1, 1)) == 2378
    assert total(lsoas, indicator="mps_violence_against_the_person", period_start=date(2025, 1, 1)) == 595
    by_lsoa = lsoas[lsoas["indicator"] == "mps_total"].groupby(["area", "area_code"])["value"].sum().sort_values()
    assert by_lsoa.index[-1] == ("Hackney 033C", "E01033708") and by_lsoa.iloc[-1] == 3818
    assert (
        figure(
            export,
            area="Hackney 001A",
            indicator="mps_total",
            month="202501",
            kind="lsoa",
            area_code="E01001808",
        )
        == 19
    )


def test_police_uk_street_facts(export):
    force = export[export["area"] == "City of London Police"]
    november, december = date(2023, 11, 1), date(2023, 12, 1)
    assert total(force, indicator="street_total", period_start=november) == 847
    assert total(force, indicator="street_asb", period_start=november) == 19
    assert total(force, indicator="street_other_theft", period_start=november) == 204
    assert total(force, indicator="street_violence_sexual", period_start=november) == 161
    assert total(force, indicator="street_total", period_start=december) == 843
    assert total(force, indicator="street_violence_sexual", period_start=december) == 177
    lsoas = export[(export["area_kind"] == "lsoa") & (export["indicator"] == "street_total")]
    hackney = lsoas[lsoas["parent_area"] == "Hackney"]
    assert total(hackney, period_start=november) == 3 and set(
        hackney.loc[hackney["period_start"] == november, "area"]
    ) == {"Hackney 033C"}
    assert total(hackney, period_start=december) == 5
    assert total(lsoas, period_start=november) == 847 - 71  # 71 rows have no LSOA


def test_vawg_facts(export):
    assert figure(export, area="Hackney", indicator="vawg_offences_police", month="202501", kind="la") == 319
    assert figure(export, area="Dalston", indicator="vawg_offences_police", month="202501", kind="ward") == 12
    year = export[
        (export["area"] == "Hackney") & (export["indicator"] == "vawg_offences_police") & (export["area_kind"] == "la")
    ]
    assert (
        year[(year["period_start"] >= date(2024, 1, 1)) & (year["period_start"] <= date(2024, 12, 1))]["value"].sum()
        == 4177
    )
    wards = export[(export["indicator"] == "vawg_offences_police") & (export["area_kind"] == "ward")]
    assert wards["area"].nunique() == 23


def test_knife_crime_facts(export):
    assert figure(export, area="Hackney", indicator="knife_crime", month="202501") == 53
    assert figure(export, area="Hackney", indicator="knife_crime_positive_outcomes", month="202501") == 8
    assert figure(export, area="Hackney", indicator="knife_crime_injury", month="202501") == 9
    fy = export[
        (export["area"] == "Hackney")
        & (export["indicator"] == "knife_crime")
        & (export["period_start"] >= date(2024, 4, 1))
        & (export["period_start"] <= date(2025, 3, 1))
    ]
    assert fy["value"].sum() == 714
    assert total(export, indicator="knife_crime", period_start=date(2025, 1, 1)) == 1219
    assert len(export[(export["area"] == "Hackney") & (export["indicator"] == "knife_crime")]) == 48


def test_yjb_regional_table_facts(export):
    fy = date(2012, 4, 1)
    disposals = export[(export["indicator"] == "yjb_disposals") & (export["period_start"] == fy)]
    hackney = disposals[disposals["area"] == "Hackney"].set_index("breakdown")["value"]
    assert hackney[""] == 259
    assert [hackney[f"age={a}"] for a in ("10 - 14", "15", "16", "17+")] == [36, 64, 70, 89]
    assert (hackney["gender=Female"], hackney["gender=Male"]) == (22, 237)
    assert hackney["disposal=Referral Order"] == 78
    assert hackney["disposal=Youth Rehabilitation Order"] == 88
    assert hackney["disposal=Detention and Training Order"] == 21
    assert figure(disposals, area="London", indicator="yjb_disposals", kind="region") == 10291
    offences = export[(export["indicator"] == "yjb_offences") & (export["area"] == "Hackney")].set_index("breakdown")[
        "value"
    ]
    assert offences[""] == 303
    assert (
        offences["offence=Robbery"],
        offences["offence=Violence Against The Person"],
        offences["offence=Drugs"],
    ) == (59, 51, 55)
    assert figure(export, area="London", indicator="yjb_offences", kind="region") == 13468


def test_lait_and_trafford_facts(export):
    def year(label_start):
        return date(int(label_start[:4]), 1 if len(label_start) == 4 else 4, 1)

    assert figure(export, area="Hackney", indicator="yj_fte_rate_published", start=year("2024")) == 255
    assert figure(export, area="Hackney", indicator="yj_fte_rate_published", start=year("2016")) == 443
    assert figure(export, area="London", indicator="yj_fte_rate_published", start=year("2024"), kind="region") == 157
    assert figure(export, area="England", indicator="yj_fte_rate_published", start=year("2024"), kind="country") == 1258
    assert figure(
        export, area="Hackney", indicator="yj_reoffending_15_17_published", start=year("2024")
    ) == pytest.approx(31.37)
    suppressed = export[
        (export["area"] == "Hackney")
        & (export["indicator"] == "yj_reoffending_published")
        & (export["period_start"] == year("2022"))
    ]
    assert bool(suppressed["suppressed"].iloc[0]) and pd.isna(suppressed["value"].iloc[0])
    assert figure(
        export,
        area="Hackney",
        indicator="yj_cautioned_sentenced_rate",
        start=date(2024, 4, 1),
        source="lait_youth_justice_indicators_extract.csv",
    ) == pytest.approx(39.8)
    assert figure(export, area="Hackney", indicator="yj_finance", start=date(2024, 4, 1)) == 3655722
    fte = export[export["indicator"] == "yj_fte_rate_published"]
    assert fte["suppressed"].sum() == 109
    assert figure(export, area="Trafford", indicator="yj_cautioned_sentenced", start=date(2024, 4, 1)) == 38
    assert figure(export, area="England", indicator="yj_cautioned_sentenced", start=date(2024, 4, 1)) == 12661
    assert figure(export, area="Bromley", indicator="yj_cautioned_sentenced", start=date(2014, 4, 1)) == 204


def test_trafford_rates_on_their_own(tmp_path_factory):
    """LAIT publishes the same rate (rounded differently); alone, Trafford's file gives its own."""
    export = _export_of(tmp_path_factory, ["youth_justice/trafford_children_cautioned_or_sentenced.csv"])
    assert figure(export, area="Trafford", indicator="yj_cautioned_sentenced_rate", start=date(2024, 4, 1)) == 14
    assert (
        figure(
            export,
            area="England",
            indicator="yj_cautioned_sentenced_rate",
            start=date(2024, 4, 1),
            kind="country",
        )
        == 22
    )
    assert (
        figure(
            export,
            area="England",
            indicator="yj_cautioned_sentenced_rate",
            start=date(2023, 4, 1),
            kind="country",
        )
        == 23
    )
    assert figure(export, area="Bromley", indicator="yj_cautioned_sentenced_rate", start=date(2014, 4, 1)) == 69
    assert export["area"].nunique() == 11


@pytest.mark.parametrize("name", PARQUET)
def test_the_parquet_re_hosts_load_too(name, reference):
    from data_loaders import load_file

    loaded = load_file(reference / name)
    assert len(loaded.observations) > 1000


def test_parquet_vawg_london_total_from_both_sheets(tmp_path_factory):
    export = _export_of(tmp_path_factory, ["vawg/vawg-offences.parquet"])
    jan = export[(export["indicator"] == "vawg_offences_police") & (export["period_start"] == date(2025, 1, 1))]
    assert jan[jan["area_kind"].isin(["la", "non_borough"])]["value"].sum() == 10386
    assert figure(jan, area="London", indicator="vawg_offences_police", kind="region") == 10386
