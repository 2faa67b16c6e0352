"""The naive app, for the London-scale benchmark: the dashboard an analyst would write in an
afternoon. On every rerun it reads every return of the chosen area with openpyxl and the MPS
releases with pandas' default CSV reader, with no cache, and works out each indicator's quarterly
figure, its change on a year earlier and a simple status, then draws a chart per crime category.

    NAIVE_DATA=bench/.london/files DASHBOARD_CATALOGUE=... streamlit run bench/naive_app.py
"""

import os
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.express as px
import streamlit as st

FOLDER = Path(os.environ.get("NAIVE_DATA", Path(__file__).with_name(".london") / "files"))
AREAS = [a.strip() for a in os.environ.get("NAIVE_AREAS", "Hackney").split(",")]
HEADER_ROW = 8


def quarter_of(month: pd.Timestamp) -> str:
    fy = month.year if month.month >= 4 else month.year - 1
    return f"{fy}/{str(fy + 1)[2:]} Q{(month.month - 4) % 12 // 3 + 1}"


area = st.sidebar.selectbox("Area", AREAS)
view = st.sidebar.selectbox("Page", ["Overview", "MPS crime"])

rows = []
slug = area.lower().replace(" ", "_")
for path in sorted((FOLDER / "returns").glob(f"*_{slug}_*.xlsx")):
    quarter = path.name[:10].replace("-", "/", 1).replace("_", " ")
    sheet = openpyxl.load_workbook(path, data_only=True)["Return"]
    for indicator, _, numerator, _denominator, value, *_ in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if indicator:
            rows.append(dict(indicator=indicator, quarter=quarter, value=value, numerator=numerator))
returns = pd.DataFrame(rows)
returns["value"] = pd.to_numeric(returns["value"], errors="coerce")

crime = []
for path in sorted(FOLDER.glob("mps_borough_*.csv")):
    release = pd.read_csv(path)
    release = release[release["BoroughName"] == area].melt(id_vars=["MajorText", "MinorText", "BoroughName"])
    crime.append(release)
crime = pd.concat(crime).drop_duplicates(["MinorText", "variable"], keep="last")
crime["quarter"] = [quarter_of(pd.Timestamp(f"{m}01")) for m in crime["variable"]]
crime = crime.groupby(["MinorText", "quarter"], as_index=False)["value"].sum()
for path in sorted(FOLDER.glob("mps_ward_*.csv")):
    wards = pd.read_csv(path)
    wards = wards[wards["LookUp_BoroughName"] == area]  # read to show ward hot spots

quarters = sorted(set(returns["quarter"]) | set(crime["quarter"]), reverse=True)
chosen = st.sidebar.selectbox("Quarter", quarters)
fy, q = int(chosen[:4]), chosen[-1]
earlier = f"{fy - 1}/{str(fy)[2:]} Q{q}"


def status(now: float, then: float) -> str:
    if pd.isna(now) or pd.isna(then) or not then:
        return "Not rated"
    change = (now - then) / then
    return "Red" if change > 0.05 else "Green" if change < -0.05 else "Amber"


if view == "Overview":
    st.title(f"{area} — {chosen}")
    table = returns.pivot_table(index="indicator", columns="quarter", values="value", aggfunc="sum")
    overview = pd.DataFrame(
        {
            chosen: table.get(chosen),
            earlier: table.get(earlier),
        }
    )
    overview["status"] = [status(n, t) for n, t in zip(overview[chosen], overview[earlier], strict=True)]
    st.dataframe(overview)
    for indicator, series in returns.groupby("indicator"):
        st.plotly_chart(px.line(series.sort_values("quarter"), x="quarter", y="value", title=indicator))
else:
    st.title(f"MPS recorded crime — {area} — {chosen}")
    for minor, series in crime.groupby("MinorText"):
        now = series.loc[series["quarter"] == chosen, "value"].sum()
        then = series.loc[series["quarter"] == earlier, "value"].sum()
        st.subheader(f"{minor}: {now:,.0f} ({status(now, then)})")
        st.plotly_chart(px.line(series, x="quarter", y="value", title=minor))
