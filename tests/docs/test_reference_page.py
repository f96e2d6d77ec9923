"""GET /docs and GET /docs/chat serve the contracts' reference pages as Redocly builds them, in the image too.

The committed pages (docs/api/) are what `make docs` builds from today's contracts; the server sends them
as read at start-up; the image's build context keeps them though it leaves the rest of docs/ out; and in
headless Chromium each page shows its contract with nothing but Redocly's logo fetched from elsewhere,
while Swagger UI lists "/" as the server.
"""

from __future__ import annotations

import fnmatch
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.async_api import Page, expect
from starlette.testclient import TestClient

from devtools.browser import chromium
from devtools.server import ServerProcess
from scripts.build_reference import PAGES, build
from server.config.paths import PROJECT_ROOT, REFERENCE_DIR
from tests.utils.app import app_client
from tests.utils.node_tools import require_node_tool
from tests.utils.system_packages import require_program

# Redoc draws its page from the contract inlined in it: the one image it fetches is Redocly's logo, from
# Redocly's CDN, hidden when unreachable (as it is here).
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/"


@pytest.fixture(scope="module")
def client(empty_database: Callable[[str, str], str]) -> Iterator[TestClient]:
    # The pages read no database; the lifespan opens one all the same.
    with app_client(empty_database("sqlite", "reference_page")) as client:
        yield client


@pytest.mark.slow
def test_the_committed_pages_are_a_fresh_build_of_the_contracts(tmp_path: Path) -> None:
    require_node_tool("redocly")
    build(tmp_path)
    for page in PAGES:
        fresh, committed = (
            (tmp_path / page.file_name).read_bytes(),
            (REFERENCE_DIR / page.file_name).read_bytes(),
        )
        assert fresh == committed, f"docs/api/{page.file_name} is stale: run `make docs` and commit it"


@pytest.mark.parametrize(("path", "file_name"), [("/docs", "index.html"), ("/docs/chat", "chat.html")])
def test_the_server_sends_the_committed_page(client: TestClient, path: str, file_name: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == (REFERENCE_DIR / file_name).read_bytes()


def _kept_by_dockerignore(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides; `!` keeps."""
    kept = True
    parents = [str(Path(*Path(path).parts[: n + 1])) for n in range(len(Path(path).parts))]
    for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        keep, pattern = pattern.startswith("!"), pattern.removeprefix("!")
        if any(fnmatch.fnmatchcase(parent, pattern) for parent in parents):
            kept = keep
    return kept


def test_the_image_keeps_the_reference_pages_and_leaves_the_rest_of_docs_and_node_modules_out() -> None:
    assert all(_kept_by_dockerignore(f"docs/api/{page.file_name}") for page in PAGES)
    assert not _kept_by_dockerignore("docs/api.md")
    assert not _kept_by_dockerignore("node_modules/.bin/redocly")
    assert _kept_by_dockerignore("server/handlers/docs.py")


# In Chromium, from a server process.


@pytest.fixture(scope="module")
def server(
    empty_database: Callable[[str, str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("reference") / "server.log"
    with ServerProcess(empty_database("sqlite", "reference_server"), log_path=log) as server:
        yield server


class Browsing(NamedTuple):
    page: Page
    # Every address the page asked for, to hold it to its own origin.
    fetched: list[str]

    def foreign(self, base_url: str) -> list[str]:
        own = (base_url, "data:", "blob:", REDOCLY_LOGO)
        return [url for url in self.fetched if not url.startswith(own)]


@pytest.fixture
async def browsing() -> AsyncIterator[Browsing]:
    async with chromium(require_program("chromium", "chromium")) as browser:
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        yield Browsing(page, fetched)


@pytest.mark.slow
async def test_docs_shows_the_api_reference_in_chromium(server: ServerProcess, browsing: Browsing) -> None:
    page = browsing.page
    await page.goto(f"{server.base_url}/docs")
    await expect(page.get_by_role("heading", name="Records and Shop service (1.0.0)")).to_be_visible()
    await expect(page.get_by_text("The server that served this contract")).to_be_visible()
    # The sidebar has every tag; the page lists their operations (the first few of each until "+ Show").
    for tag in ("records", "items", "carts", "health", "observability", "chat", "reference"):
        await expect(page.get_by_role("link", name=tag, exact=True)).to_be_visible()
    for operation in ("post /new", "get /{key}", "get /item/{id}", "post /cart/{cart_id}/add/{item_id}"):
        await expect(page.get_by_role("link", name=operation, exact=True)).to_be_attached()
    assert browsing.foreign(server.base_url) == []


@pytest.mark.slow
async def test_docs_chat_shows_the_asyncapi_reference_in_chromium(
    server: ServerProcess, browsing: Browsing
) -> None:
    page = browsing.page
    await page.goto(f"{server.base_url}/docs/chat")
    await expect(
        page.get_by_role("heading", name="Records and Shop service, chat rooms 1.0.0")
    ).to_be_visible()
    await expect(page.get_by_text("A chat room").first).to_be_visible()
    assert browsing.foreign(server.base_url) == []


@pytest.mark.slow
async def test_swagger_ui_lists_the_root_as_the_server(server: ServerProcess, browsing: Browsing) -> None:
    await browsing.page.goto(f"{server.base_url}/ui/")
    await expect(browsing.page.locator(".servers select option")).to_have_text(["/"])
