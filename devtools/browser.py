"""Headless Chromium driven by Playwright: Debian's `chromium`, never Playwright's own download."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the rest keeps a run from
# reaching the network or doing first-run work.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@asynccontextmanager
async def chromium(executable: str = CHROMIUM) -> AsyncIterator[Browser]:
    """Debian's chromium (tests find it with tests.utils.system_packages.require_program)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
