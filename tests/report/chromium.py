"""Headless Debian Chromium through Playwright (no browser download): the flags that keep it
offline and quiet on a shared machine."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[Page]:
    path = chromium_path()
    if path is None:
        raise RuntimeError("chromium is not installed (make test installs it with apt-get)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def screenshot_report(html_file: Path, png: Path) -> None:
    with chromium_page() as page:
        page.goto(html_file.resolve().as_uri())
        page.screenshot(path=str(png), full_page=True)
