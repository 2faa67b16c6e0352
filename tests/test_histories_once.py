"""One store version prepares each area's histories once, whatever pages and sessions ask for them:
the overview, every sub-group page, areas side by side, meeting mode and the board pack, for an
analyst and for a viewer, in several sessions, read the same prepared histories."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

import cspdash.board
from cspdash.catalogue import load_catalogue
from tests.conftest import ROOT
from tests.streamlit_app import open_page

AREAS = ["Hackney", "City of London"]
PAGES = ["../pages/compare.py", "../pages/meeting.py", "../pages/boardpack.py"]
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture
def own_store(sample_store_url, tmp_path, monkeypatch):
    """A copy of the sample store at a path of its own: no service has prepared anything from it yet."""
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{target}")
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nanalyst = ["@hackney.gov.uk"]\nviewer = ["@cityoflondon.gov.uk"]\n')
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))


@pytest.fixture
def prepared(monkeypatch) -> Counter:
    """Each history prepared, counted by (area, indicator, from published figures or as stored)."""
    counts: Counter = Counter()
    original = cspdash.board.prepare

    def counted(ind, rows, releases=None, with_provenance=False):
        area = rows["area"].iloc[0] if "area" in rows and not rows.empty else None
        counts[(area, ind.id, "withheld" in rows.columns)] += 1
        return original(ind, rows, releases, with_provenance)

    monkeypatch.setattr(cspdash.board, "prepare", counted)
    return counts


def session(email: str | None = None) -> AppTest:
    """A new browser session: local mode (an admin at 127.0.0.1), or signed in with this address."""
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=120)
    if email:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    return at.run()


def walk_every_page(at: AppTest) -> None:
    """Every page for every area, as a board member clicking through would."""
    subgroups = [s.id for s in load_catalogue().subgroups]
    for area in AREAS:
        at.sidebar.selectbox(key="area").select(area).run()
        assert not at.exception, at.exception
        for url_path in subgroups:
            open_page(at, url_path).run()
            assert not at.exception, (url_path, at.exception)
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
        at.switch_page("../pages/overview.py").run()
        assert not at.exception


def test_every_page_and_session_reads_histories_prepared_once(own_store, prepared):
    walk_every_page(session())  # an admin (figures as stored, statuses on the published figures)
    first_walk = Counter(prepared)
    assert {area for area, _, _ in first_walk} >= set(AREAS)
    assert any(published for _, _, published in first_walk) and any(not p for _, _, p in first_walk)

    walk_every_page(session("member@cityoflondon.gov.uk"))  # a viewer (published figures only)
    walk_every_page(session("analyst@hackney.gov.uk"))  # another analyst, in a session of their own
    walk_every_page(session())

    twice = {key: count for key, count in prepared.items() if count > 1}
    assert not twice, f"prepared more than once for one store version: {sorted(twice)[:5]}"


def test_the_count_would_see_a_history_prepared_again(own_store, prepared):
    """The check above can fail: a new store version (a changed store) prepares the histories again."""
    from cspdash.store.db import open_store
    from cspdash.store.records import add_action
    from pages import shared

    at = session()
    at.switch_page("../pages/overview.py").run()
    before = sum(prepared.values())
    assert before > 0
    engine = open_store(shared.database_url())
    add_action(engine, "someone", "Review custody cases", "YOT manager", indicator="yj_custody", area="Hackney")
    session().switch_page("../pages/overview.py").run()
    assert any(count > 1 for count in prepared.values())


def test_the_first_visitor_finds_the_board_prepared_when_the_store_changes(own_store, prepared):
    """The server prepares the first area's board quarter when it starts and whenever the store changes
    (`keep_warm`, started by scripts/serve.py): the first session of a new store version prepares nothing."""
    from cspdash.store.db import open_store, store_version
    from cspdash.store.records import add_action
    from pages import runtime, shared

    url = shared.database_url()
    warmed = runtime._warm(url, None)
    assert warmed == store_version(open_store(url)) and sum(prepared.values()) > 0
    prepared.clear()
    for email in (None, "member@cityoflondon.gov.uk"):  # an admin, then a viewer
        at = session(email)
        assert not at.exception
        assert not prepared, f"the first visit prepared {sorted(prepared)[:3]}"
    assert runtime._warm(url, warmed) == warmed and not prepared  # nothing changed: nothing to do

    add_action(
        open_store(url), "someone", "Review custody cases", "YOT manager", indicator="yj_custody", area="Hackney"
    )
    assert runtime._warm(url, warmed) == warmed + 1 and prepared
    prepared.clear()
    assert not session().exception and not prepared
