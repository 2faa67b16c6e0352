"""Data quality and dependencies: each indicator's owner, accountable lead, data-quality rating (the
four parts SPCreporter rates), a stale flag when no figure arrived within its declared lag, and the
data sharing agreements its figures depend on, with a warning before one expires."""

import re
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from cspdash.data_quality import (
    DataQualityError,
    agreement_warnings,
    load_data_quality,
    parse_data_quality,
    stale_check,
    warnings_headline,
)
from cspdash.periods import Quarter
from cspdash.service import Audience, BoardService
from cspdash.store.db import open_store
from tests.conftest import ROOT
from tests.streamlit_app import open_page

Q4, Q3 = Quarter.parse("2024/25 Q4"), Quarter.parse("2024/25 Q3")
SAMPLE_SUBGROUPS = ["youth_justice", "vawg", "serious_violence", "night_time_economy", "mps_crime", "street_crime"]
RATED = """
[[quality]]
{target}
owner = "VAWG co-ordinator"
lead = "Head of Community Safety"
sign_off_and_validation = "sufficient"
timely_and_complete = "{timely}"
audit_and_accuracy = "not assessed"
robust_systems = "sufficient"
lag_quarters = 0
agreements = ["{agreement}"]
"""


def agreement(expiry: date, covers: str = '["vawg"]', review: str = "2026-10-01", id: str = "marac_isa") -> str:
    return f"""
[[agreement]]
id = "{id}"
name = "MARAC information sharing agreement"
partners = ["Metropolitan Police Service", "Hackney Council"]
review = {review}
expiry = {expiry.isoformat()}
covers = {covers}
"""


def declarations(expiry: date, target: str = 'subgroup = "vawg"', timely: str = "sufficient", agreement_id="marac_isa"):
    text = agreement(expiry) + RATED.format(target=target, timely=timely, agreement=agreement_id)
    return parse_data_quality(text, load_catalogue(), "deployment_quality.toml")


# ---- the declarations ----------------------------------------------------------------------------


def test_the_shipped_declarations_give_every_sample_indicator_an_owner_lead_and_rating():
    catalogue = load_catalogue()
    shipped = load_data_quality(catalogue, ROOT / "cspdash" / "data_quality.toml")
    for ind in catalogue.indicators:
        if ind.subgroup in SAMPLE_SUBGROUPS:
            declared = shipped.for_indicator(ind)
            assert declared is not None and declared.owner and declared.lead, ind.id
            assert len(declared.ratings) == 4, ind.id


def test_the_shipped_declarations_warn_today_of_an_agreement_that_expires_within_60_days():
    catalogue = load_catalogue()
    shipped = load_data_quality(catalogue, ROOT / "cspdash" / "data_quality.toml")
    warnings = agreement_warnings(shipped, catalogue, date(2026, 12, 7))
    assert warnings and all(0 <= w.days_left <= 60 for w in warnings)
    assert any("Robbery" in w.indicators for w in warnings)  # the MPS's recorded crime depends on it


BAD = [  # (what is wrong in the file, words the one sentence must say)
    (
        agreement(date(2027, 1, 20))
        + RATED.format(target='indicator = "nope"', timely="sufficient", agreement="marac_isa"),
        ["[[quality]] entry 1", "nope", "indicator"],
    ),
    (
        agreement(date(2027, 1, 20), covers='["marac_cases", "nowhere"]'),
        ["[[agreement]] entry 1", "marac_isa", "nowhere"],
    ),
    (agreement(date(2027, 1, 20), review='"next spring"'), ["[[agreement]] entry 1", "review", "next spring", "date"]),
    (
        agreement(date(2027, 1, 20)) + RATED.format(target='subgroup = "vawg"', timely="good", agreement="marac_isa"),
        ["[[quality]] entry 1", "timely_and_complete", "good", "sufficient"],
    ),
    (
        agreement(date(2027, 1, 20)) + RATED.format(target='subgroup = "vawg"', timely="sufficient", agreement="dsa_9"),
        ["[[quality]] entry 1", "dsa_9", "agreement"],
    ),
    (
        RATED.format(target="", timely="sufficient", agreement="x").replace('agreements = ["x"]', ""),
        ["[[quality]] entry 1", "indicator", "subgroup"],
    ),
    (agreement(date(2027, 1, 20)) + agreement(date(2027, 1, 20)), ["[[agreement]] entry 2", "marac_isa", "twice"]),
    ("[[quality]\nindicator = 1", ["not valid TOML"]),
]


@pytest.mark.parametrize(("text", "words"), BAD)
def test_a_mistake_is_refused_in_one_sentence_naming_the_file_and_the_entry(text, words):
    with pytest.raises(DataQualityError) as refused:
        parse_data_quality(text, load_catalogue(), "deployment_quality.toml")
    message = str(refused.value)
    assert message.startswith("deployment_quality.toml") and "Traceback" not in message
    for word in words:
        assert word in message, (word, message)
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


def test_an_indicator_entry_overrides_its_subgroup_default():
    text = agreement(date(2027, 1, 20)) + RATED.format(
        target='subgroup = "vawg"', timely="sufficient", agreement="marac_isa"
    )
    text += RATED.format(target='indicator = "marac_repeat"', timely="insufficient", agreement="marac_isa")
    found = parse_data_quality(text, load_catalogue(), "x.toml")
    catalogue = load_catalogue()
    assert (
        dict(found.for_indicator(catalogue.indicator("marac_repeat")).ratings)["timely_and_complete"] == "insufficient"
    )
    assert dict(found.for_indicator(catalogue.indicator("marac_cases")).ratings)["timely_and_complete"] == "sufficient"
    assert found.for_indicator(catalogue.indicator("mps_robbery")) is None


# ---- stale figures -------------------------------------------------------------------------------


def test_stale_is_judged_against_the_quarter_under_review_and_the_declared_lag():
    held = [Quarter.parse("2023/24 Q2")]
    stale, why = stale_check(held, Q4, 1)
    assert stale and why == "Stale: no figure since 2023/24 Q2; one for 2024/25 Q3 was expected by now."
    assert stale_check([*held, Q3], Q4, 1) == (False, "")
    assert stale_check([*held, Q3], Q4, 0)[0]
    assert stale_check([*held, Q3, Q4], Q3, 0) == (False, "")  # a history view: later figures don't count
    assert stale_check([], Q4, 0) == (False, "")  # never a figure: the status already says so
    assert stale_check(held, Q4, None) == (False, "")  # no lag declared: not judged


@pytest.fixture(scope="module")
def sample_board(sample_store_url):
    return BoardService(open_store(sample_store_url), Audience.PUBLIC).at()


def test_a_missing_return_makes_its_figures_stale_and_only_those(sample_board):
    city = sample_board.data_quality("City of London", Q4)  # the City's VAWG return for Q4 never came
    assert city["marac_cases"].stale
    assert "2024/25 Q3" in city["marac_cases"].stale_why and "2024/25 Q4" in city["marac_cases"].stale_why
    assert not city["yj_custody"].stale  # its Youth Justice return did come
    assert not sample_board.data_quality("Hackney", Q4)["marac_cases"].stale
    assert not sample_board.data_quality("City of London", Q3)["marac_cases"].stale  # as it was then
    assert city["marac_cases"].owner and "sufficient" in city["marac_cases"].overall_words


# ---- agreements that expire ----------------------------------------------------------------------


def test_an_agreement_expiring_within_60_days_warns_and_names_its_indicators():
    today = date(2026, 12, 7)
    found = declarations(today + timedelta(days=30))
    (warning,) = agreement_warnings(found, load_catalogue(), today)
    assert warning.days_left == 30 and not warning.expired
    assert "MARAC cases discussed" in warning.indicators and "Domestic abuse offences" in warning.indicators
    assert "Robbery" not in warning.indicators
    assert "MARAC information sharing agreement" in warning.sentence and "MARAC cases discussed" in warning.sentence
    assert "6 Jan 2027" in warning.sentence and "30 days" in warning.sentence
    assert warnings_headline([warning]) == "1 data sharing agreement expiring within 60 days"


def test_an_agreement_expiring_in_90_days_does_not_warn():
    today = date(2026, 12, 7)
    assert agreement_warnings(declarations(today + timedelta(days=90)), load_catalogue(), today) == []


def test_an_expired_agreement_warns_that_its_indicators_get_no_new_figures():
    today = date(2026, 12, 7)
    (warning,) = agreement_warnings(declarations(today - timedelta(days=3)), load_catalogue(), today)
    assert warning.expired and warning.days_left == -3
    assert "expired on 4 Dec 2026" in warning.sentence and "no new figures" in warning.sentence
    assert "MARAC cases discussed" in warning.sentence
    soon = agreement_warnings(declarations(today + timedelta(days=10)), load_catalogue(), today)
    assert warnings_headline([warning, *soon]) == "2 data sharing agreements: 1 expired, 1 expiring within 60 days"


# ---- what the board sees -------------------------------------------------------------------------


@pytest.fixture
def app(monkeypatch, sample_store_url, tmp_path):
    """The app with a deployment's own declarations: its MARAC agreement expires in 30 days."""
    path = tmp_path / "deployment_quality.toml"
    expiry = date.today() + timedelta(days=30)
    path.write_text(
        agreement(expiry) + RATED.format(target='subgroup = "vawg"', timely="insufficient", agreement="marac_isa")
    )
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)
    monkeypatch.setenv("DASHBOARD_DATA_QUALITY", str(path))

    def start(page: str = "", **query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        return open_page(at, page).run() if page else at

    return start


def test_the_overview_warns_of_the_expiring_agreement_and_names_its_indicators(app):
    at = app()
    assert not at.exception
    warned = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))
    assert "MARAC information sharing agreement" in warned and "in 30 days" in warned
    assert "MARAC cases discussed" in warned and "Domestic abuse offences" in warned
    first_line = re.sub(r"\\(.)", r"\1", at.markdown[0].value)  # flagged on the first screen too
    assert "1 data sharing agreement expiring within 60 days" in first_line


def test_an_indicator_shows_its_owner_and_data_quality_beside_its_status(app):
    at = app("vawg", area="City of London", quarter="2024/25 Q4")
    assert not at.exception
    section = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in at.markdown))  # markdown escapes undone
    assert "VAWG co-ordinator" in section and "Head of Community Safety" in section
    assert "insufficient" in section and "timely and complete" in section
    assert "Stale: no figure since 2024/25 Q3" in section
    assert "MARAC information sharing agreement" in section
    badges = "".join(h.value for h in at.html)
    assert 'class="rag"' in badges  # the status is still there: quality is beside it, not instead


def test_the_overview_matrix_marks_a_stale_figure_beside_its_status(app):
    at = app(area="City of London", quarter="2024/25 Q4")
    matrix = next(h.value for h in at.html if 'class="matrix"' in h.value)
    row = matrix[matrix.index(">MARAC cases discussed<") :].split("</tr>")[0]
    assert 'class="rag"' in row and "Stale" in row


def test_a_mistake_in_a_deployments_declarations_shows_as_one_sentence_not_a_traceback(app, tmp_path, monkeypatch):
    broken = tmp_path / "broken_quality.toml"
    broken.write_text(RATED.format(target='indicator = "nope"', timely="sufficient", agreement="x"))
    monkeypatch.setenv("DASHBOARD_DATA_QUALITY", str(broken))
    at = app()
    assert not at.exception
    warned = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))
    assert 'broken_quality.toml, [[quality]] entry 1 ("nope"): "nope" is not an indicator of the catalogue.' in warned
    assert at.html  # the board's figures are still shown


def test_the_board_command_prints_each_indicators_owner_quality_and_stale_flag(sample_store_url, capsys):
    import json

    from data_loaders.__main__ import main

    args = ["board", "--area", "City of London", "--quarter", "2024/25 Q4", "--format", "json"]
    assert main([*args, "--db", sample_store_url]) == 0
    printed = {row["indicator"]: row for row in json.loads(capsys.readouterr().out)}
    marac = printed["MARAC cases discussed"]
    assert marac["status"] and marac["owner"] and marac["accountable lead"] and marac["data quality"]
    assert marac["stale"].startswith("Stale: no figure since 2024/25 Q3")
    assert printed["Custodial sentences"]["stale"] == ""
