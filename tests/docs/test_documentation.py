"""The documentation holds together: the README is the front door to docs/, one page a subject.

Every `make` target the pages name exists, every relative link leads to a file (and every anchor to a
heading), every page of docs/ is linked from the README, docs/configuration.md names every setting, and the
Markdown line check that `make lint` runs refuses a line over 120 characters wherever it stands.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from server.config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAKEFILE = ROOT / "Makefile"
MARKDOWN_CONFIG = ROOT / ".pymarkdown.json"
LINE_LIMIT = 120

FENCED_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
# `make [VAR=value | -option]... target`: the first word that is neither is the target.
MAKE_COMMAND = re.compile(r"(?<![\w./-])make(?:\s+(?:\w+=\S*|-\S+))*\s+([A-Za-z0-9][\w-]*)")
MAKE_RULE = re.compile(r"^([A-Za-z0-9][\w.-]*(?:[ \t]+[A-Za-z0-9][\w.-]*)*)[ \t]*:(?![:=])")
INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _code(markdown: str) -> list[str]:
    """The text of every fenced code block and code span: where a command is written as one."""
    blocks = [match.group(2) for match in FENCED_BLOCK.finditer(markdown)]
    spans = [match.group(2) for match in CODE_SPAN.finditer(FENCED_BLOCK.sub("", markdown))]
    return blocks + spans


def _prose(markdown: str) -> str:
    """The Markdown without its code, where a bracket is not a link."""
    return CODE_SPAN.sub("", FENCED_BLOCK.sub("", markdown))


def _make_targets_named(markdown: str) -> set[str]:
    return {target for code in _code(markdown) for target in MAKE_COMMAND.findall(code)}


def _makefile_targets() -> set[str]:
    rules = (MAKE_RULE.match(line) for line in MAKEFILE.read_text().splitlines())
    return {target for rule in rules if rule for target in rule.group(1).split()}


def _relative_links(page: Path) -> list[tuple[str, Path, str]]:
    """Each relative link of the page: as written, the file it leads to, and its anchor (or "")."""
    prose = _prose(page.read_text())
    targets = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    links = []
    for target in targets:
        if URL_SCHEME.match(target):
            continue
        path, _, anchor = unquote(target).partition("#")
        links.append((target, (page.parent / path).resolve() if path else page, anchor))
    return links


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces as hyphens."""
    slugs = [re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in _headings(page)]
    seen: dict[str, int] = {}
    anchors = set()
    for slug in slugs:
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _headings(page: Path) -> list[str]:
    return HEADING.findall(FENCED_BLOCK.sub("", page.read_text()))


def _markdown_check_arguments() -> list[str]:
    """The arguments `make lint` gives pymarkdown, read from the Makefile's lint recipe."""
    lines = MAKEFILE.read_text().replace("\\\n", " ").splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("lint:"))
    for line in itertools.takewhile(lambda line: line.startswith("\t"), lines[start + 1 :]):
        words = shlex.split(line)
        program = next((index for index, word in enumerate(words) if word.endswith("pymarkdown")), None)
        if program is not None:
            return words[program + 1 :]
    raise AssertionError("the Makefile's lint recipe runs no pymarkdown")


def _document(kind: str, length: int) -> str:
    """A Markdown document whose longest line, of the given kind, is `length` characters long."""
    words = ("word " * length)[: length - 1] + "x"
    documents = {
        "text": f"# Title\n\n{words}\n",
        "heading": f"# Title\n\n## {words[3:]}\n",
        "code block": f"# Title\n\n```text\n{words}\n```\n",
        "table row": f"# Title\n\n| a | b |\n|---|---|\n| {words[8:]} | b |\n",
    }
    document = documents[kind]
    assert max(len(line) for line in document.splitlines()) == length
    return document


def _markdown_check(directory: Path, kind: str, length: int) -> subprocess.CompletedProcess[str]:
    """Run `make lint`'s Markdown check, with the repository's configuration, on one file in a directory."""
    shutil.copy(MARKDOWN_CONFIG, directory / MARKDOWN_CONFIG.name)
    (directory / "page.md").write_text(_document(kind, length))
    command = [sys.executable, "-m", "pymarkdown", *_markdown_check_arguments()]
    return subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)
def test_every_make_target_a_page_names_exists_in_the_makefile(page: Path) -> None:
    missing = _make_targets_named(page.read_text()) - _makefile_targets()
    assert not missing, f"{page.name} names make targets the Makefile lacks: {sorted(missing)}"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)
def test_every_relative_link_leads_to_a_file(page: Path) -> None:
    broken = [target for target, path, _ in _relative_links(page) if not path.exists()]
    assert not broken, f"{page.name} links to files that do not exist: {broken}"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)
def test_every_anchor_of_a_relative_link_names_a_heading(page: Path) -> None:
    broken = [
        target
        for target, path, anchor in _relative_links(page)
        if anchor and path.suffix == ".md" and path.exists() and anchor not in _anchors(path)
    ]
    assert not broken, f"{page.name} links to headings that do not exist: {broken}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {path for _, path, _ in _relative_links(README)}
    unlinked = [page.name for page in sorted(DOCS.glob("*.md")) if page.resolve() not in linked]
    assert not unlinked, f"README.md does not link to docs/{unlinked}"


def test_configuration_page_names_every_environment_variable_of_the_settings() -> None:
    text = (DOCS / "configuration.md").read_text()
    variables = [name.upper() for name in Settings.model_fields]
    missing = [name for name in variables if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", text)]
    assert not missing, f"docs/configuration.md does not name {missing}"


@pytest.mark.parametrize("kind", ["text", "heading", "code block", "table row"])
def test_markdown_check_fails_on_a_line_over_the_limit(tmp_path: Path, kind: str) -> None:
    result = _markdown_check(tmp_path, kind, LINE_LIMIT + 1)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "MD013" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["text", "heading", "code block", "table row"])
def test_markdown_check_passes_a_line_at_the_limit(tmp_path: Path, kind: str) -> None:
    result = _markdown_check(tmp_path, kind, LINE_LIMIT)
    assert result.returncode == 0, result.stdout + result.stderr
