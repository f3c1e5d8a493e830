"""The headless Chromium that the tests of pages (the drawing's step-through page, the class
report) open: Debian's chromium and chromium-driver driven by selenium, nothing downloaded.
Skips the test when one of them is missing."""

from __future__ import annotations

import shutil
from typing import Any

import pytest


def new_browser(width: int = 1200, height: int = 800) -> Any:
    """A selenium Chrome driver on the system's Chromium (the caller quits it)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("no browser: install Debian's chromium and chromium-driver (apt-get install chromium "
                    "chromium-driver) to run the pages in headless Chromium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)
