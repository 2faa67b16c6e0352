"""In a real browser, against real servers: a fresh server's first request, a hostile upload beside
another user's session, text that tries to be markup, a foreign Host, a database that goes away and
comes back, and two app instances sharing one PostgreSQL store."""

import base64
import http.server
import os
import re
import shutil
import socket
import threading
import urllib.request

import pytest
from playwright.sync_api import expect

from cspdash.periods import Quarter
from cspdash.store import records
from cspdash.store.db import open_store
from cspdash.store.repository import save_returns
from data_loaders import load_file
from data_loaders.ingest import load_sample_if_empty
from tests.browser import choose, chromium, free_port, new_page, screenshot, streamlit_server
from tests.conftest import ROOT, _fresh_postgres
from tests.pg_cluster import PrivateCluster

BAD = ROOT / "tests" / "data" / "bad"
RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
Q4_LINK = "area=Hackney&quarter=2024/25+Q4"
NOT_PAGES = ("shared", "forms", "refused", "sign in", "no access")


@pytest.fixture(scope="module")
def browser():
    with chromium("--host-resolver-rules=MAP rebind.example 127.0.0.1") as launched:
        yield launched


@pytest.fixture
def store_copy(sample_store_url, tmp_path) -> str:
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def custody_cell(page):
    """Hackney's custody figure for the quarter in the overview's summary matrix, in either order."""
    return page.locator("table.matrix tbody tr", has_text="Custodial sentences").locator("td.num").first


def test_the_first_request_of_a_fresh_server_goes_through_the_router(store_copy, browser):
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}) as url:
        page = new_page(browser)
        page.goto(f"{url}/vawg?area=City+of+London&quarter=2023/24+Q2")
        expect(page.get_by_role("heading", name="VAWG and domestic abuse: City of London")).to_be_visible()
        nav = page.locator(".st-key-site-nav")
        expect(nav).to_contain_text("Upload returns")
        for name in NOT_PAGES:
            expect(nav).not_to_contain_text(re.compile(name, re.I))
        choose(page, "Quarter", "2022/23 Q1")  # the first interaction is not lost
        expect(page.get_by_text("2022/23 Q1 · source:")).to_be_visible()
        page.get_by_text("Charts and figures:").first.click()
        expect(page.locator(".js-plotly-plot").first).to_contain_text("2022/23 Q1")
        screenshot(page, "first_request.png")
        page.close()


def test_the_first_request_of_a_signed_out_person_meets_sign_in(store_copy, browser, tmp_path):
    (tmp_path / ".streamlit").mkdir()
    port = free_port()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\ncookie_secret = "{"s" * 32}"\n'
        'client_id = "dashboard"\nclient_secret = "x"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
    )
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}, cwd=tmp_path, port=port) as url:
        page = new_page(browser)
        page.goto(f"{url}/upload?{Q4_LINK}")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_text("Not allowed")).to_have_count(0)
        expect(page.locator(".st-key-site-nav")).to_have_count(0)
        expect(page.locator("input[type=file]")).to_have_count(0)
        page.close()


def test_a_hostile_upload_is_refused_while_another_session_keeps_being_served(store_copy, browser):
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}) as url:
        analyst, member = browser.new_context(), browser.new_context()
        upload = analyst.new_page()
        upload.goto(f"{url}/upload?{Q4_LINK}")
        upload.locator("input[type=file]").set_input_files(str(BAD / "sparse_far_cell.xlsx"))
        board = member.new_page()
        board.goto(f"{url}/?{Q4_LINK}")
        expect(upload.get_by_text("Refused: 1 problem(s)")).to_be_visible()
        expect(upload.get_by_text(re.compile("the sheet's cells reach XFD1048576"))).to_be_visible()
        expect(custody_cell(board)).to_have_text(re.compile(r"^\d+$"))
        board.get_by_text("By sub-group").click()  # the board member's session carries on
        expect(custody_cell(board)).to_have_text(re.compile(r"^\d+$"))
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as health:
            assert health.status == 200
        screenshot(upload, "hostile_upload.png")
        analyst.close()
        member.close()


class _Pixel(http.server.BaseHTTPRequestHandler):
    fetched: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        _Pixel.fetched.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_commentary_and_actions_that_look_like_markdown_are_shown_as_typed(store_copy, browser):
    pixel = http.server.HTTPServer(("127.0.0.1", 0), _Pixel)
    threading.Thread(target=pixel.serve_forever, daemon=True).start()
    image = f"![tracker](http://127.0.0.1:{pixel.server_port}/pixel.png)"
    engine = open_store(store_copy)
    quarter = Quarter(2024, 4)
    records.save_commentary(engine, "yj_custody", "Hackney", quarter, f"{image} **not bold** :red[plain]", "lead")
    records.add_action(engine, "chair", f"Check {image}", "<b>YJS</b>", None, "yj_custody", "Hackney", quarter)
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}) as url:
        page = new_page(browser)
        page.goto(f"{url}/youth_justice?{Q4_LINK}")
        expect(page.get_by_text(f"{image} **not bold** :red[plain]")).to_be_visible()
        expect(page.get_by_text(f"Check {image} — <b>YJS</b>", exact=False)).to_be_visible()
        expect(page.locator(f"img[src*='{pixel.server_port}']")).to_have_count(0)
        page.goto(f"{url}/?{Q4_LINK}")
        page.get_by_text("Every indicator in full").click()  # the commentary beside its figure
        expect(page.get_by_text(f"{image} **not bold**", exact=False).first).to_be_visible()
        screenshot(page, "markdown_as_text.png")
        page.close()
    pixel.shutdown()
    assert _Pixel.fetched == []


def websocket_handshake(port: int, host: str, origin: str | None = None) -> int:
    """The HTTP status a browser's WebSocket request to the app gets (101 means accepted)."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        + (f"Origin: {origin}\r\n" if origin else "")
        + "\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(request.encode())
        return int(connection.recv(1024).split(b"\r\n", 1)[0].split()[1])


def test_local_mode_refuses_a_foreign_host_at_the_door_and_in_the_app(store_copy, browser):
    """DNS rebinding: a page whose own name now points at 127.0.0.1 asks the local admin server."""
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}) as url:
        port = int(url.rsplit(":", 1)[1])
        assert websocket_handshake(port, f"127.0.0.1:{port}") == 101
        assert websocket_handshake(port, f"localhost:{port}", f"http://localhost:{port}") == 101
        assert websocket_handshake(port, f"rebind.example:{port}", f"http://rebind.example:{port}") == 403
        assert websocket_handshake(port, f"rebind.example:{port}") == 403
    # even if the door were left open (allowedHosts set to anything), the app gives such a page nothing
    with streamlit_server({"DASHBOARD_DATABASE_URL": store_copy}, options=("--server.allowedHosts", "*")) as url:
        port = int(url.rsplit(":", 1)[1])
        page = new_page(browser)
        page.goto(f"http://rebind.example:{port}/upload?{Q4_LINK}")
        expect(page.get_by_role("heading", name="Not available at this address")).to_be_visible()
        expect(page.locator("table.overview")).to_have_count(0)
        expect(page.locator(".st-key-site-nav")).to_have_count(0)
        page.close()


def unavailable(page) -> None:
    expect(page.get_by_role("heading", name="The dashboard's database cannot be reached")).to_be_visible()
    body = page.locator("body").inner_text()
    for leak in ("sqlalchemy", "psycopg", "SELECT", "Traceback", "127.0.0.1:", "/tmp/", "postgres"):
        assert leak not in body, leak


def test_a_database_stopped_and_started_again_while_the_app_runs(browser):
    cluster = PrivateCluster(free_port())
    try:
        cluster.start()
        load_sample_if_empty(open_store(cluster.url))
        with streamlit_server({"DASHBOARD_DATABASE_URL": cluster.url}) as url:
            page = new_page(browser)
            page.goto(f"{url}/?{Q4_LINK}")
            expect(custody_cell(page)).to_have_text(re.compile(r"^\d+$"))
            cluster.stop()
            page.get_by_text("By sub-group").click()
            unavailable(page)
            fresh = new_page(browser)  # someone opening the dashboard meanwhile
            fresh.goto(f"{url}/vawg?{Q4_LINK}")
            unavailable(fresh)
            screenshot(fresh, "database_down.png")
            cluster.start()  # nobody touches the pages: they come back by themselves
            expect(custody_cell(page)).to_have_text(re.compile(r"^\d+$"))
            expect(fresh.get_by_role("heading", name="VAWG and domestic abuse: Hackney")).to_be_visible()
            page.close()
            fresh.close()
    finally:
        cluster.remove()


def test_a_database_dropped_and_created_again_is_migrated_when_the_app_reconnects(
    browser, postgres_databases, postgres_url
):
    url_db = postgres_databases.create("dropped")
    load_sample_if_empty(open_store(url_db))
    name = url_db.rsplit("/", 1)[1]
    with streamlit_server({"DASHBOARD_DATABASE_URL": url_db}) as url:
        page = new_page(browser)
        page.goto(f"{url}/?{Q4_LINK}")
        expect(custody_cell(page)).to_have_text(re.compile(r"^\d+$"))
        postgres_databases.drop(name)
        page.get_by_text("By sub-group").click()
        unavailable(page)
        with postgres_databases.server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        expect(page.get_by_text("No figures are stored for Hackney yet")).to_be_visible()
        page.close()


def test_two_app_instances_on_one_postgres_show_each_others_changes(browser, postgres_url):
    url_db = _fresh_postgres(postgres_url)
    engine = open_store(url_db)
    load_sample_if_empty(engine)
    with (
        streamlit_server({"DASHBOARD_DATABASE_URL": url_db}) as first,
        streamlit_server({"DASHBOARD_DATABASE_URL": url_db}) as second,
    ):
        pages = [new_page(browser) for _ in (first, second)]
        for page, url in zip(pages, (first, second), strict=True):
            page.goto(f"{url}/?{Q4_LINK}")
            expect(custody_cell(page)).to_have_text(re.compile(r"^\d+$"))
        before = custody_cell(pages[1]).inner_text()
        revised = str(int(before) + 37)
        import openpyxl

        book = openpyxl.load_workbook(RETURN)
        book["Return"]["E11"] = int(revised)
        path = ROOT / "test-artifacts" / "revised_for_second_instance.xlsx"
        path.parent.mkdir(exist_ok=True)
        book.save(path)
        save_returns(engine, [load_file(path)], "analyst@hackney.gov.uk")  # as the first instance would
        for page in pages:
            page.get_by_text("By sub-group").click()  # the next rerun, nothing more
            expect(custody_cell(page)).to_have_text(revised)
        for page in pages:
            page.close()
    engine.dispose()
