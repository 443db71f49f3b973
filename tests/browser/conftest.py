"""Browser-test fixtures: a small real database, the real server, headless Chromium.

The database is a slice of the bundled sample (feedback, customers, purchases) run
through the real pipeline with the tests' fast hashing embedder. The server is the
app ``textinsight serve`` runs, under uvicorn in a thread on a free 127.0.0.1 port.
Chromium is the Debian ``chromium`` + ``chromium-driver`` pair, driven by Selenium;
without them every test here is skipped with the command that installs them.

Screenshots go to ``out/screenshots/`` (override with ``TEXTINSIGHT_SCREENSHOTS``).
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE

INSTALL = (
    "Browser tests need Chromium and its driver: `sudo apt-get install -y chromium "
    "chromium-driver` (Debian/Ubuntu) and `pip install selenium` (in the dev extras)."
)
READ_KEY = "browser-read-key-0123456789"
WRITE_KEY = "browser-write-key-0123456789"
FEEDBACK_ROWS = 600
SCREENSHOTS = Path(os.environ.get("TEXTINSIGHT_SCREENSHOTS", ROOT / "out" / "screenshots"))
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _binary(*names: str) -> str | None:
    return next((found for n in names if (found := shutil.which(n))), None)


def _chromium() -> tuple[str, str]:
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip(f"selenium is not installed. {INSTALL}")
    browser = _binary("chromium", "chromium-browser", "google-chrome")
    driver = _binary("chromedriver", "chromium-driver")
    if browser is None or driver is None:
        pytest.skip(f"Chromium or chromedriver is not on PATH. {INSTALL}")
    return browser, driver


@dataclass
class Server:
    """The running app: its URL and database file."""

    url: str
    db: Path


def _sample_slice(path: Path, n: int) -> Path:
    """Every k-th row of the sample feedback, n rows, so all months and channels appear."""
    with (SAMPLE / "feedback.csv").open(encoding="utf-8", newline="") as src:
        rows = list(csv.reader(src))
    step = max(1, (len(rows) - 1) // n)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(rows[0])
        writer.writerows(rows[1::step][:n])
    return path


def run_pipeline_on(db: Path) -> int:
    """Run the real pipeline with the hashing embedder; return the new run id."""
    from textinsight.pipeline import run_pipeline
    from textinsight.stages.embed import HashingEmbedder
    from textinsight.store import Store

    with Store(db) as store:
        return run_pipeline(store, HashingEmbedder(), seed=0).id


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    return _chromium()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[Server]:
    import uvicorn

    from api.main import create_app
    from textinsight.config import Settings
    from textinsight.pipeline import ingest_file
    from textinsight.store import Store

    folder = tmp_path_factory.mktemp("browser")
    db = folder / "dashboard.db"
    with Store(db) as store:
        ingest_file(store, _sample_slice(folder / "feedback.csv", FEEDBACK_ROWS))
        ingest_file(store, SAMPLE / "customers.csv", "customers")
        ingest_file(store, SAMPLE / "purchases.csv", "purchases")
    run_pipeline_on(db)
    settings = Settings(db=db, api_keys=f"{READ_KEY}:read,{WRITE_KEY}:write", model="hashing")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", db)
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,800")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    downloads = tmp_path_factory.mktemp("downloads")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.downloads = downloads  # type: ignore[attr-defined]
    driver.set_window_size(1280, 800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
