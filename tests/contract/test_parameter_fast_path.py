"""A request judged on its path alone (server.contract.validation) gets the verdict of the full validation.

The operation layer skips Connexion's request object and URI parsing when the compiled path validators
can judge a request by themselves; these tests hold that shortcut to the full validation's answer for
every operation of the contract with path parameters, on values either side of each schema's edges.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from connexion.exceptions import BadRequestProblem
from connexion.lifecycle import ConnexionRequest
from connexion.spec import Specification
from connexion.uri_parsing import OpenAPIURIParser

from server.config.paths import SPEC_PATH
from server.contract.validation import NamedParameterValidator
from tests.utils.contract import operations

SAMPLE_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
# Path values as the router hands them on: strings as sent, numbers already converted by int().
SAMPLES: dict[str, list[Any]] = {
    "string": [
        SAMPLE_UUID,
        SAMPLE_UUID.upper(),
        SAMPLE_UUID + "0",
        SAMPLE_UUID[:-1],
        "0",
        "10",
        "10000",
        "10001",
        "00010",
        "-1",
        "1e3",
        "\uff11\uff10",
        " 10",
        "abc",
        "",
    ],
    "integer": [0, 1, 7, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30],
}


def _operations_with_path_parameters() -> list[tuple[str, list[dict[str, Any]]]]:
    # Connexion's loaded specification: every $ref resolved, as the validators are given the parameters.
    spec = Specification.load(SPEC_PATH)
    found = []
    for operation in operations(spec):
        shared = spec["paths"][operation.path].get("parameters", [])
        parameters = [*shared, *operation.definition.get("parameters", [])]
        if any(parameter["in"] == "path" for parameter in parameters):
            found.append((f"{operation.method.upper()} {operation.path}", parameters))
    return found


OPERATIONS = _operations_with_path_parameters()


def _validator(parameters: list[dict[str, Any]]) -> NamedParameterValidator:
    return NamedParameterValidator(
        parameters, uri_parser=OpenAPIURIParser(parameters, {}), strict_validation=True
    )


def _scope(path_params: dict[str, Any], query_string: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": query_string,
        "path_params": path_params,
    }


def _passes_full_validation(validator: NamedParameterValidator, scope: dict[str, Any]) -> bool:
    try:
        validator.validate_request(ConnexionRequest(scope, uri_parser=validator.uri_parser))
    except BadRequestProblem:
        return False
    return True


def test_the_contract_has_operations_with_path_parameters_to_check() -> None:
    names = {name for name, _ in OPERATIONS}
    assert {"GET /{key}", "DELETE /{key}", "POST /cart/{cart_id}/add/{item_id}"} <= names


@pytest.mark.parametrize(("name", "parameters"), OPERATIONS, ids=[name for name, _ in OPERATIONS])
def test_a_request_passes_on_its_path_alone_exactly_when_the_full_validation_passes_it(
    name: str, parameters: list[dict[str, Any]]
) -> None:
    validator = _validator(parameters)
    path_parameters = [parameter for parameter in parameters if parameter["in"] == "path"]
    columns = [SAMPLES[parameter["schema"]["type"]] for parameter in path_parameters]
    names = [parameter["name"] for parameter in path_parameters]
    verdicts = set()
    for values in itertools.product(*columns):
        scope = _scope(dict(zip(names, values, strict=True)))
        verdict = validator.passes_on_path_alone(scope)
        assert verdict == _passes_full_validation(validator, scope), (name, values)
        verdicts.add(verdict)
    # Both verdicts met: the samples reach either side of the schema, and the shortcut is taken.
    assert verdicts == {True, False}


@pytest.mark.parametrize(("name", "parameters"), OPERATIONS, ids=[name for name, _ in OPERATIONS])
def test_a_request_with_a_query_string_is_always_validated_in_full(
    name: str, parameters: list[dict[str, Any]]
) -> None:
    validator = _validator(parameters)
    path_params = {
        parameter["name"]: SAMPLE_UUID if parameter["schema"]["type"] == "string" else 7
        for parameter in parameters
        if parameter["in"] == "path"
    }
    assert validator.passes_on_path_alone(_scope(path_params))
    assert not validator.passes_on_path_alone(_scope(path_params, b"extra=1"))


def test_a_required_query_parameter_sends_every_request_to_the_full_validation() -> None:
    parameters = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
    ]
    validator = _validator(parameters)
    scope = _scope({"id": 7})
    assert not validator.passes_on_path_alone(scope)
    assert not _passes_full_validation(validator, scope)
