"""Drive Debian's headless Chromium for tests, with the network blocked.

Used by ``tests/test_webmap_browser.py``. Chromium runs with a fresh profile,
no background networking, every request sent to a proxy on a closed local port
(so nothing reaches the internet) and, in addition, the DevTools network
emulation set to offline. ``window.alert``/``confirm``/``prompt`` are replaced
before any page script runs so a script injected through data would be
counted in ``window.__pgAlerts`` instead of blocking the page.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
from pathlib import Path
from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

_ALERT_HOOK = """
window.__pgAlerts = [];
window.alert = function (m) { window.__pgAlerts.push(String(m)); };
window.confirm = function (m) { window.__pgAlerts.push(String(m)); return false; };
window.prompt = function (m) { window.__pgAlerts.push(String(m)); return null; };
"""


def available() -> bool:
    """True if Chromium and chromedriver are installed."""
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chromium(width: int = 1200, height: int = 800) -> Iterator[object]:
    """Yield a selenium Chrome driver on headless Chromium with the network blocked."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="pg-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", f"--window-size={width},{height}",
        f"--proxy-server=http://127.0.0.1:{_closed_port()}", "--proxy-bypass-list=<-loopback>",
        "--allow-file-access-from-files",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _ALERT_HOOK})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list:
    """Browser-log entries of level SEVERE (JavaScript errors, failed loads)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def png_pixel_std(png: Path) -> float:
    """Standard deviation of the grey levels of a PNG (0 for a blank image)."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as img:
        grey = np.asarray(img.convert("L"), dtype=float)
    return float(grey.std())


def click_at(driver, x: float, y: float) -> None:
    """Move the mouse to viewport pixel (x, y) and click there."""
    from selenium.webdriver.common.action_chains import ActionChains

    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(round(x)), int(round(y)))
    actions.w3c_actions.pointer_action.click()
    actions.perform()


def hover_at(driver, x: float, y: float) -> None:
    """Move the mouse to viewport pixel (x, y)."""
    from selenium.webdriver.common.action_chains import ActionChains

    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(round(x)), int(round(y)))
    actions.perform()
