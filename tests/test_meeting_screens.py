"""Meeting mode on a shared screen at 1280×720: every screen fits without scrolling (long tables
continue on the next screen), a presentation clicker's keys step through it, the way out and the
theme switch are on every screen, an unknown screen says so, and the charts follow the dark theme."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest

from cspdash.meeting import (
    BODY_HEIGHT,
    DARK,
    TABLE_HEAD,
    action_screens,
    contrast,
    exception_screens,
    indicator_row_height,
    meeting_figure,
    screen_html,
    screens,
    split_rows,
    subgroup_screens,
    themed_figure,
)
from cspdash.palette import TEXT

JARGON = ("p =", "common cause", "common-cause", "moving range", "more than chance", "special cause")


def indicator(n: int, **fields) -> dict:
    """A snapshot's indicator as sign-off stores it, with the statistics in its `reason`."""
    return {
        "id": f"ind_{n}",
        "name": f"Indicator {n}: " + "a long descriptive name " * (n % 3),
        "subgroup": "Youth Justice",
        "figure": f"{n}.0%",
        "comparator": "12.5%",
        "change": "+2.0 pts: within the usual ups and downs",
        "target": "80%",
        "status": "AMBER",
        "plain": "Hit and miss: likely to meet the target of 80% in some periods and miss it in others.",
        "reason": "Hit and miss: inside the normal range (p = 0.27; the series varies 1.5× more than chance alone; moving range 3)",
        "variation": "Nothing unusual",
        "assurance": "Hit and miss",
        "variation_icon": "common_cause",
        "assurance_icon": "inconsistent",
        "commentary": "",
        "headline": f"Indicator {n}: {n}.0%",
        "exception": False,
        "chart": None,
        **fields,
    }


def spc_chart() -> str:
    """An SPC chart as the snapshot stores it: jargon in its title and legend, light-theme colours."""
    fig = go.Figure(
        [
            go.Scatter(y=[1, 2, 3], name="Figure", line=dict(color="#b1b4b6"), showlegend=False),
            go.Scatter(y=[1, 2, 3], name="Common cause", mode="markers", marker=dict(color=["#7f7f7f"] * 3)),
            go.Scatter(y=[3], name="Special cause: concern", mode="markers", marker=dict(color="white")),
            go.Scatter(y=[2, 2, 2], name="Mean", line=dict(color=TEXT)),
            go.Scatter(y=[4, 4, 4], name="Process limits", line=dict(color="#505a5f", dash="dash")),
            go.Scatter(y=[3, 3, 3], name="Target", line=dict(color="#801650")),
        ]
    )
    fig.update_layout(
        title=dict(text="Robbery: 832 in 2024/25 Q4; special cause: concern", font=dict(color=TEXT)),
        font=dict(color=TEXT),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        xaxis=dict(gridcolor="#dddddd", linecolor="#505a5f", tickfont=dict(color=TEXT)),
    )
    return fig.to_json()


def snapshot(indicators: list[dict], actions: list[dict] | None = None) -> dict:
    return {
        "area": "Hackney",
        "quarter": "2024/25 Q4",
        "period": "1 January 2025 to 31 March 2025",
        "data_as_at": "2025-04-21T10:00",
        "indicators": indicators,
        "completeness": [{"name": "Youth Justice", "status": "received"}],
        "actions": actions or [],
    }


# ---- splitting ------------------------------------------------------------------------------------


def test_rows_that_fit_stay_on_one_screen():
    assert split_rows(list(range(5)), lambda row: 40, room=400) == [list(range(5))]
    assert split_rows([], lambda row: 40, room=400) == [[]]


def test_a_long_table_is_shared_out_evenly_in_order_and_every_part_fits():
    rows = list(range(19))
    parts = split_rows(rows, lambda row: 50, room=500)
    assert [row for part in parts for row in part] == rows
    assert len(parts) == 2 and sorted(len(p) for p in parts) == [9, 10]
    assert all(sum(50 for _ in part) <= 500 for part in parts)


def test_rows_of_different_heights_are_split_by_height_not_by_count():
    heights = {0: 300, 1: 300, 2: 50, 3: 50, 4: 50, 5: 50}
    parts = split_rows(list(heights), heights.get, room=400)
    assert all(sum(heights[r] for r in part) <= 400 for part in parts)
    assert [r for part in parts for r in part] == list(heights)


def test_a_row_taller_than_the_screen_has_a_screen_of_its_own():
    heights = {0: 40, 1: 900, 2: 40}
    parts = split_rows(list(heights), heights.get, room=400)
    assert [1] in parts and [r for part in parts for r in part] == [0, 1, 2]


def test_a_long_subgroup_continues_on_the_next_screen_numbered_and_each_part_fits():
    indicators = [indicator(n) for n in range(19)]
    shown = subgroup_screens("Youth Justice", indicators)
    assert len(shown) >= 2
    assert [s.title for s in shown] == [f"Youth Justice ({n} of {len(shown)})" for n in range(1, len(shown) + 1)]
    assert shown[0].key == "subgroup-youth-justice"  # an old link still opens the first part
    assert shown[1].key == "subgroup-youth-justice-2"
    for part in split_rows(indicators, indicator_row_height, BODY_HEIGHT - TABLE_HEAD):
        assert sum(indicator_row_height(i) for i in part) <= BODY_HEIGHT - TABLE_HEAD
    names = [re.findall(r'<th scope="row">([^<]*)', s.body) for s in shown]
    assert [n for part in names for n in part] == [i["name"] for i in indicators]


def test_a_short_subgroup_is_one_screen_with_its_own_name():
    (shown,) = subgroup_screens("VAWG and domestic abuse", [indicator(1), indicator(2)])
    assert shown.title == "VAWG and domestic abuse" and shown.key == "subgroup-vawg-and-domestic-abuse"


def test_a_note_on_later_figures_leaves_less_room_for_the_table():
    indicators = [indicator(n) for n in range(40)]
    plain, noted = (
        [s for s in screens(snapshot(indicators), later) if s.key.startswith("subgroup")]
        for later in (None, "A file was loaded after sign-off (22 Apr 2025 09:00): its figures are later revisions")
    )
    assert len(noted) >= len(plain)


def test_many_open_actions_continue_on_the_next_screen():
    actions = [
        {"id": n, "title": "Review the partnership's response " * 3, "owner": "Chair", "due_date": ""}
        for n in range(30)
    ]
    shown = action_screens(actions)
    assert len(shown) > 1 and shown[0].key == "actions" and shown[-1].title.startswith("Open actions (")
    assert action_screens([])[0].title == "Open actions"


def test_a_long_commentary_on_an_exception_continues_on_a_screen_of_its_own():
    long = indicator(1, exception=True, status="RED", chart=spc_chart(), commentary="We are working on it. " * 120)
    shown = exception_screens(long)
    assert len(shown) >= 2 and shown[0].key == "exception-ind_1" and shown[0].chart == "ind_1"
    assert shown[0].title.endswith(f"(1 of {len(shown)})") and shown[1].chart is None
    short = exception_screens(indicator(2, exception=True, status="RED", commentary="Two partners were late."))
    assert [s.title for s in short] == ["Exception: Indicator 2: " + "a long descriptive name " * 2]


# ---- what the board reads -------------------------------------------------------------------------


def test_the_screens_say_plain_words_and_never_the_statistics():
    indicators = [indicator(1, exception=True, status="RED", chart=spc_chart())] + [indicator(n) for n in range(2, 6)]
    agenda = screens(snapshot(indicators))
    text = " ".join(screen_html(snapshot(indicators), s, n, len(agenda)) for n, s in enumerate(agenda, 1))
    for jargon in JARGON:
        assert jargon not in text.lower(), jargon
    exception = next(s for s in agenda if s.key == "exception-ind_1")
    for said in ("Hit and miss: likely to meet", "+2.0 pts: within the usual ups and downs", "Nothing unusual"):
        assert said in exception.body
    chart = meeting_figure(snapshot(indicators), exception)
    words = " ".join([chart.layout.title.text] + [t.name for t in chart.data if t.name]).lower()
    assert not [jargon for jargon in JARGON if jargon in words], words
    assert "worse than usual" in words


def test_the_summary_counts_statuses_red_first():
    indicators = [indicator(1, status="GREEN"), indicator(2, status="RED"), indicator(3), indicator(4, status="RED")]
    summary = screens(snapshot(indicators))[0]
    counts = re.findall(r"(\d+) (Red|Amber|Green)</span>", summary.body)
    assert counts == [("2", "Red"), ("1", "Amber"), ("1", "Green")]


# ---- the dark theme -------------------------------------------------------------------------------


def _colours(spec, path=()):
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key != "template":
                yield from _colours(value, (*path, key))
    elif isinstance(spec, list):
        for value in spec:
            yield from _colours(value, path)
    elif path and path[-1].endswith("color") and isinstance(spec, str):
        yield path, spec


def test_a_dark_theme_chart_has_a_dark_background_light_text_and_lines_that_stand_out():
    data = snapshot([indicator(1, exception=True, status="RED", chart=spc_chart())])
    exception = next(s for s in screens(data) if s.chart == "ind_1")
    fig = meeting_figure(data, exception, theme="dark")
    spec = json.loads(fig.to_json())
    assert spec["layout"]["paper_bgcolor"] == spec["layout"]["plot_bgcolor"] == DARK["background"]
    assert contrast(DARK["background"], "#000000") < 1.5  # dark
    for path, colour in _colours({"data": spec["data"], "layout": spec["layout"]}):
        if path[-1] in ("paper_bgcolor", "plot_bgcolor", "bgcolor", "gridcolor") or colour == DARK["background"]:
            continue
        needed = 4.5 if "font" in path or "textfont" in path else 3.0
        assert contrast(colour, DARK["background"]) >= needed, (path, colour)
    light = meeting_figure(data, exception, theme="light")
    assert light.layout.paper_bgcolor == "#ffffff"


def test_the_summary_chart_follows_the_theme():
    data = snapshot([indicator(1, status="RED"), indicator(2)])
    summary = screens(data)[0]
    assert meeting_figure(data, summary, theme="dark").layout.plot_bgcolor == DARK["background"]
    assert themed_figure(go.Figure(), "light").layout.paper_bgcolor is None  # the light theme: left as drawn


# ---- in a real browser ----------------------------------------------------------------------------

OVERFLOW = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return [main.scrollHeight, main.clientHeight, document.documentElement.scrollHeight, window.innerHeight];
}"""
CHART_BACKGROUND = """() => {
  const svg = document.querySelector('.js-plotly-plot .main-svg');
  const [r, g, b] = (svg.style.background || getComputedStyle(svg).backgroundColor).match(/\\d+/g).map(Number);
  return r + g + b;
}"""
START = "/meeting?area=Hackney&quarter=2024/25+Q4"


@pytest.fixture(scope="module")
def served(sample_store_url):
    from tests.browser import chromium, streamlit_server

    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url, chromium() as browser:
        yield url, browser


def settled(page) -> None:
    from playwright.sync_api import expect

    from tests.browser import finished

    expect(page.locator(".meeting .stamp")).to_be_visible()
    finished(page)
    page.wait_for_timeout(600)


def fits(page) -> None:
    main, shown, document, window = page.evaluate(OVERFLOW)
    title = page.locator("h1").first.inner_text()
    assert main <= shown and document <= window, f"{title}: {main} px in {shown} px"


def test_a_presenter_steps_through_every_screen_with_a_clicker_and_none_scrolls(served):
    """1280×720, Hackney 2024/25 Q4: PageDown through the agenda, PageUp back, Home and End; every
    screen fits its viewport; the way out and the theme switch are visible on every screen."""
    from playwright.sync_api import expect

    from tests.browser import new_page, screenshot

    url, browser = served
    page = new_page(browser, width=1280, height=720)
    page.goto(url + START)
    title = page.locator("h1").first
    expect(title).to_have_text("Hackney, 2024/25 Q4: summary")
    seen = []
    while True:
        settled(page)
        seen.append(title.inner_text())
        fits(page)
        expect(page.get_by_role("link", name="Leave meeting mode")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Dark theme"))).to_be_visible()
        if seen[-1] == "Youth Justice (1 of 2)":
            screenshot(page, "meeting_screen_subgroup.png")
        if seen[-1] == "Exception: Robbery":
            expect(page.locator(".js-plotly-plot .xtick").first).to_be_visible()  # the x-axis shows
            screenshot(page, "meeting_screen_exception.png")
        if seen[-1] == "Open actions":
            break
        page.keyboard.press("PageDown")
        expect(title).not_to_have_text(seen[-1])
        assert len(seen) < 40
    assert "Youth Justice (1 of 2)" in seen and "Youth Justice (2 of 2)" in seen
    assert any(t.startswith("Exception:") for t in seen)
    text = page.locator("[data-testid='stMain']").inner_text().lower()
    assert not [j for j in JARGON if j in text]
    page.keyboard.press("PageUp")
    expect(title).to_have_text(seen[-2])
    page.keyboard.press("Space")
    expect(title).to_have_text(seen[-1])
    page.keyboard.press("Home")
    expect(title).to_have_text(seen[0])
    expect(page).to_have_url(re.compile("screen=summary"))
    page.keyboard.press("End")
    expect(title).to_have_text(seen[-1])
    page.keyboard.press("ArrowLeft")
    expect(title).to_have_text(seen[-2])
    page.keyboard.press("ArrowRight")
    expect(title).to_have_text(seen[-1])
    page.close()


def test_an_unknown_screen_says_so_and_the_way_out_goes_to_the_overview(served):
    from playwright.sync_api import expect

    from tests.browser import new_page

    url, browser = served
    page = new_page(browser, width=1280, height=720)
    page.goto(url + START + "&screen=nonsense")
    expect(page.get_by_text("There is no screen “nonsense” in this meeting; showing the summary")).to_be_visible()
    expect(page.locator("h1").first).to_have_text("Hackney, 2024/25 Q4: summary")
    settled(page)
    fits(page)
    page.get_by_role("link", name="Leave meeting mode").click()
    expect(page.locator("table.overview caption").first).to_have_text(re.compile("— 2024/25 Q4$"))
    expect(page).to_have_url(re.compile(r"/\?area=Hackney&quarter=2024%2F25(\+|%20)Q4(&|$)"))
    expect(page.locator("[data-testid='stSidebar']")).to_be_visible()  # the site's navigation is back
    page.close()


def test_in_the_dark_theme_the_charts_are_dark_and_the_switch_goes_back_to_light(served):
    from playwright.sync_api import expect

    from tests.browser import new_page, screenshot

    url, browser = served
    page = new_page(browser, width=1280, height=720, color_scheme="dark")
    page.goto(url + START + "&screen=exception-mps_robbery")
    expect(page.locator("h1").first).to_have_text("Exception: Robbery")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    settled(page)
    fits(page)
    assert page.evaluate(CHART_BACKGROUND) < 150  # a dark paper behind the chart
    screenshot(page, "meeting_screen_exception_dark.png")
    page.get_by_role("button", name=re.compile("Light theme")).click()  # the app's own theme setting, then a reload
    expect(page.get_by_role("button", name=re.compile("Dark theme"))).to_be_visible()
    expect(page.locator("h1").first).to_have_text("Exception: Robbery")  # the link kept the screen
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    settled(page)
    assert page.evaluate(CHART_BACKGROUND) > 600
    page.close()
