"""Fixtures for the dashboard's real-browser tests: Debian's Chromium driven by Playwright.

There is no browser download on this machine: Playwright is pointed at /usr/bin/chromium. Without it the
browser tests are skipped (with the reason) so the rest of the suite still runs; CI installs it.
"""

import os
import tempfile
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_test_failed = report.failed


@pytest.fixture
def page(request, live_server, settings):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there otherwise.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Sign-in lockout would only get in the way of a scripted browser.
    settings.AXES_ENABLED = False
    from playwright.sync_api import sync_playwright

    shots: list[tuple[str, bytes]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        size = getattr(request, "param", None) or DESKTOP
        context = browser.new_context(accept_downloads=True, base_url=live_server.url, viewport=size)
        tab = context.new_page()
        tab.set_default_timeout(15_000)

        def snap(name: str) -> None:
            """Keep a picture of a main page; written to disk only if the test fails."""
            shots.append((name, tab.screenshot(full_page=True)))

        def artifact(name: str) -> Path:
            """A picture of the page as it is now, at the viewport's size, kept in test-artifacts/ on every run
            (not only on failure) so a reviewer can look at every page; returns its path."""
            ARTIFACTS.mkdir(exist_ok=True)
            size = tab.viewport_size or {"width": 0, "height": 0}
            path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
            tab.screenshot(path=str(path), full_page=True)
            return path

        tab.snap = snap
        tab.artifact = artifact
        tab.browser_context = context
        try:
            yield tab
        finally:
            if getattr(request.node, "browser_test_failed", False):
                try:
                    shots.append(("at-failure", tab.screenshot(full_page=True)))
                except Exception:  # the page may be gone; the earlier pictures still help
                    pass
                folder = Path(tempfile.mkdtemp(prefix=f"screenshots-{request.node.name}-"))
                for number, (name, data) in enumerate(shots, start=1):
                    (folder / f"{number:02d}-{name}.png").write_bytes(data)
                print(f"\nScreenshots of {request.node.name} saved in {folder}")
            context.close()
            browser.close()
            # Inside sync_playwright() the test body sees its own asgiref context, hence its own Django
            # connection, which the test database teardown (outside it) would never close.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
