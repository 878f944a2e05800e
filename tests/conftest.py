"""Fixtures shared by the tests: a headless browser (for the step player and the worksheet page)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def _browser() -> tuple[str, str] | None:
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (chrome, driver) if chrome and driver else None


@pytest.fixture
def browser(tmp_path: Path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    found = _browser()
    if found is None:
        pytest.skip("no headless browser: install Debian chromium and chromium-driver (.ci/run does)")
    chrome, driver = found
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=driver, log_output=subprocess.DEVNULL)
    b = webdriver.Chrome(options=options, service=service)
    b.set_page_load_timeout(30)
    yield b
    b.quit()
