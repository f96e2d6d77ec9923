"""Each rule of ours in .spectral.yaml fails a small contract that breaks it, and passes the contract kept.

The rules hold the conventions openapi/openapi.yaml keeps (`make lint` runs Spectral on it): every operation
routed to a handler and documented with a 4xx, every path parameter constrained, every error a problem
document with the shared Problem schema. One Spectral run lints every case (one file each).
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.config.paths import PROJECT_ROOT
from tests.utils.node_tools import require_node_tool

# Each test runs Spectral, a Node.js process.
pytestmark = pytest.mark.slow

Contract = dict[str, Any]
OUR_RULES = {
    "operation-routed",
    "operation-documented",
    "operation-4xx",
    "path-parameter-constrained",
    "error-response-is-problem",
    "shared-response-is-problem",
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def kept() -> Contract:
    """A contract keeping every convention: one operation, a path parameter, errors shared and inline."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1.0.0", "description": "Things.", "contact": {"name": "Us"}},
        "servers": [{"url": "/"}],
        "security": [],
        "tags": [{"name": "things", "description": "Things."}],
        "paths": {
            "/thing/{id}": {
                "get": {
                    "tags": ["things"],
                    "summary": "One thing",
                    "description": "The thing with this id.",
                    "operationId": "get_thing",
                    "x-openapi-router-controller": "server.handlers.things",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z]+$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The thing.",
                            "content": {"application/json": {"schema": {"type": "string"}}},
                        },
                        "404": {"$ref": "#/components/responses/NoSuchThing"},
                        "503": {"description": "Unavailable.", "content": copy.deepcopy(PROBLEM)},
                    },
                }
            }
        },
        "components": {
            "schemas": {"Problem": {"type": "object", "properties": {"title": {"type": "string"}}}},
            "responses": {
                "NoSuchThing": {"description": "No such thing.", "content": copy.deepcopy(PROBLEM)},
            },
        },
    }


def _operation(contract: Contract) -> dict[str, Any]:
    operation: dict[str, Any] = contract["paths"]["/thing/{id}"]["get"]
    return operation


def _inline_404(content: dict[str, Any]) -> Callable[[Contract], None]:
    def change(contract: Contract) -> None:
        _operation(contract)["responses"]["404"] = {"description": "No such thing.", "content": content}

    return change


# (rule, how a contract breaks it): each applied to a fresh copy of kept().
BREAKS: dict[str, tuple[str, Callable[[Contract], None]]] = {
    "no-operation-id": ("operation-routed", lambda c: _operation(c).pop("operationId")),
    "no-controller": ("operation-routed", lambda c: _operation(c).pop("x-openapi-router-controller")),
    "no-summary": ("operation-documented", lambda c: _operation(c).pop("summary")),
    "no-description": ("operation-documented", lambda c: _operation(c).pop("description")),
    "no-4xx": ("operation-4xx", lambda c: _operation(c)["responses"].pop("404")),
    "unconstrained-path-parameter": (
        "path-parameter-constrained",
        lambda c: _operation(c)["parameters"][0].update(schema={"type": "string", "minLength": 1}),
    ),
    "error-as-json": (
        "error-response-is-problem",
        _inline_404({"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}),
    ),
    "problem-with-its-own-schema": (
        "error-response-is-problem",
        _inline_404({"application/problem+json": {"schema": {"type": "object"}}}),
    ),
    "problem-beside-another-media-type": (
        "error-response-is-problem",
        _inline_404({**PROBLEM, "text/plain": {"schema": {"type": "string"}}}),
    ),
    "5xx-as-json": (
        "error-response-is-problem",
        lambda c: _operation(c)["responses"]["503"].update(
            content={"application/json": {"schema": {"type": "string"}}}
        ),
    ),
    "shared-response-not-a-problem": (
        "shared-response-is-problem",
        lambda c: c["components"]["responses"]["NoSuchThing"].update(
            content={"application/json": {"schema": {"type": "string"}}}
        ),
    ),
}


@pytest.fixture(scope="module")
def failed_rules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Our rules each case breaks, by case name ("kept" for the contract as kept)."""
    spectral = require_node_tool("spectral")
    directory = tmp_path_factory.mktemp("spectral")
    cases: dict[str, Contract] = {"kept": kept()}
    for name, (_, change) in BREAKS.items():
        cases[name] = kept()
        change(cases[name])
    for name, contract in cases.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
    result = subprocess.run(
        [str(spectral), "lint", "--quiet", "--format=json", "--ruleset", str(PROJECT_ROOT / ".spectral.yaml")]
        + [str(directory / f"{name}.yaml") for name in cases],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    failed: dict[str, set[str]] = {name: set() for name in cases}
    for finding in json.loads(result.stdout):
        if finding["code"] in OUR_RULES:
            failed[Path(finding["source"]).stem].add(finding["code"])
    return failed


def test_the_kept_contract_breaks_no_rule_of_ours(failed_rules: dict[str, set[str]]) -> None:
    assert failed_rules["kept"] == set()


@pytest.mark.parametrize("case", list(BREAKS))
def test_a_contract_that_breaks_a_convention_fails_its_rule(
    failed_rules: dict[str, set[str]], case: str
) -> None:
    rule, _ = BREAKS[case]
    assert failed_rules[case] == {rule}


def test_every_rule_of_ours_has_a_failing_case() -> None:
    ruleset = yaml.safe_load((PROJECT_ROOT / ".spectral.yaml").read_text())
    assert set(ruleset["rules"]) == OUR_RULES
    assert {rule for rule, _ in BREAKS.values()} == OUR_RULES
