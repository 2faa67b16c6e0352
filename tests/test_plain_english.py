"""A board reads it in ten seconds: the board's screens speak plain English (no p-values, multipliers
of chance, moving ranges or "common cause"); the analyst's view still offers the statistics."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.service import Audience, BoardService
from cspdash.spc import plain_cause, spc_chart
from cspdash.status import Status
from cspdash.store.db import open_store
from sample_data.generate import sample_subgroups
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.test_app_roles import AUTH

FORBIDDEN = ("p =", "p <", "common cause", "common-cause", "moving range", "× more than chance")
BOARD_PAGES = ["", "compare", *sample_subgroups(), "mps_crime", "glossary"]  # every sub-group with sample returns


def rendered_text(at: AppTest) -> str:
    """Everything a page shows as text: markdown, HTML, captions, notes, tables, chart titles and labels."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "success", "title", "header")
        for e in at.get(kind)
    ]
    parts += [h.value for h in at.html]
    parts += [t.value.to_csv() for t in at.table] + [d.value.to_csv() for d in at.dataframe]
    parts += [e.label for e in at.expander]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        parts.append(json.dumps(spec.get("layout", {}).get("title", {})))
        parts += [str(trace.get("name", "")) for trace in spec.get("data", [])]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # markdown escapes undone


@pytest.fixture(scope="module")
def own_store(sample_store_url, tmp_path_factory) -> str:
    """A copy of the sample store for this module's app runs."""
    copy = tmp_path_factory.mktemp("plain") / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def board_member(monkeypatch, own_store, tmp_path):
    """The app as a board member (a viewer) sees it."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", own_store)
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nviewer = ["@cityoflondon.gov.uk"]\nanalyst = ["@hackney.gov.uk"]\n')
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))

    def start(email: str = "member@cityoflondon.gov.uk") -> AppTest:
        at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": email, "email_verified": True}
        at.query_params["area"], at.query_params["quarter"] = "Hackney", "2024/25 Q4"
        return at.run()

    return start


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_the_board_members_screens_say_no_statistics(board_member, page):
    at = board_member()
    if page:
        open_page(at, page).run()
    for ind in load_catalogue().indicators:
        at.session_state[f"charts-{ind.id}"] = True  # every indicator's charts and figures opened
    at.run()
    assert not at.exception
    text = rendered_text(at)
    assert len(text) > 500
    found = [word for word in FORBIDDEN if word.casefold() in text.casefold()]
    assert not found, f"{page or 'overview'} shows {found}"


def test_the_analysts_view_still_offers_how_each_status_was_judged(board_member):
    at = open_page(board_member("analyst@hackney.gov.uk"), "youth_justice").run()
    text = rendered_text(at)
    assert "How this was judged:" in text and "p = " in text
    at.session_state["charts-yj_fte_rate"] = True
    at.run()
    assert "moving range" in rendered_text(at)  # the rule set under the chart


def test_every_status_has_one_plain_sentence(sample_store_url):
    reader = BoardService(open_store(sample_store_url), Audience.PUBLIC).at()
    for area in reader.areas():
        for row in reader.rows(area, Quarter(2024, 4), beside_london=False):
            plain = row.judgement.plain
            assert plain and plain.endswith(".") and not any(w in plain for w in FORBIDDEN), plain


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([10.0] * 20 + [40.0], "the highest of the last 21 figures"),
        ([10.0, 11.0] * 10 + [1.0, 2.0], "the latest figure is far below its usual range"),
        ([10.0, 12.0] * 5 + [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], "7 figures in a row, each higher than the last"),
    ],
)
def test_what_made_a_point_special_is_said_in_words(values, said):
    assert plain_cause(spc_chart(values, "lower")) == said


def test_a_special_cause_reads_as_better_or_worse_than_usual():
    from cspdash.status import judge
    from cspdash.trends import Reading

    ind = load_catalogue().indicator("mps_total")
    chart = spc_chart([100.0] * 20 + [400.0], "lower")
    judgement = judge(ind, Reading(400.0), chart)
    assert judgement.status is Status.RED
    assert judgement.plain == "Worse than usual: the highest of the last 21 figures."
