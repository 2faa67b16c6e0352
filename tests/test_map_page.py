""" "Where it happens" on a sub-group page: the real Hackney LSOA and ward figures through Streamlit's
AppTest, then in a real browser at 1280×720 with every request that would leave the machine refused."""

import json
import re
import shutil
from urllib.parse import urlparse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.periods import Quarter
from cspdash.place_charts import place_detail_figure
from cspdash.place_records import CHANGE_UP, Place, PlaceDetail, PlaceMap
from cspdash.place_tables import NO_WARD_MAP, coverage_words, place_table, types_table, ward_table
from cspdash.places import quarter_shown
from tests.browser import ARTIFACTS, chromium, finished, new_page, streamlit_server
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.test_accessibility import AXE, serious
from tests.test_plain_english import FORBIDDEN

INDICATOR, SHOW, ONE = "place-indicator-mps_crime-Hackney", "place-show-mps_crime-Hackney", "place-one-Hackney"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def mps_page(hackney_places_store):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_DATABASE_URL", hackney_places_store)
        at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=300).run()
        open_page(at, "mps_crime").run()
        yield at


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def _section_text(at: AppTest) -> str:
    """What the page shows as text but its HTML (the indicator sections' badges, which an analyst, as
    this app runs, sees with their statistics): the section's captions, text, tables and charts."""
    parts = [e.value for kind in ("markdown", "caption", "header", "subheader") for e in at.get(kind)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        parts += [json.dumps(spec.get("layout", {}).get("title", {}))]
        parts += [str(trace.get("name", "")) for trace in spec.get("data", [])]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def _no_number_for_a_hidden_place(table: pd.DataFrame) -> None:
    hidden = table[table["Shown as"].str.startswith("Hidden")]
    for column in ("Count", "A year earlier", "Rate per 1,000 residents", "Rank"):
        if column in hidden:
            assert hidden[column].isna().all(), column
    assert (hidden[["Class", "Change on a year earlier", "Above average beyond chance"]] == "").all().all()


def test_the_section_shows_the_finding_the_map_and_every_lsoa(mps_page):
    at = mps_page
    assert not at.exception
    assert [h.value for h in at.header] == ["Where it happens"]
    assert any(c.value.startswith("LSOA figures run to 2025/26 Q3") for c in at.caption)
    assert at.selectbox(key=INDICATOR).value == "mps_total"  # the total first
    assert at.radio(key=SHOW).options == ["Count", "Rate per 1,000 residents", "Change on a year earlier"]
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "All recorded crime, 2025/26 Q3 (October to December 2025): the 5 LSOAs with the most" in text
    assert "above the Hackney average beyond chance" in text
    assert len(at.get("plotly_chart")) == 1  # the map; a place's months only when one is chosen
    lsoas = next(t for t in _tables(at) if "LSOA" in t.columns)
    assert len(lsoas) == 149 and lsoas["Code"].str.startswith("E01").all()
    assert pd.api.types.is_numeric_dtype(lsoas["Count"])
    shown = _section_text(at).lower()
    assert [word for word in FORBIDDEN if word in shown] == []  # plain English for the board
    changes = lsoas["Change on a year earlier"].value_counts().to_dict()
    assert changes == {"No change beyond chance": 147, "Up, beyond chance": 1, "Down, beyond chance": 1}


def test_the_wards_are_ranked_largest_first_and_say_why_there_is_no_ward_map(mps_page):
    at = mps_page
    assert "Wards" in [s.value for s in at.subheader]
    assert any(NO_WARD_MAP.replace(" ", "") in c.value.replace("\\", "").replace(" ", "") for c in at.caption)
    wards = next(t for t in _tables(at) if "Ward" in t.columns)
    assert len(wards) == 21 and wards["Code"].str.startswith("E05").all()
    shown = wards["Count"].dropna()
    assert list(shown) == sorted(shown, reverse=True)
    assert list(wards["Rank"].dropna()) == list(range(1, len(shown) + 1))


def test_change_an_indicator_and_look_at_one_place(mps_page):
    at = mps_page
    at.radio(key=SHOW).set_value("Change on a year earlier").run()
    assert not at.exception
    at.selectbox(key=INDICATOR).set_value("mps_robbery").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Robbery, 2025/26 Q3 (October to December 2025)" in text
    lsoas = next(t for t in _tables(at) if "LSOA" in t.columns)
    assert len(lsoas) == 149 and (lsoas["Shown as"].str.startswith("Hidden")).any()  # robbery: small counts
    _no_number_for_a_hidden_place(lsoas)
    _no_number_for_a_hidden_place(next(t for t in _tables(at) if "Ward" in t.columns))
    at.radio(key=SHOW).set_value("Rate per 1,000 residents").run()
    assert not at.exception
    at.selectbox(key=INDICATOR).set_value("mps_total").run()
    at.selectbox(key=ONE).set_value(("lsoa", "E01001714")).run()  # Hackney 002A
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # the map and the place's months
    types = next(t for t in _tables(at) if "Crime type" in t.columns)
    assert "Theft" in set(types["Crime type"])
    assert [word for word in FORBIDDEN if word in _section_text(at).lower()] == []
    assert types.loc[types["Shown as"].str.startswith("Hidden"), "Count"].isna().all()
    at.selectbox(key=ONE).set_value(("ward", "E05009367")).run()  # Brownswood
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_the_quarter_shown_is_the_selected_one_or_the_newest_covered_before_it():
    covered = [Quarter(2024, q) for q in (1, 2, 3, 4)] + [Quarter(2025, 1)]
    assert quarter_shown(covered, Quarter(2024, 3)) == Quarter(2024, 3)
    assert quarter_shown(covered, Quarter(2025, 3)) == Quarter(2025, 1)  # figures run to 2025/26 Q1
    assert quarter_shown(covered, Quarter(2023, 4)) is None  # none before it: no map (the pack shows none either)
    assert quarter_shown([], Quarter(2025, 3)) is None
    words = coverage_words(covered, Quarter(2025, 3), Quarter(2025, 1))
    assert words == (
        "LSOA figures run to 2025/26 Q1 (April to June 2025), from 2024/25 Q1. "
        "They do not cover 2025/26 Q3, so 2025/26 Q1 is shown."
    )


def _hidden_place_map() -> PlaceMap:
    places = (
        Place("E01000001", "Somewhere 001A", 40.0, 20.0, 1500, 26.7, 4, CHANGE_UP, "up from 20 a year earlier", True),
        Place("E01000002", "Somewhere 001B", None, 3.0, 1500, None, None),  # hidden now, shown a year earlier
        Place("E01000003", "Somewhere 001C", 12.0, None, None, None, None),  # no population fits
    )
    return PlaceMap(
        "Somewhere", "E09000099", "lsoa", "x", "X", "2025/26 Q3", "2024/25 Q3", "count", places,
        ("a", "b", "c", "d", "e"), "Hidden ([c]): fewer than 5, or would reveal one", "", "", "", "",
    )  # fmt: skip


def test_the_table_of_a_map_gives_no_number_for_a_hidden_place():
    table = place_table(_hidden_place_map())
    assert list(table["LSOA"]) == ["Somewhere 001A", "Somewhere 001B", "Somewhere 001C"]
    assert list(table["Shown as"]) == ["", "Hidden ([c]): fewer than 5, or would reveal one", ""]  # a count once
    assert table.loc[0, "Count"] == 40 and table.loc[0, "Above average beyond chance"] == "Yes"
    assert table.loc[2, "Class"].startswith("No rate") and pd.isna(table.loc[2, "Rate per 1,000 residents"])
    assert table.loc[0, "Change on a year earlier"] == "Up, beyond chance"  # the map key's words
    assert table.loc[2, "Change on a year earlier"].startswith("Not compared")
    _no_number_for_a_hidden_place(table)
    ranked = ward_table(_hidden_place_map())
    assert list(ranked["LSOA"]) == ["Somewhere 001A", "Somewhere 001C", "Somewhere 001B"]
    assert list(ranked["Rank"].astype(object).where(ranked["Rank"].notna(), None)) == [1, 2, None]
    _no_number_for_a_hidden_place(ranked)


def test_a_place_with_a_hidden_month_is_drawn_as_bars_with_no_number_for_it():
    months = tuple((f"{m} 2025", None if m == "Mar" else 7.0) for m in ("Jan", "Feb", "Mar", "Apr"))
    detail = PlaceDetail("E01000001", "Somewhere 001A", "Robbery", months, (("Robbery", None),), "2024/25 Q4", False)
    fig = place_detail_figure(detail)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1 and list(bars[0].y) == [7.0, 7.0, None, 7.0]
    assert "1 of 4 months hidden" in fig.layout.title.subtitle.text
    marked = [t for t in fig.data if t.name and t.name.startswith("Hidden month")]
    assert list(marked[0].x) == ["Mar 2025"] and not marked[0].text
    types = types_table(detail, "Hidden ([c])")
    assert types["Count"].isna().all() and list(types["Shown as"]) == ["Hidden ([c])"]


def test_a_place_with_a_control_chart_states_its_latest_month():
    from cspdash.spc import spc_chart

    values = [20.0, 22, 19, 21, 23, 20, 18, 22, 21, 20, 19, 60]
    months = tuple((f"M{i}", v) for i, v in enumerate(values))
    chart = spc_chart(values, "lower", counts=True)
    detail = PlaceDetail("E01000001", "Somewhere 001A", "All crime", months, (), "2024/25 Q4", True, chart)
    fig = place_detail_figure(detail)
    assert fig.layout.title.text == "Somewhere 001A: All crime by month"
    assert fig.layout.title.subtitle.text.startswith("M11, the latest month: worse than usual")
    assert any(t.name == "Worse than usual" for t in fig.data)
    assert any(t.name and t.name.startswith("Mean (") for t in fig.data)


# ---- in a real browser --------------------------------------------------------------------------


def _stay_local(page) -> list[str]:
    """Refuse (and record) every request for a host other than this machine."""
    left: list[str] = []

    def handle(route):
        url = urlparse(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            left.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", handle)
    return left


def _save(page, name: str, copy_to: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)
    shutil.copy(ARTIFACTS / name, copy_to)


def _focused_inside(locator) -> bool:
    return locator.evaluate("el => el.contains(document.activeElement)")


def _tab_until(page, locator, presses: int = 60) -> bool:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if _focused_inside(locator):
            return True
    return False


def test_the_map_draws_offline_at_1280x720_and_is_reached_by_keyboard(hackney_places_store):
    from playwright.sync_api import expect

    with streamlit_server({"DASHBOARD_DATABASE_URL": hackney_places_store}) as url, chromium() as browser:
        page = new_page(browser, width=1280, height=720)
        left = _stay_local(page)
        page.goto(f"{url}/mps_crime")
        header = page.locator("#where-it-happens")
        expect(header).to_have_text(re.compile("Where it happens"))
        finished(page)
        chart = page.get_by_test_id("stPlotlyChart").first
        expect(chart.locator("svg.main-svg path.js-fill").first).to_be_attached()
        expect(chart.locator(".legend")).to_contain_text("Twice the Hackney average or more")
        expect(chart.locator(".legend")).to_contain_text("Above the Hackney average beyond chance")
        expect(chart.locator(".gtitle")).to_contain_text("All recorded crime")
        expect(page.get_by_text(re.compile(r"the 5 LSOAs with the most \(Hackney"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"^LSOA figures run to 2025/26 Q3"))).to_be_visible()
        assert chart.locator("svg.main-svg path.js-fill").count() >= 5  # one filled trace a class
        chart.evaluate("el => el.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(500)
        box = chart.bounding_box()
        assert box is not None and box["height"] <= 720 and box["x"] + box["width"] <= 1280  # fits the screen
        _save(page, "map_1280x720.png", "/tmp/map_720.png")
        if AXE.exists():  # axe-core (npm): no serious or critical accessibility finding on the section
            assert serious(page) == []

        indicator = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Indicator", exact=True))
        show = page.get_by_test_id("stRadio").filter(has=page.get_by_text("Show", exact=True))
        header.click()  # Tab goes on from here, as it would for a reader who got here
        assert _tab_until(page, indicator), "Tab does not reach the indicator"
        assert _tab_until(page, show), "Tab does not reach Show"
        page.keyboard.press("ArrowRight")  # a radio group is stepped with the arrow keys
        expect(chart).to_contain_text("LSOAs by rate per 1,000 residents")
        finished(page)

        page.set_viewport_size({"width": 1280, "height": 5000})
        header.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        _save(page, "map_1280x5000.png", "/tmp/map_tall.png")
        assert left == [], f"requests left the machine: {left}"
        page.close()
