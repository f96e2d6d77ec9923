"""A contract that breaks a client of the released one fails `make lint`, unless info.version's major moved.

scripts/contract_breaks.py compares openapi/openapi.yaml with the contract at the latest `contract-v*` tag:
every kind of break fails, additive changes pass, a later commit does not make an earlier break pass, a
moved major does, and a clone without tags still finds the release by its commit's trailer.
"""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.contract_breaks import Release, breaking_changes, check, main, released_contract
from server.config.paths import PROJECT_ROOT, SPEC_PATH

Contract = dict[str, Any]
Change = Callable[[Contract], None]

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def released() -> Contract:
    """A small released contract: a list with a query parameter, and one item to create and read."""
    item = {"$ref": "#/components/schemas/Item"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1.2.0"},
        "paths": {
            "/item": {
                "get": {
                    "operationId": "list_items",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
                    ],
                    "responses": {
                        "200": {"description": "Items.", "content": _json({"type": "array", "items": item})}
                    },
                },
                "post": {
                    "operationId": "create_item",
                    "requestBody": {"required": True, "content": _json({"$ref": "#/components/schemas/New"})},
                    "responses": {"201": {"description": "Created.", "content": _json(item)}},
                },
            },
            "/item/{id}": {
                "get": {
                    "operationId": "get_item",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "200": {"description": "The item.", "content": _json(item)},
                        "404": {"description": "None.", "content": copy.deepcopy(PROBLEM)},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "New": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {"name": {"type": "string", "maxLength": 50}, "note": {"type": "string"}},
                },
                "Item": {
                    "type": "object",
                    "required": ["id", "name", "state"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "state": {"type": "string", "enum": ["new", "old"]},
                    },
                },
                "Problem": {"type": "object"},
            }
        },
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _get(contract: Contract, path: str = "/item", method: str = "get") -> dict[str, Any]:
    operation: dict[str, Any] = contract["paths"][path][method]
    return operation


def _schema(contract: Contract, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = contract["components"]["schemas"][name]
    return schema


def _changed(change: Change) -> Contract:
    contract = released()
    change(contract)
    return contract


BREAKING: dict[str, Change] = {
    "operation removed": lambda c: c["paths"]["/item"].pop("post"),
    "query parameter removed": lambda c: _get(c)["parameters"].pop(1),
    "new required parameter": lambda c: _get(c)["parameters"].append(
        {"name": "shop", "in": "query", "required": True, "schema": {"type": "string"}}
    ),
    "parameter became required": lambda c: _get(c)["parameters"][0].update(required=True),
    "request enum value removed": lambda c: _get(c)["parameters"][1]["schema"].update(enum=["a"]),
    "parameter type narrowed": lambda c: _get(c)["parameters"][1]["schema"].update(type="integer"),
    "maximum lowered": lambda c: _get(c)["parameters"][0]["schema"].update(maximum=10),
    "request property removed": lambda c: _schema(c, "New")["properties"].pop("note"),
    "new required request property": lambda c: _schema(c, "New").update(required=["name", "note"]),
    "maxLength lowered": lambda c: _schema(c, "New")["properties"]["name"].update(maxLength=10),
    "response property removed": lambda c: _schema(c, "Item")["properties"].pop("name"),
    "response property no longer required": lambda c: _schema(c, "Item").update(required=["id", "state"]),
    "response type changed": lambda c: _schema(c, "Item")["properties"]["id"].update(type="string"),
    "response enum value added": lambda c: _schema(c, "Item")["properties"]["state"]["enum"].append("gone"),
    "success response removed": lambda c: _get(c, "/item/{id}")["responses"].pop("200"),
    "credentials now required": lambda c: c.update(security=[{"token": []}]),
}

ADDITIVE: dict[str, Change] = {
    "operation added": lambda c: c["paths"].update(
        {"/docs": {"get": {"responses": {"200": {"description": "Page."}}}}}
    ),
    "optional parameter added": lambda c: _get(c)["parameters"].append(
        {"name": "offset", "in": "query", "schema": {"type": "integer"}}
    ),
    "optional request property added": lambda c: _schema(c, "New")["properties"].update(
        size={"type": "integer"}
    ),
    "response property added": lambda c: _schema(c, "Item")["properties"].update(price={"type": "number"}),
    "request enum value added": lambda c: _get(c)["parameters"][1]["schema"]["enum"].append("c"),
    "maximum raised": lambda c: _get(c)["parameters"][0]["schema"].update(maximum=1000),
    "error response added": lambda c: _get(c)["responses"].update(
        {"422": {"description": "Invalid.", "content": copy.deepcopy(PROBLEM)}}
    ),
    "descriptions, servers and security: []": lambda c: c.update(
        servers=[{"url": "/"}], security=[], info={**c["info"], "description": "More words."}
    ),
    "path parameter renamed": lambda c: c["paths"].update({"/item/{item_id}": _renamed_path(c)}),
}


def _renamed_path(contract: Contract) -> dict[str, Any]:
    item: dict[str, Any] = contract["paths"].pop("/item/{id}")
    item["get"]["parameters"][0]["name"] = "item_id"
    return item


@pytest.mark.parametrize("change", list(BREAKING))
def test_a_breaking_change_is_found(change: str) -> None:
    assert breaking_changes(released(), _changed(BREAKING[change])) != []


@pytest.mark.parametrize("change", list(ADDITIVE))
def test_an_additive_change_breaks_nothing(change: str) -> None:
    assert breaking_changes(released(), _changed(ADDITIVE[change])) == []


def test_a_break_names_the_operation_and_what_broke() -> None:
    assert breaking_changes(released(), _changed(BREAKING["new required parameter"])) == [
        "GET /item: the query parameter 'shop' is new and required"
    ]


def test_a_shared_schema_breaks_every_operation_that_answers_with_it() -> None:
    breaks = breaking_changes(released(), _changed(BREAKING["response property removed"]))
    assert [line.split(":")[0] for line in breaks] == ["GET /item", "POST /item", "GET /item/{id}"]


def test_a_break_passes_only_when_the_major_moves() -> None:
    release = Release("contract-v1", released())
    broken = _changed(BREAKING["operation removed"])
    assert check(release, broken)[0] is False
    broken["info"]["version"] = "2.0.0"
    passed, lines = check(release, broken)
    assert passed is True
    assert "POST /item: the operation was removed" in lines[1]
    broken["info"]["version"] = "0.9.0"
    assert check(release, broken)[0] is False


def test_the_command_fails_a_breaking_contract_and_passes_an_additive_one(tmp_path: Path) -> None:
    base, broken, grown = (tmp_path / name for name in ("base.yaml", "broken.yaml", "grown.yaml"))
    base.write_text(yaml.safe_dump(released()))
    broken.write_text(yaml.safe_dump(_changed(BREAKING["query parameter removed"])))
    grown.write_text(yaml.safe_dump(_changed(ADDITIVE["optional parameter added"])))
    assert main(["--base", str(base), str(broken)]) == 1
    assert main(["--base", str(base), str(grown)]) == 0


# Against git: the release is a tag, or a trailer where the tags did not come along.


def _git(repo: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *arguments], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


def _commit(repo: Path, contract: Contract, message: str) -> None:
    spec = repo / "openapi" / "openapi.yaml"
    spec.parent.mkdir(exist_ok=True)
    spec.write_text(yaml.safe_dump(contract, sort_keys=False))
    _git(repo, "add", "openapi/openapi.yaml")
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def _verdict(repo: Path) -> bool:
    spec = repo / "openapi" / "openapi.yaml"
    return check(released_contract(repo, spec), yaml.safe_load(spec.read_text()))[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit is the release, tagged contract-v1 and marked with the trailer."""
    _git(tmp_path, "init", "--quiet", "--initial-branch=main")
    _git(tmp_path, "config", "user.email", "test@example.invalid")
    _git(tmp_path, "config", "user.name", "test")
    _commit(tmp_path, released(), "Release contract v1\n\nContract-Tag: contract-v1")
    _git(tmp_path, "tag", "contract-v1")
    return tmp_path


@pytest.mark.slow
def test_a_break_followed_by_a_small_fix_still_fails_against_the_tag(repo: Path) -> None:
    _commit(repo, _changed(BREAKING["query parameter removed"]), "Drop the kind filter")
    assert _verdict(repo) is False
    fixed = _changed(BREAKING["query parameter removed"])
    fixed["info"]["description"] = "A typo fixed."
    _commit(repo, fixed, "Fix a typo")
    assert _verdict(repo) is False, "compared with the release, not with the commit before"


@pytest.mark.slow
def test_a_moved_major_passes_and_its_tag_becomes_the_release(repo: Path) -> None:
    moved = _changed(BREAKING["query parameter removed"])
    moved["info"]["version"] = "2.0.0"
    _commit(repo, moved, "Contract v2: drop the kind filter\n\nContract-Tag: contract-v2")
    assert _verdict(repo) is True
    _git(repo, "tag", "contract-v2")
    assert released_contract(repo, repo / "openapi" / "openapi.yaml").name == "contract-v2"
    assert _verdict(repo) is True


@pytest.mark.slow
def test_a_clone_without_tags_finds_the_release_by_its_trailer(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _commit(repo, _changed(ADDITIVE["operation added"]), "Add the docs page")
    clone = tmp_path_factory.mktemp("clone") / "repo"
    _git(repo, "clone", "--quiet", "--no-tags", str(repo), str(clone))
    assert _git(clone, "tag", "--list") == ""
    release = released_contract(clone, clone / "openapi" / "openapi.yaml")
    assert (release.name, release.contract) == ("contract-v1", released())


@pytest.mark.slow
def test_no_release_at_all_is_an_error_not_a_pass(tmp_path: Path) -> None:
    _git(tmp_path, "init", "--quiet")
    _git(tmp_path, "config", "user.email", "test@example.invalid")
    _git(tmp_path, "config", "user.name", "test")
    _commit(tmp_path, released(), "A contract never released")
    with pytest.raises(LookupError, match="git fetch --tags"):
        released_contract(tmp_path, tmp_path / "openapi" / "openapi.yaml")


# This repository.


@pytest.mark.slow
def test_every_contract_tag_is_on_a_commit_with_its_trailer() -> None:
    for tag in _git(PROJECT_ROOT, "tag", "--list", "contract-v*").split():
        message = _git(PROJECT_ROOT, "show", "--no-patch", "--format=%B", f"{tag}^{{commit}}")
        assert f"Contract-Tag: {tag}" in message.splitlines(), tag


@pytest.mark.slow
def test_the_contract_breaks_no_client_of_its_latest_release() -> None:
    passed, lines = check(released_contract(), yaml.safe_load(SPEC_PATH.read_text()))
    assert passed, "\n".join(lines)
