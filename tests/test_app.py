"""Every page through Streamlit's AppTest, and what a board member sees change when they choose."""

from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from data_loaders.kinds import load_kinds
from sample_data.generate import sample_files, sample_subgroups
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.tables import html_tables, row_for

PAGES = ["", "compare", "meeting", "boardpack", "youth_justice", "vawg", "mps_crime", "street_crime", "data"]
RETURNS = ROOT / "sample_data" / "returns"


def cell(file_name: str, ref: str):
    """A figure straight from a sample workbook, as the analyst typed it."""
    return openpyxl.load_workbook(RETURNS / file_name)["Return"][ref].value


def shown(typed) -> str:
    """How the overview shows a count the analyst typed: '<5' is suppressed."""
    return "Suppressed" if typed == "<5" else f"{typed:,}"


@pytest.fixture
def app(monkeypatch, sample_store_url):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)

    def start(**query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()

    return start


def overview_tables(at: AppTest) -> list[dict]:
    """The overview's tables of every indicator in full (the summary matrix left out)."""
    return [t for t in all_tables(at) if "indicators, " not in t["caption"]]


def all_tables(at: AppTest) -> list[dict]:
    return [t for html in at.html for t in html_tables(html.value)]


def matrix(at: AppTest) -> dict:
    """The summary matrix at the top of the overview."""
    return next(t for t in all_tables(at) if "indicators, " in t["caption"])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_an_exception(app, page):
    at = app()
    if page:
        open_page(at, page).run()
    assert not at.exception
    assert at.title[0].value
    assert [s.label for s in at.sidebar.selectbox] == ["Area", "Quarter"]


def test_overview_defaults_to_the_latest_quarter_and_shows_every_subgroup(app):
    at = app()
    assert at.sidebar.selectbox[0].value == "Hackney"
    assert at.sidebar.selectbox[1].value == "2024/25 Q4"
    captions = [t["caption"] for t in overview_tables(at)]
    with_figures = {*sample_subgroups(), "mps_crime"}  # the sample's returns and the MPS borough file
    assert captions == [f"{s.name} — 2024/25 Q4" for s in load_catalogue().subgroups if s.id in with_figures]
    custody = row_for(overview_tables(at)[0], "Custodial sentences")
    assert custody["2024/25 Q4"] == shown(cell("2024-25_Q4_hackney_youth_justice.xlsx", "E11"))
    assert custody["2023/24 Q4"] == shown(cell("2023-24_Q4_hackney_youth_justice.xlsx", "E11"))
    assert custody["Status"].split()[1] in {"Red", "Amber", "Green", "No", "Not"}
    assert "Making Data Count" in "".join(html.value for html in at.html)  # the rule set, in the legend
    assert "What the statuses mean" in "".join(html.value for html in at.html)
    assert custody["Last 8 quarters"].startswith("Custodial sentences, last 8 quarters: from")


def test_changing_the_quarter_changes_the_figures(app):
    at = app()
    at.sidebar.selectbox[1].select("2022/23 Q2").run()
    table = overview_tables(at)[1]
    assert table["caption"] == "VAWG and domestic abuse — 2022/23 Q2"
    marac = row_for(table, "MARAC cases discussed")
    assert marac["2022/23 Q2"] == shown(cell("2022-23_Q2_hackney_vawg.xlsx", "E9"))
    assert marac["2021/22 Q2"] == shown(cell("2021-22_Q2_hackney_vawg.xlsx", "E9"))
    assert at.query_params["quarter"] == "2022/23 Q2"


def test_changing_the_area_changes_the_figures_and_the_missing_return_is_named(app):
    at = app()
    hackney = overview_tables(at)[0]["rows"]
    at.sidebar.selectbox[0].select("City of London").run()
    assert at.title[0].value == "Partnership overview: City of London"
    assert "VAWG and domestic abuse — missing: due 30 Apr 2025" in at.info[0].value
    assert "Youth Justice — received" in at.info[0].value
    city = row_for(overview_tables(at)[0], "Custodial sentences")["2024/25 Q4"]
    assert city == shown(cell("2024-25_Q4_city_of_london_youth_justice.xlsx", "E11"))
    assert overview_tables(at)[0]["rows"] != hackney


def test_a_link_reopens_the_same_view(app):
    at = app(area="City of London", quarter="2021/22 Q3")
    assert [s.value for s in at.sidebar.selectbox] == ["City of London", "2021/22 Q3"]
    assert overview_tables(at)[0]["caption"] == "Youth Justice — 2021/22 Q3"


def test_a_link_with_an_unknown_quarter_falls_back_to_the_latest(app):
    at = app(area="Hackney", quarter="1999/00 Q1")
    assert at.sidebar.selectbox[1].value == "2024/25 Q4"
    assert not at.exception


def test_the_summary_matrix_puts_red_before_amber_before_green_and_the_order_is_in_the_link(app):
    at = app()
    table = matrix(at)
    assert table["caption"] == f"{len(table['rows']) - 1} indicators, exceptions first — 2024/25 Q4"
    header = table["rows"][0]
    assert header == ["Indicator", "Figure", "Target", "Variation", "Assurance", "Status", "8 quarters"]
    statuses = [dict(zip(header, row, strict=True))["Status"].split()[1] for row in table["rows"][1:]]
    order = {"Red": 0, "Amber": 1, "Unusual": 2, "Green": 3, "No": 4, "Not": 5}
    assert statuses == sorted(statuses, key=order.get) and statuses[0] == "Red"
    assert at.query_params["order"] == "exceptions"
    at.radio(key="order").set_value("subgroup").run()
    assert at.query_params["order"] == "subgroup"
    assert matrix(at)["rows"][1] == ["Youth Justice"]  # grouped: each sub-group's name heads its rows
    at.selectbox(key="subgroup").set_value("vawg").run()
    assert at.query_params["subgroup"] == "vawg" and matrix(at)["rows"][1] == ["VAWG and domestic abuse"]
    linked = app(order="subgroup", subgroup="youth_justice")  # a link reopens the same view
    assert matrix(linked)["caption"] == "19 indicators, by sub-group — 2024/25 Q4"


def test_subgroup_page_shows_findings_first_and_draws_an_indicators_charts_when_opened(app):
    at = app()
    open_page(at, "youth_justice").run()
    # the page opens with every indicator's finding: only the two RRI charts are drawn at once
    assert len(at.get("plotly_chart")) == 2
    labels = [e.label for e in at.expander]
    assert len([label for label in labels if label.startswith("Charts and figures: ")]) == 19
    assert labels[0] == "Charts and figures: First time entrants aged 10–17"
    at.session_state["charts-yj_fte_rate"] = True  # the board member opens one indicator's charts
    at.run()
    charts = at.get("plotly_chart")
    assert len(charts) == 2 + 2
    import json

    spec = json.loads(charts[0].proto.spec)
    layout = spec["layout"]
    # the SPC chart plots each quarter's own figure (the status's basis) and states no figure of its own;
    # the 12-month chart beside it carries the headline: the same figure as the table and the overview
    title = layout["title"]["text"].replace("<br>", " ")
    assert title.startswith("First time entrants aged 10–17, each quarter's own figure (the basis of the status)")
    assert "473.5" not in title
    assert layout["yaxis"]["title"]["text"] == "Rate per 100,000 a year"
    names = {trace["name"] for trace in spec["data"]}
    assert {"Mean", "Process limits", "Target (indicative)"} <= names
    # a rate with its population each quarter: a Laney u′ chart (the catalogue's `chart`), its rule set under it
    assert any(caption.value.startswith("Laney u′ chart rules") for caption in at.caption)
    rolling = json.loads(charts[1].proto.spec)
    assert rolling["data"][0]["x"][-1] == "2024/25 Q4"
    rolling_title = rolling["layout"]["title"]["text"].replace("<br>", " ")
    assert rolling_title.startswith("First time entrants aged 10–17: 351.0 in 12 months to the end of 2024/25 Q4")
    figures = next(d.value for d in at.dataframe if "Quarter" in d.value.columns)
    assert figures["Quarter"].iloc[-1] == "2024/25 Q4"


def test_where_a_figure_comes_from_is_read_when_asked_for(app):
    """The overview's figure details and a sub-group's "Where this figure comes from" are read only
    when opened, and then name the file, sheet and cells the figure came from."""
    at = app()
    assert not any("(submission " in m.value for m in at.main.markdown)
    at.session_state["details"] = True
    at.run()
    detail = [m.value for m in at.main.markdown if "(submission " in m.value]
    assert detail and "Return\\!C9\\:D9" in detail[0] and "in force" in detail[0]
    open_page(at, "youth_justice").run()
    assert not any("(submission " in m.value for m in at.main.markdown)
    at.session_state["from-yj_fte_rate"] = True
    at.run()
    assert any("hackney\\_youth\\_justice" in m.value for m in at.main.markdown if "(submission " in m.value)


def test_data_page_lists_every_submission(app):
    at = app()
    at.switch_page("../pages/data.py").run()
    table = at.dataframe[0].value
    assert len(table) == len(sample_files())
    assert {"File", "Kind", "Area", "From", "To", "Vintage", "Loaded at (UTC)"} <= set(table.columns)
    downloads = [button.label for button in at.get("download_button")]
    assert "Youth Justice Service quarterly return (.xlsx)" in downloads
    assert "MPS borough-level recorded crime (London Datastore) (.xlsx)" in downloads
    assert len(downloads) == len(load_kinds())  # a template for every kind


def test_an_empty_store_says_so_instead_of_failing(monkeypatch, tmp_path):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert "No figures are stored for Hackney yet" in at.info[0].value
    open_page(at, "vawg").run()
    assert not at.exception


def test_pages_are_thin_and_only_pages_import_streamlit():
    helpers = {"shared.py": 250, "runtime.py": 250, "indicator_sections.py": 250}
    for path in (ROOT / "pages").glob("*.py"):
        assert len(path.read_text().splitlines()) < helpers.get(path.name, 100), path
    for package in ("cspdash", "data_loaders", "sample_data"):
        for path in (ROOT / package).rglob("*.py"):
            assert "import streamlit" not in path.read_text(), path
    assert Path(ROOT / "app.py").read_text().count("\n") < 70


def test_the_board_command_prints_what_the_overview_shows(app, sample_store_url, capsys, monkeypatch, tmp_path):
    """`python -m data_loaders board` and the overview a viewer sees come from one judgement on the
    published figures: same figures, statuses, reasons."""
    import json

    from cspdash.status import Status
    from data_loaders.__main__ import main
    from tests.test_app_roles import AUTH

    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nviewer = ["@cityoflondon.gov.uk"]\n')
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "member@cityoflondon.gov.uk", "email_verified": True}
    at.query_params["area"], at.query_params["quarter"] = "Hackney", "2024/25 Q4"
    at.run()
    assert not at.exception
    shown_rows = {}
    for table in overview_tables(at):
        header = table["rows"][0]
        for row in table["rows"][1:]:
            cells = dict(zip(header, row, strict=True))
            shown_rows[cells["Indicator"]] = cells
    assert (
        main(["board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--format", "json", "--db", sample_store_url])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert len(printed) == len(shown_rows) > 40
    shapes = {s.word: s.shape for s in Status}
    for line in printed:
        # the row shown as the name and its unit: the shortest of those whose name begins with it
        cells = shown_rows[min((k for k in shown_rows if k.startswith(line["indicator"])), key=len)]
        assert cells["2024/25 Q4"].startswith(line["value"])
        assert cells["2023/24 Q4"] == line["comparator value"]
        # a board member reads the plain sentence; the command also prints how it was judged
        assert cells["Status"].startswith(f"{shapes[line['status']]} {line['status']} {line['summary']}")
        assert line["reason"] and "How this was judged" not in cells["Status"]
        assert line["variation plain"] in cells["Variation and target"]
        assert "Making Data Count" in line["rule set"]


def test_the_areas_side_by_side_with_london(sample_store_url, reference, tmp_path, monkeypatch):
    """City of London and Hackney in one table: each area's figure, rate and its verdict against every
    London borough of a real London-wide release (a funnel plot), and London's rate; then each area
    against London: the spine chart and a funnel plot with its outlier table, the rank as information."""
    import shutil

    from cspdash.store.db import open_store
    from data_loaders.ingest import ingest_files

    store = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), store)
    url = f"sqlite:///{store}"
    ingest_files(open_store(url), [reference / "mps_borough/mps_borough_24m_202312-202511.csv"], submitted_by="test")
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=120)
    at.query_params["quarter"] = "2024/25 Q4"
    at.run()
    at.switch_page("../pages/compare.py").run()
    assert not at.exception
    assert at.title[0].value == "City of London and Hackney side by side"
    [table] = overview_tables(at)
    header = " ".join(table["rows"][0])
    assert header.index("City of London") < header.index("Hackney") < header.index("London, per 1,000")
    rows = {row[0]: row for row in table["rows"][1:]}
    burglary = " ".join(next(row for name, row in rows.items() if name.startswith("Burglary")))
    assert "per 1,000: " in burglary and " than London" in burglary, burglary  # the funnel's verdict
    assert " of 3" not in burglary  # no league-table rank in the table
    london = float(next(row for name, row in rows.items() if name.startswith("Burglary"))[-1])
    assert 2 < london < 20  # London's burglaries per 1,000 residents a year
    headers = [h.value for h in at.header]
    assert "Hackney against London" in headers and "City of London against London" in headers
    assert any("highest rate of" in m.value and "For information" in m.value for m in at.caption)
    assert any("Spiegelhalter" in c.value and "Winsorised" in c.value for c in at.caption)


def test_the_youth_justice_page_shows_disproportionality_with_its_base(app):
    at = app(area="Hackney", quarter="2024/25 Q4")
    open_page(at, "youth_justice").run()
    assert not at.exception
    assert "Disproportionality" in [h.value for h in at.header]
    assert any("Census 2021" in c.value for c in at.caption)
    tables = [t.value for t in at.table if "Relative rate index" in t.value.columns]
    assert len(tables) == 2  # first time entrants and youth justice starts
    starts = tables[-1].set_index("Ethnic group")
    assert starts.loc["White", "Relative rate index"] == "1.0"
    assert "interval excludes 1" in starts.loc["Black", "Finding"]


def test_the_order_chosen_stays_chosen_after_another_page(app):
    at = app(area="Hackney", quarter="2024/25 Q4")
    at.radio(key="order").set_value("subgroup").run()
    open_page(at, "vawg").run()
    at.switch_page("../pages/overview.py").run()
    assert not at.exception
    assert at.radio(key="order").value == "subgroup"
    assert matrix(at)["caption"].endswith("by sub-group — 2024/25 Q4")
