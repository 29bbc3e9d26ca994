"""The lineage page in a real headless Chromium (Debian's): it loads, draws the known graph, a click navigates."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import neo4j
import pytest

from known_graph import load
from lineage_stream.api.app import VENDOR_SCRIPT, create_app
from lineage_stream.query.store import GraphReader
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(services):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: 'make browser' installs Debian's chromium package")
    if not VENDOR_SCRIPT.exists():
        pytest.fail("the page's graph library is missing: 'make install' fetches Cytoscape.js from npm")
    import uvicorn

    driver = neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password))
    load(services, driver)
    driver.close()
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    port = _free_port()
    with GraphReader(settings, timeout_s=10) as reader:
        server = uvicorn.Server(uvicorn.Config(create_app(reader), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the API did not start"
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 800})
        try:
            yield context.new_page()
        finally:
            context.close()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_page_draws_the_lineage_and_a_click_navigates(site, page, tmp_path) -> None:
    page.goto(f"{site}/?dataset=s3a://lake/raw/orders/dt=2026-11-20&depth=3")
    page.wait_for_selector('#status[data-state="drawn"]', timeout=20_000)
    assert "to s3://lake raw/orders" in page.inner_text("#status")
    drawn = page.evaluate("""() => ({
        datasets: window.lineageGraph.nodes('[kind = "dataset"]').map(n => n.id()).sort(),
        jobs: window.lineageGraph.nodes('[kind = "job"]').length,
        edges: window.lineageGraph.edges().length })""")
    pg = "postgres://orders-db.internal:5432"
    assert drawn["datasets"] == sorted([
        "dataset:s3://lake:raw/orders", f"dataset:{pg}:shop.public.orders", f"dataset:{pg}:shop.public.customers",
        "dataset:s3://lake:curated/orders_enriched", "dataset:snowflake://acme-analytics:ANALYTICS.MARTS.REVENUE_DAILY",
        "dataset:s3://legacy-lake:orders_enriched_v1", "dataset:s3://lake:ml/order_scores"])
    assert drawn["jobs"] == 4
    page.screenshot(path=str(tmp_path / "lineage-page.png"))

    # a click on a job lists its runs, failures first to the eye
    job = page.evaluate("""() => window.lineageGraph.$id('job:airflow-prod:nightly_orders.extract_orders').renderedPosition()""")
    box = page.locator("#graph").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + job["x"], box["y"] + job["y"])
    page.wait_for_selector('#runs[data-state="shown"] li', timeout=10_000)
    runs = page.locator("#runs li").all_inner_texts()
    assert [r.split()[0] for r in runs] == ["FAIL", "COMPLETE"]

    # a real mouse click on the drawn node of the curated dataset
    box = page.locator("#graph").bounding_box()
    assert box is not None
    spot = page.evaluate("""() => window.lineageGraph.$id('dataset:s3://lake:curated/orders_enriched').renderedPosition()""")
    with page.expect_navigation():
        page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    page.wait_for_selector('#status[data-state="drawn"]', timeout=20_000)
    assert "dataset=s3%3A%2F%2Flake+curated%2Forders_enriched" in page.url
    assert "to s3://lake curated/orders_enriched" in page.inner_text("#status")
    focus = page.evaluate("() => window.lineageGraph.nodes('[focus = \"yes\"]').map(n => n.id())")
    assert focus == ["dataset:s3://lake:curated/orders_enriched"]


def test_page_reports_an_unknown_dataset(site, page) -> None:
    page.goto(f"{site}/?dataset=s3://lake/nothing_here")
    page.wait_for_selector('#status[data-state="error"]', timeout=20_000)
    assert "no dataset matches" in page.inner_text("#status")
