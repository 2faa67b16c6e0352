"""Write the embedded sample returns: synthetic but realistic, seeded, byte-for-byte reproducible.

    python -m sample_data.generate [--out DIR]

One workbook per sub-group per area (Hackney, City of London) per quarter, written from the
sub-group's template (`data_loaders.template`): Youth Justice and VAWG from 2018/19 Q1, Serious
Violence and Gangs and Night Time Economy/ASB from 2022/23 Q1 (when those sub-groups began
reporting), and every sub-group whose sample the catalogue declares (`sample_from` on its
[[subgroup]], a `sample` on each indicator: see `declared_rows`) from its own first quarter, all
to 2024/25 Q4; plus one MPS borough-level CSV in the London Datastore layout, and
MPS LSOA- and ward-level CSVs for the last 24 months (the borough's counts shared among its small areas,
with hotspots) for the hotspot maps.
Seasonality, a dip in 2020/21, small counts in the City of London with a few suppressed cells. The City of London's VAWG return for 2024/25 Q4 is left
out on purpose: a partner that could not report, as happens.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import random
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from cspdash.catalogue import Indicator, Sample, load_catalogue
from cspdash.disclosure import recoverable
from cspdash.periods import Quarter, add_months, quarter_range
from data_loaders.kinds import Kind, load_kinds
from data_loaders.template import HEADER_ROW, return_workbook

SAMPLE_DIR = Path(__file__).resolve().parent
FIRST, LAST = Quarter(2018, 1), Quarter(2024, 4)
MISSING = {("City of London", "vawg", LAST)}
FIRST_BY_KIND = {
    "youth_justice": FIRST,
    "vawg": FIRST,
    "serious_violence": Quarter(2022, 1),
    "night_time_economy": Quarter(2022, 1),
}
TEMPLATE_DAY = date(2025, 4, 1)
FIXED_TIME = (2025, 4, 1, 0, 0, 0)
SEASON = {1: 1.04, 2: 1.08, 3: 0.97, 4: 0.91}
COVID = {1: 0.68, 2: 0.9, 3: 0.85, 4: 0.74}

# Per area: populations and the scale of each count (Hackney is ~30x the City's resident population).
AREAS = {
    "Hackney": dict(pop_10_17=24_500, female_16_plus=110_000, scale=1.0),
    "City of London": dict(pop_10_17=650, female_16_plus=4_300, scale=0.035),
}

# Quarterly counts for Hackney in 2018/19, and the yearly drift after that.
COUNTS = {
    "yj_custody": (6, -0.06),
    "yj_kpi9_serious_violence": (14, -0.04),
    "marac_cases": (118, 0.04),
    "da_offences": (980, 0.03),
    "sexual_offences": (150, 0.05),
    "stalking_harassment": (260, 0.08),
    "dhr_open": (1.2, 0.0),
    "svg_knife_injury_victims_u18": (5, -0.05),
    "svg_knife_injury_victims_18_24": (9, -0.03),
    "svg_gang_flagged": (140, -0.02),
    "asb_personal": (420, -0.02),
    "asb_nuisance": (1650, -0.03),
    "asb_environmental": (380, 0.0),
    "nte_violence": (95, -0.01),
    "nte_licensed_premises_reviews": (2, 0.0),
}
TOTALS = {
    "svg_knife_injury_victims_u25": ("svg_knife_injury_victims_u18", "svg_knife_injury_victims_18_24"),
    "asb_incidents": ("asb_personal", "asb_nuisance", "asb_environmental"),
}
# Percent indicators: Hackney's proportion in 2018/19, yearly drift (points), denominator size.
PROPORTIONS = {
    "yj_reoffending": (0.40, -0.012, 70),
    "yj_kpi1_accommodation": (0.86, 0.006, 38),
    "yj_kpi2_ete": (0.66, 0.012, 38),
    "yj_kpi3_send": (0.70, 0.02, 14),
    "yj_kpi4_mh_identified": (0.45, 0.01, 38),
    "yj_kpi4_mh_planned": (0.80, 0.01, None),
    "yj_kpi4_mh_attending": (0.62, 0.015, None),
    "yj_kpi5_sm_identified": (0.30, 0.0, 38),
    "yj_kpi5_sm_planned": (0.82, 0.01, None),
    "yj_kpi5_sm_attending": (0.58, 0.02, None),
    "yj_kpi6_ooc": (0.78, 0.01, 20),
    "yj_kpi7_wider_services": (0.55, 0.01, 38),
    "yj_kpi8_board_attendance": (0.85, 0.01, 10),
    "yj_kpi10_victims": (0.42, 0.02, 24),
    "marac_repeat": (0.30, 0.005, None),
    "marac_partner_referrals": (0.24, 0.008, None),
    "svg_intervention_engaged": (0.62, 0.02, 30),
}
FUNNEL_PARENT = {
    "yj_kpi4_mh_planned": "yj_kpi4_mh_identified",
    "yj_kpi4_mh_attending": "yj_kpi4_mh_planned",
    "yj_kpi5_sm_planned": "yj_kpi5_sm_identified",
    "yj_kpi5_sm_attending": "yj_kpi5_sm_planned",
    "marac_repeat": "marac_cases",
    "marac_partner_referrals": "marac_cases",
}
FTE_PER_QUARTER = (30, -0.07)  # Hackney first time entrants per quarter in 2018/19

# MPS borough sample: major → minor categories with Hackney's monthly count per minor.
MPS_CATEGORIES = {
    "ARSON AND CRIMINAL DAMAGE": {"ARSON": 6, "CRIMINAL DAMAGE": 118},
    "BURGLARY": {"BURGLARY BUSINESS AND COMMUNITY": 82, "BURGLARY IN A DWELLING": 240},
    "DRUG OFFENCES": {"POSSESSION OF DRUGS": 110, "DRUG TRAFFICKING": 24},
    "MISCELLANEOUS CRIMES AGAINST SOCIETY": {"OTHER OFFENCES AGAINST THE STATE": 26},
    "POSSESSION OF WEAPONS": {
        "POSSESSION OF ARTICLE WITH BLADE OR POINT": 22,
        "POSSESSION OF OTHER WEAPON": 8,
    },
    "PUBLIC ORDER OFFENCES": {
        "PUBLIC FEAR, ALARM OR DISTRESS": 120,
        "RACIALLY OR RELIGIOUSLY AGGRAVATED PUBLIC FEAR, ALARM OR DISTRESS": 16,
    },
    "ROBBERY": {"ROBBERY OF PERSONAL PROPERTY": 160, "ROBBERY OF BUSINESS PROPERTY": 12},
    "SEXUAL OFFENCES": {"RAPE": 22, "OTHER SEXUAL OFFENCES": 34},
    "THEFT": {"OTHER THEFT": 420, "SHOPLIFTING": 150, "THEFT FROM THE PERSON": 260, "BICYCLE THEFT": 80},
    "VEHICLE OFFENCES": {
        "THEFT FROM A MOTOR VEHICLE": 170,
        "THEFT OR TAKING OF A MOTOR VEHICLE": 60,
        "INTERFERING WITH A MOTOR VEHICLE": 12,
    },
    "VIOLENCE AGAINST THE PERSON": {
        "HOMICIDE": 0.3,
        "VIOLENCE WITH INJURY": 235,
        "VIOLENCE WITHOUT INJURY": 370,
    },
}
MPS_CITY_SCALE = 0.12  # the City's daytime population makes its crime far higher than its residents'

# Real counts vary far more than Poisson counts (the MPS series vary 20-30x more): a shock shared by
# every category in an area's month, and one per category, both multiplicative.
MONTH_SHOCK, CATEGORY_SHOCK, QUARTER_SHOCK = 0.07, 0.06, 0.12


def mps_signal(minor: str, area: str, month: date) -> float:
    """A few real signals so the demo shows what SPC does: a shift, a trend and a point beyond the limits."""
    if area != "Hackney":
        return 1.0
    if minor == "ROBBERY OF PERSONAL PROPERTY" and month >= date(2024, 6, 1):
        return 1.6  # a shift: robbery up by 60% from June 2024
    if minor == "BURGLARY IN A DWELLING" and month >= date(2024, 7, 1):
        return 0.95 ** ((month.year - 2024) * 12 + month.month - 6)  # a trend: down 5% a month
    if minor == "VIOLENCE WITH INJURY" and month == date(2025, 3, 1):
        return 2.2  # one month far beyond the limits
    return 1.0


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw that depends only on `random.Random`, so output is stable across libraries."""
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def binomial(rng: random.Random, n: int, p: float) -> int:
    p = min(max(p, 0.0), 1.0)
    return sum(rng.random() < p for _ in range(n))


def level(quarter: Quarter, drift: float, seasonal: bool = True) -> float:
    """Multiplier for a quarter: yearly drift, seasonality and the 2020/21 lockdowns."""
    years = (quarter.fy - FIRST.fy) + (quarter.q - 1) / 4
    factor = (1 + drift) ** years
    if seasonal:
        factor *= SEASON[quarter.q]
    if quarter.fy == 2020:
        factor *= COVID[quarter.q]
    return factor


def suppress_small(rng: random.Random, value: int, area: str) -> int | str:
    """In the City of London, some counts of 1–4 are returned as '<5', as analysts do."""
    if area == "City of London" and 1 <= value <= 4 and rng.random() < 0.15:
        return "<5"
    return value


def return_rows(rng: random.Random, subgroup: str, area: str, quarter: Quarter) -> list[tuple]:
    """(indicator, numerator, denominator, value) for one return."""
    info = AREAS[area]
    drawn: dict[str, tuple] = {}
    indicators = [i for i in load_catalogue().for_subgroup(subgroup) if i.frequency == "quarter"]
    for ind in sorted(indicators, key=lambda i: i.id in TOTALS):  # parts before their totals
        drawn[ind.id] = _draw(rng, ind, info, area, quarter, drawn)
    return [(ind.id, *drawn[ind.id]) for ind in indicators]


def _draw(rng, ind: Indicator, info: dict, area: str, quarter: Quarter, drawn: dict) -> tuple:
    scale = info["scale"]
    if ind.id == "yj_fte_rate":
        base, drift = FTE_PER_QUARTER
        entrants = poisson(rng, base * scale * level(quarter, drift))
        return (suppress_small(rng, entrants, area), info["pop_10_17"], None)
    if ind.id == "marac_rate":
        cases = drawn["marac_cases"][2]
        return (cases, info["female_16_plus"], None)
    if ind.id in TOTALS:
        parts = [drawn[part][2] for part in TOTALS[ind.id]]
        if any(isinstance(p, str) for p in parts):
            return (None, None, "<5")
        return (None, None, sum(parts))
    if ind.id in COUNTS:
        base, drift = COUNTS[ind.id]
        shock = rng.lognormvariate(0, QUARTER_SHOCK)
        count = poisson(rng, base * max(scale, 0.02 if base < 5 else scale) * level(quarter, drift) * shock)
        return (None, None, suppress_small(rng, count, area))
    share, drift, size = PROPORTIONS[ind.id]
    parent = FUNNEL_PARENT.get(ind.id)
    if parent:
        parent_row = drawn[parent]
        denominator = parent_row[0] if parent_row[0] is not None else parent_row[2]
        denominator = denominator if isinstance(denominator, int) else 0
    else:
        denominator = max(1, poisson(rng, size * max(scale, 0.08) * level(quarter, 0.0, seasonal=False)))
    years = quarter.fy - FIRST.fy
    numerator = binomial(rng, denominator, share + drift * years + rng.gauss(0, 0.02))
    if denominator == 0:
        return (None, None, None)
    return (numerator, denominator, None)


def write_return(path: Path, subgroup: str, area: str, quarter: Quarter, rows: list[tuple]) -> None:
    """Fill the sub-group's template as an analyst would and save it reproducibly."""
    kind = return_kind(subgroup)
    name = load_catalogue().subgroup(subgroup).name
    book = return_workbook(kind, today=TEMPLATE_DAY, area=area, quarter=quarter.label, prepared_by=f"{name} analyst")
    sheet = book["Return"]
    figures = {ind_id: values for ind_id, *values in rows}
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        numerator, denominator, value = figures[sheet.cell(row, 1).value]
        if (numerator, denominator, value) == (None, None, None):
            value, note = "n/a", "Not applicable this quarter"
            sheet.cell(row, 6, note)
        for col, cell_value in ((3, numerator), (4, denominator), (5, value)):
            sheet.cell(row, col, cell_value)
    book.properties.creator = "sample_data/generate.py"
    book.properties.created = book.properties.modified = datetime(*FIXED_TIME)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))


def _reproducible_zip(data: bytes) -> bytes:
    """The same workbook with fixed timestamps in the zip entries and document properties."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-04-01T00:00:00Z", content)
            info = zipfile.ZipInfo(item.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def write_mps_csv(path: Path, rng: random.Random) -> dict[tuple[str, str], dict[date, int]]:
    """MPS borough-level crime in the London Datastore layout (MajorText, MinorText, BoroughName); returns
    the partnership's counts per (area, major category) and month, which the small-area files split."""
    months = [add_months(FIRST.start, i) for i in range(len(quarter_range(FIRST, LAST)) * 3)]
    header = ["MajorText", "MinorText", "BoroughName", *(f"{m:%Y%m}" for m in months)]
    rows = []
    areas = (("City of London", MPS_CITY_SCALE), ("Hackney", 1.0))
    shocks = {(area, m): rng.lognormvariate(0, MONTH_SHOCK) for area, _ in areas for m in months}
    by_major: dict[tuple[str, str], dict[date, int]] = {}
    for major, minors in MPS_CATEGORIES.items():
        for minor, mean in minors.items():
            for area, scale in areas:
                counts = [
                    poisson(
                        rng,
                        mean
                        * scale
                        * level(Quarter.containing(m), -0.01)
                        / SEASON[Quarter.containing(m).q]
                        * (1 + 0.05 * math.sin(m.month))
                        * shocks[(area, m)]
                        * rng.lognormvariate(0, CATEGORY_SHOCK)
                        * mps_signal(minor, area, m),
                    )
                    for m in months
                ]
                rows.append([major, minor, area, *counts])
                totals = by_major.setdefault((area, major), dict.fromkeys(months, 0))
                for month, count in zip(months, counts, strict=True):
                    totals[month] += count
    rows += london_rows(months)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return by_major


# The other 31 boroughs, so that the demo compares the partnership with London (a funnel plot of every
# borough needs a London-wide release): each borough's crime scales with its Census 2021 residents,
# with a level of its own for each kind of crime (boroughs differ far more than chance).
BOROUGH_SPREAD = 0.3


def london_rows(months: list[date]) -> list[list]:
    """Every other London borough's rows, from their own random stream so that Hackney's and the
    City's figures do not change."""
    from cspdash.population import population_table

    rng = random.Random(33)
    table = population_table()
    residents = table[table["year"] == 2021].set_index("area_name")["all_ages"]
    rows = []
    for borough in sorted(set(residents.index) - {"Hackney", "City of London"}):
        scale = residents[borough] / residents["Hackney"]
        shocks = {m: rng.lognormvariate(0, MONTH_SHOCK) for m in months}
        for major, minors in MPS_CATEGORIES.items():
            own = rng.lognormvariate(-0.2, BOROUGH_SPREAD)  # Hackney's crime is above most boroughs'
            for minor, mean in minors.items():
                counts = [
                    poisson(rng, mean * scale * own * level(Quarter.containing(m), -0.01) * shocks[m]) for m in months
                ]
                rows.append([major, minor, borough, *counts])
    return rows


# Children in youth justice by ethnic group (monthly means for the whole area, and each group's share):
# Black and Mixed children over-represented against the Census base, as in many London boroughs.
ETHNIC_COHORTS = {"First time entrants": 3.2, "Youth justice starts": 11.0}
ETHNIC_SHARES = {"Asian": 0.07, "Black": 0.44, "Mixed": 0.16, "White": 0.25, "Other": 0.05, "Not known": 0.03}
ETHNIC_AREA_SCALE = {"Hackney": ("E09000012", 1.0), "City of London": ("E09000001", 0.04)}
ETHNIC_MONTHS = 24


def write_ethnic_csv(path: Path) -> None:
    """Cohort counts by ethnic group (the ethnic_group_counts kind), 24 months to the last quarter, from
    their own random stream so that the other sample files do not change."""
    rng = random.Random(2021)
    first = add_months(LAST.end.replace(day=1), 1 - ETHNIC_MONTHS)
    months = [add_months(first, i) for i in range(ETHNIC_MONTHS)]
    header = ["Area", "Area code", "Cohort", "Ethnic group", *(f"{m:%Y-%m}" for m in months)]
    rows = []
    for area, (code, scale) in ETHNIC_AREA_SCALE.items():
        for cohort, mean in ETHNIC_COHORTS.items():
            for group, share in ETHNIC_SHARES.items():
                counts = [poisson(rng, mean * share * scale) for _ in months]
                rows.append([area, code, cohort, group, *counts])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


# MPS small-area crime (the mps_lsoa and mps_ward kinds), 24 months to the last quarter, in the London
# Datastore layouts, for the hotspot maps. Each area's monthly count of a major category in the borough
# file is shared among its LSOAs (and Hackney's wards) with Poisson noise, so seasonality, the shocks and
# the signals carry through and the small areas add up to a little less than the borough: some crimes
# have no usable location. From their own random stream, so that the other sample files do not change.
SMALL_AREA_MONTHS = 24
LSOA_BOUNDARIES = SAMPLE_DIR.parent / "cspdash/data/geography/london_lsoa2021.geojson.gz"
BOROUGH_CODES = {"City of London": "E09000001", "Hackney": "E09000012"}
LSOA_LOCATED, WARD_LOCATED = 0.97, 0.975
# A few of the real files' minor categories for each major one, with their shares of its count.
SMALL_AREA_CATEGORIES = {
    "ARSON AND CRIMINAL DAMAGE": {"ARSON": 0.05, "CRIMINAL DAMAGE": 0.95},
    "BURGLARY": {
        "BURGLARY BUSINESS AND COMMUNITY": 0.25,
        "RES BURGLARY OF A HOME": 0.65,
        "RES BURGLARY OF UNCONNECTED BUILDING": 0.1,
    },
    "DRUG OFFENCES": {"POSSESSION OF DRUGS": 0.8, "TRAFFICKING OF DRUGS": 0.2},
    "MISCELLANEOUS CRIMES AGAINST SOCIETY": {"MISC CRIMES AGAINST SOCIETY": 1.0},
    "POSSESSION OF WEAPONS": {"POSSESSION OF WEAPONS": 1.0},
    "PUBLIC ORDER OFFENCES": {
        "OTHER OFFENCES PUBLIC ORDER": 0.15,
        "PUBLIC FEAR ALARM OR DISTRESS": 0.75,
        "RACE OR RELIGIOUS AGG PUBLIC FEAR": 0.1,
    },
    "ROBBERY": {"ROBBERY OF BUSINESS PROPERTY": 0.07, "ROBBERY OF PERSONAL PROPERTY": 0.93},
    "SEXUAL OFFENCES": {"OTHER SEXUAL OFFENCES": 0.6, "RAPE": 0.4},
    "THEFT": {"OTHER THEFT": 0.55, "SHOPLIFTING": 0.15, "THEFT FROM THE PERSON": 0.3},
    "VEHICLE OFFENCES": {
        "INTERFERING WITH A MOTOR VEHICLE": 0.05,
        "THEFT FROM A VEHICLE": 0.7,
        "THEFT OR UNAUTH TAKING OF A MOTOR VEH": 0.25,
    },
    "VIOLENCE AGAINST THE PERSON": {
        "STALKING AND HARASSMENT": 0.2,
        "VIOLENCE WITH INJURY": 0.36,
        "VIOLENCE WITHOUT INJURY": 0.44,
    },
}
LSOA_LEAVES_OUT = {"SEXUAL OFFENCES"}  # as the real LSOA files do, to protect victims; ward files keep them
# LSOAs far above the typical level (multipliers of their share), where the night-time economy and the
# town centres are; burglary and vehicle crime (homes and parked cars are everywhere) much less so.
LSOA_HOTSPOTS = {
    "E01033708": 5.0,  # Hackney 033C, Shoreditch
    "E01033706": 3.5,  # Hackney 033B, Shoreditch
    "E01033700": 4.2,  # Hackney 030B, Dalston
    "E01033699": 3.6,  # Hackney 030A, Dalston
    "E01001760": 4.0,  # Hackney 017C, Hackney Central
    "E01001762": 3.0,  # Hackney 017D, Hackney Central
}
DAMPED = {"BURGLARY", "VEHICLE OFFENCES"}
# The spread of the small areas' levels (LSOAs differ far more than wards) and of their categories'.
LSOA_SPREAD, WARD_SPREAD, SMALL_AREA_CATEGORY_SPREAD = 0.4, 0.25, 0.3
# Hackney's robbery shift from June 2024 (mps_signal) lands mostly in two LSOAs by Hackney Downs (and in
# their ward): their share of the borough's robbery triples.
ROBBERY_STEP_START, ROBBERY_STEP = date(2024, 6, 1), 3.0
ROBBERY_STEP_LSOAS = {"E01001758", "E01001761"}  # Hackney 016D, 016F
ROBBERY_STEP_WARD = "E05009373"  # Hackney Downs
# Hackney's 21 wards as the MPS ward files name them, with the hotspot multipliers of their share.
HACKNEY_WARDS = {
    "E05009367": ("Brownswood", 1.0),
    "E05009368": ("Cazenove", 1.0),
    "E05009369": ("Clissold", 1.0),
    "E05009370": ("Dalston", 1.7),
    "E05009371": ("De Beauvoir", 1.0),
    "E05009372": ("Hackney Central", 1.8),
    "E05009373": ("Hackney Downs", 1.0),
    "E05009374": ("Hackney Wick", 1.0),
    "E05009375": ("Haggerston", 1.3),
    "E05009376": ("Homerton", 1.3),
    "E05009377": ("Hoxton East & Shoreditch", 3.0),
    "E05009378": ("Hoxton West", 1.0),
    "E05009379": ("King's Park", 1.0),
    "E05009380": ("Lea Bridge", 1.0),
    "E05009381": ("London Fields", 1.3),
    "E05009382": ("Shacklewell", 1.0),
    "E05009383": ("Springfield", 1.0),
    "E05009384": ("Stamford Hill West", 1.0),
    "E05009385": ("Stoke Newington", 1.0),
    "E05009386": ("Victoria", 1.0),
    "E05009387": ("Woodberry Down", 1.0),
}


def small_area_months() -> list[date]:
    first = add_months(LAST.end.replace(day=1), 1 - SMALL_AREA_MONTHS)
    return [add_months(first, i) for i in range(SMALL_AREA_MONTHS)]


def partnership_lsoas() -> dict[str, list[tuple[str, str]]]:
    """(code, name) of every LSOA in each area, from the shipped LSOA boundaries."""
    with gzip.open(LSOA_BOUNDARIES, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    by_code = {code: area for area, code in BOROUGH_CODES.items()}
    lsoas: dict[str, list[tuple[str, str]]] = {area: [] for area in BOROUGH_CODES}
    for feature in features:
        props = feature["properties"]
        if props["LAD22CD"] in by_code:
            lsoas[by_code[props["LAD22CD"]]].append((props["LSOA21CD"], props["LSOA21NM"]))
    return {area: sorted(found) for area, found in lsoas.items()}


def _shares(
    rng: random.Random, hotspots: dict[str, float], codes: list[str], spread: float
) -> dict[str, dict[str, float]]:
    """Each small area's share of each major category: a lognormal level of its own (a hotspot's is the
    typical level times its multiplier), one for each major category."""
    base = {code: rng.lognormvariate(0, spread) for code in codes}
    base.update({code: 1.0 for code in hotspots if code in base})
    shares = {}
    for major in SMALL_AREA_CATEGORIES:
        weights = {}
        for code in codes:
            hot = hotspots.get(code, 1.0)
            weights[code] = (
                base[code] * rng.lognormvariate(0, SMALL_AREA_CATEGORY_SPREAD) * (hot**0.3 if major in DAMPED else hot)
            )
        total = sum(weights.values())
        shares[major] = {code: weight / total for code, weight in weights.items()}
    return shares


def _robbery_stepped(shares: dict[str, float], stepped: set[str]) -> dict[str, float]:
    weights = {code: share * (ROBBERY_STEP if code in stepped else 1.0) for code, share in shares.items()}
    total = sum(weights.values())
    return {code: weight / total for code, weight in weights.items()}


def small_area_rows(
    rng: random.Random,
    borough: dict[tuple[str, str], dict[date, int]],
    area: str,
    places: list[str],
    hotspots: dict[str, float],
    spread: float,
    located: float,
    leave_out: set[str],
    stepped: set[str],
) -> dict[tuple[str, str, str], list[int]]:
    """Counts per (place, major, minor), one a month; rows with no crime in any month left out, as the
    real files leave them out."""
    months = small_area_months()
    shares = _shares(rng, hotspots, places, spread)
    after_step = _robbery_stepped(shares["ROBBERY"], stepped)
    rows = {}
    for code in places:
        for major, minors in SMALL_AREA_CATEGORIES.items():
            if major in leave_out:
                continue
            for minor, part in minors.items():
                counts = []
                for month in months:
                    share = (after_step if major == "ROBBERY" and month >= ROBBERY_STEP_START else shares[major])[code]
                    counts.append(poisson(rng, borough[(area, major)][month] * located * part * share))
                if any(counts):
                    rows[(code, major, minor)] = counts
    return rows


def write_lsoa_csv(path: Path, borough: dict[tuple[str, str], dict[date, int]]) -> None:
    """LSOA-level crime in the London Datastore layout (lsoa_code, lsoa_name, borough, categories, months)."""
    rng = random.Random(2022)
    months = small_area_months()
    header = ["lsoa_code", "lsoa_name", "borough", "major_category", "minor_category", *(f"{m:%Y%m}" for m in months)]
    rows = []
    for area, lsoas in partnership_lsoas().items():
        names = dict(lsoas)
        counts = small_area_rows(
            rng,
            borough,
            area,
            list(names),
            LSOA_HOTSPOTS,
            LSOA_SPREAD,
            LSOA_LOCATED,
            LSOA_LEAVES_OUT,
            ROBBERY_STEP_LSOAS,
        )
        for (code, major, minor), values in counts.items():
            rows.append([code, names[code], BOROUGH_CODES[area], major, minor, *values])
    rows.sort(key=lambda row: row[:5])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_ward_csv(path: Path, borough: dict[tuple[str, str], dict[date, int]]) -> None:
    """Ward-level crime in the London Datastore layout (MajorText, MinorText, WardName, WardCode,
    LookUp_BoroughName, months): Hackney only, as the City of London Police's wards are not in MPS files."""
    rng = random.Random(2023)
    months = small_area_months()
    header = ["MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName", *(f"{m:%Y%m}" for m in months)]
    hotspots = {code: weight for code, (_name, weight) in HACKNEY_WARDS.items() if weight != 1.0}
    counts = small_area_rows(
        rng, borough, "Hackney", list(HACKNEY_WARDS), hotspots, WARD_SPREAD, WARD_LOCATED, set(), {ROBBERY_STEP_WARD}
    )
    rows = [
        [major, minor, HACKNEY_WARDS[code][0], code, "Hackney", *values]
        for (code, major, minor), values in counts.items()
    ]
    rows.sort(key=lambda row: (row[2], row[0], row[1]))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


# ---- the sub-groups whose sample the catalogue declares ------------------------------------------
# A sub-group with `sample_from` on its [[subgroup]] is drawn here from its indicators' `sample`
# (cspdash.catalogue.Sample) and its return kind's rules, with a random generator of its own seeded
# from its id and after every other file, so that adding one changes no other sample file.


def declared_subgroups() -> dict[str, Quarter]:
    """The catalogue's sub-groups that declare their sample, with the first quarter of their returns."""
    return {
        s.id: Quarter.parse(s.sample_from)
        for s in load_catalogue().subgroups
        if s.sample_from and s.id not in FIRST_BY_KIND
    }


def sample_subgroups() -> dict[str, Quarter]:
    """Every sub-group with sample returns, with its first quarter: those drawn by `return_rows`, then
    the declared ones."""
    return {**FIRST_BY_KIND, **declared_subgroups()}


def sample_rows(rng: random.Random, subgroup: str, area: str, quarter: Quarter) -> list[tuple]:
    """(indicator, numerator, denominator, value) for one return of any sub-group with a sample."""
    if subgroup in FIRST_BY_KIND:
        return return_rows(rng, subgroup, area, quarter)
    return declared_rows(rng, subgroup, area, quarter)


def return_kind(subgroup: str) -> Kind:
    """A sub-group's quarterly return (an indicator_rows kind): the kind of its own id, else its only one."""
    kinds = load_kinds()
    own = kinds.get(subgroup)
    if own is not None and own.is_return and own.subgroup == subgroup:
        return own
    found = [k for k in kinds.values() if k.is_return and k.subgroup == subgroup]
    if len(found) != 1:
        raise ValueError(
            f"sub-group '{subgroup}' has {len(found) or 'no'} quarterly return kinds (layout = \"indicator_rows\"): "
            "its sample returns need exactly one, declared in data_loaders/kinds/"
        )
    return found[0]


def declared_level(quarter: Quarter, first: Quarter, drift: float, sample: Sample, seasonal: bool = True) -> float:
    """A declared indicator's multiplier for a quarter: yearly drift since the sub-group's first
    quarter, its seasons (or SEASON) and its 2020/21 multipliers (or COVID)."""
    years = ((quarter.fy - first.fy) * 4 + quarter.q - first.q) / 4
    factor = (1 + drift) ** years
    if seasonal:
        factor *= (sample.season or tuple(SEASON[q] for q in (1, 2, 3, 4)))[quarter.q - 1]
    if quarter.fy == 2020:
        factor *= (sample.covid or tuple(COVID[q] for q in (1, 2, 3, 4)))[quarter.q - 1]
    return factor


def declared_rows(rng: random.Random, subgroup: str, area: str, quarter: Quarter) -> list[tuple]:
    """(indicator, numerator, denominator, value) for one return of a sub-group whose sample is declared.

    A count (or a rate's numerator) is a Poisson draw around `quarterly`, scaled to the area, with its
    drift, seasons, 2020/21 multipliers and a shock of the quarter; a rate's denominator is its
    `population` scaled to the area. The total of a sum rule of the return's kind is added up from its
    parts. Then small counts in the City are suppressed as `suppress_small` does, and where a sum rule
    would give a suppressed figure away, its smallest other part is suppressed too ("[c]"), as an
    analyst would. A percent draws `share` of `size` cases, or of its whole's figure where a
    `part_of` rule names one (not applicable when that figure is suppressed)."""
    first = sample_subgroups()[subgroup]
    kind = return_kind(subgroup)
    totals = {rule.total: tuple(rule.parts) for rule in kind.rules if rule.type == "sum"}
    wholes = {part: rule.total for rule in kind.rules if rule.type == "part_of" for part in rule.parts}
    indicators = [i for i in load_catalogue().for_subgroup(subgroup) if i.frequency == "quarter"]
    for ind in indicators:
        if ind.id in totals and ind.sample is not None:
            raise ValueError(f"{ind.id} is added up from its parts ({kind.id}'s sum rule): it takes no sample")
        if ind.id not in totals and ind.sample is None:
            raise ValueError(f"{ind.id} has no sample: {subgroup} declares sample_from, so each indicator needs one")
        if ind.unit == "percent" and ind.id not in wholes and ind.sample.size is None:
            raise ValueError(f"{ind.id}: a percent's sample needs a size, or a part_of rule naming its whole")
    scale = AREAS[area]["scale"]
    counted = [i for i in indicators if i.unit != "percent"]
    true: dict[str, int] = {}
    for ind in counted:  # the figures as counted
        if ind.id not in totals:
            mean, sample = ind.sample.quarterly, ind.sample
            shock = rng.lognormvariate(0, QUARTER_SHOCK)
            level_now = declared_level(quarter, first, sample.drift, sample)
            true[ind.id] = poisson(rng, mean * max(scale, 0.02 if mean < 5 else scale) * level_now * shock)
    for total in [i.id for i in counted if i.id in totals]:
        true[total] = sum(true[part] for part in totals[total])
    shown: dict[str, int | str] = {i.id: suppress_small(rng, true[i.id], area) for i in counted}
    for total, parts in totals.items():  # a suppressed figure the others would give away
        cells = [total, *parts]
        hidden = {cell for cell in cells if isinstance(shown[cell], str)}
        while hidden and recoverable([(total, parts)], hidden):
            pick = min((c for c in cells if c not in hidden), key=lambda c: (c == total, true[c]))
            shown[pick] = "<5" if 1 <= true[pick] <= 4 else "[c]"
            hidden.add(pick)
    rows = {}
    for ind in indicators:
        if ind.unit == "rate":
            rows[ind.id] = (shown[ind.id], round(ind.sample.population * scale), None)
        elif ind.unit != "percent":
            rows[ind.id] = (None, None, shown[ind.id])
        else:
            rows[ind.id] = _declared_share(rng, ind, wholes.get(ind.id), shown, scale, quarter, first)
    return [(ind.id, *rows[ind.id]) for ind in indicators]


def _declared_share(
    rng: random.Random, ind: Indicator, whole: str | None, shown: dict, scale: float, quarter: Quarter, first: Quarter
) -> tuple:
    sample = ind.sample
    if whole is not None:
        denominator = shown[whole] if isinstance(shown[whole], int) else 0
    else:
        size = sample.size * max(scale, 0.08) * declared_level(quarter, first, 0.0, sample, sample.season is not None)
        denominator = max(1, poisson(rng, size))
    years = ((quarter.fy - first.fy) * 4 + quarter.q - first.q) / 4
    spread = min(0.02, 0.1 * min(sample.share, 1 - sample.share))
    numerator = binomial(rng, denominator, sample.share + sample.drift * years + rng.gauss(0, spread))
    if denominator == 0:
        return (None, None, None)
    return (numerator, denominator, None)


def return_path(folder: Path, quarter: Quarter, area: str, subgroup: str) -> Path:
    """Where a sample return is written: 2024-25_Q4_city_of_london_vawg.xlsx."""
    slug = area.lower().replace(" ", "_")
    return folder / f"{quarter.label.replace('/', '-').replace(' ', '_')}_{slug}_{subgroup}.xlsx"


def generate(out: Path = SAMPLE_DIR) -> list[Path]:
    """Write every sample file under `out`; return their paths."""
    rng = random.Random(42)
    returns_dir = out / "returns"
    returns_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for quarter in quarter_range(FIRST, LAST):
        for area in AREAS:
            for subgroup, first in FIRST_BY_KIND.items():
                if quarter < first:
                    continue
                rows = return_rows(rng, subgroup, area, quarter)
                if (area, subgroup, quarter) in MISSING:
                    continue
                path = return_path(returns_dir, quarter, area, subgroup)
                write_return(path, subgroup, area, quarter, rows)
                written.append(path)
    mps = out / f"mps_borough_sample_{FIRST.start:%Y%m}-{LAST.end:%Y%m}.csv"
    borough = write_mps_csv(mps, rng)
    written.append(mps)
    span = f"{small_area_months()[0]:%Y%m}-{LAST.end:%Y%m}"
    lsoa, ward = out / f"mps_lsoa_sample_{span}.csv", out / f"mps_ward_sample_{span}.csv"
    write_lsoa_csv(lsoa, borough)
    write_ward_csv(ward, borough)
    written += [lsoa, ward]
    ethnic = (
        out
        / f"ethnic_group_counts_sample_{add_months(LAST.end.replace(day=1), 1 - ETHNIC_MONTHS):%Y%m}-{LAST.end:%Y%m}.csv"
    )
    write_ethnic_csv(ethnic)
    written.append(ethnic)
    for subgroup, first in declared_subgroups().items():  # last, each from a generator of its own
        own = random.Random(subgroup)
        for quarter in quarter_range(first, LAST):
            for area in AREAS:
                path = return_path(returns_dir, quarter, area, subgroup)
                write_return(path, subgroup, area, quarter, declared_rows(own, subgroup, area, quarter))
                written.append(path)
    return written


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The committed sample files, in loading order."""
    return (
        sorted((folder / "returns").glob("*.xlsx"))
        + sorted(folder.glob("ethnic_group_counts_sample_*.csv"))
        + sorted(folder.glob("mps_lsoa_sample_*.csv"))
        + sorted(folder.glob("mps_ward_sample_*.csv"))
        + sorted(folder.glob("mps_borough_sample_*.csv"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args()
    print(f"wrote {len(generate(args.out))} files under {args.out}")


if __name__ == "__main__":
    main()
