"""The HTML pages in a real headless browser (Chromium from Debian, driven by Selenium):
open the home page, follow links to a document and to an entity, take screenshots.

Screenshots go to ``$PROVLD_SCREENSHOTS`` (the README's pictures were taken this way) or
to a temporary directory. The test is skipped, with the reason, when Chromium or its
driver is not installed (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .conftest import serve_demo

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_demo(tmp_path_factory.mktemp("browser") / "store") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,900",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("PROVLD_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_home_document_and_entity_pages(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    shots = _shots(tmp_path)
    browser.get(server + "/")
    assert "provld" in browser.title
    counts = browser.find_element(By.CSS_SELECTOR, ".counts").text
    assert "documents" in counts and "activities" in counts
    assert browser.save_screenshot(str(shots / "home.png"))

    browser.find_element(By.PARTIAL_LINK_TEXT, "cta-pipeline.json").click()
    assert "/graph/" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Document")

    browser.get(server + "/search?q=dl3")
    links = browser.find_elements(By.CSS_SELECTOR, "main li a")
    assert links, "the search finds the DL3 products"
    links[0].click()
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading
    body = browser.find_element(By.TAG_NAME, "main").text
    assert "Description" in body and "Other formats" in body
    assert browser.save_screenshot(str(shots / "entity.png"))

    # every link on the page leads somewhere that answers
    hrefs = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")}
    internal = sorted(h for h in hrefs if h and h.startswith(server))[:25]
    for href in internal:
        assert requests.get(href, timeout=10).status_code == 200, href

    browser.find_element(By.LINK_TEXT, "Turtle").click()
    assert "@prefix" in browser.page_source or "prov" in browser.page_source


def test_neighbourhood_picture_and_views(server: str, browser, tmp_path: Path) -> None:
    """An entity page draws its neighbourhood (an SVG whose nodes are links) and leads to
    the workflow view, whose table links back to the activities."""
    from selenium.webdriver.common.by import By

    shots = _shots(tmp_path)
    browser.get(server + "/search?q=DL3 event list and IRFs, LST-3")
    browser.find_elements(By.CSS_SELECTOR, "main li a")[0].click()
    assert browser.find_element(By.TAG_NAME, "h1").text.endswith("LST-3 run 1000")
    figure = browser.find_element(By.CSS_SELECTOR, "figure.neighbourhood object")
    assert figure.size["height"] > 100, "the picture is drawn"
    picture = requests.get(figure.get_attribute("data"), timeout=10)
    assert picture.headers["Content-Type"].startswith("image/svg+xml")
    assert "xlink:href=" in picture.text
    entity_url = browser.current_url
    height = browser.execute_script("return document.body.scrollHeight")
    size = browser.get_window_size()
    browser.set_window_size(size["width"], min(int(height) + 120, 4000))
    assert browser.save_screenshot(str(shots / "product.png"))
    browser.set_window_size(size["width"], size["height"])

    browser.find_element(By.LINK_TEXT, "Workflow").click()
    assert "/views/workflow" in browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "table.view tbody tr")
    assert len(rows) == 5, "five steps from raw data to a DL3 product"
    assert browser.save_screenshot(str(shots / "workflow.png"))
    rows[0].find_element(By.CSS_SELECTOR, "th a").click()
    assert "calibration of" in browser.find_element(By.TAG_NAME, "h1").text

    browser.get(entity_url)
    browser.find_element(By.LINK_TEXT, "Credits").click()
    assert "Credits" in browser.find_element(By.TAG_NAME, "h1").text
    assert "analyst" in browser.find_element(By.TAG_NAME, "main").text
