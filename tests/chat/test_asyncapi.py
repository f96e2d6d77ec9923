"""openapi/asyncapi.yaml documents every close code the chat sends, with the reason it sends."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from server.chat.access import BEARER_PREFIX, SUBPROTOCOL
from server.chat.limits import REASONS, CloseCode
from server.chat.notices import NOTICES_PARAMETER, NOTICES_SLOWED, RESUMED, slowed_notice
from server.config.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "openapi" / "asyncapi.yaml").read_text())
    return document


def test_every_close_code_is_documented_and_nothing_else(asyncapi: dict[str, Any]) -> None:
    # The codes are quoted mapping keys: the AsyncAPI parser refuses numbers as keys.
    assert set(asyncapi["info"]["x-close-codes"]) == {str(int(code)) for code in CloseCode}


@pytest.mark.parametrize("code", list(REASONS))
def test_each_close_code_is_documented_with_the_reason_sent(
    asyncapi: dict[str, Any], code: CloseCode
) -> None:
    assert asyncapi["info"]["x-close-codes"][str(int(code))]["reason"] == REASONS[code]


@pytest.mark.parametrize(
    ("name", "frame"),
    [("slowed", slowed_notice(20.0, 60.0)), ("resumed", RESUMED)],
    ids=["slowed", "resumed"],
)
def test_each_notice_the_server_sends_matches_its_documented_payload(
    asyncapi: dict[str, Any], name: str, frame: str
) -> None:
    jsonschema.validate(json.loads(frame), asyncapi["components"]["messages"][name]["payload"])


def test_each_notice_is_a_message_the_server_sends_on_the_channel(asyncapi: dict[str, Any]) -> None:
    sent = {reference["$ref"] for reference in asyncapi["operations"]["relay"]["messages"]}
    assert {"#/channels/room/messages/slowed", "#/channels/room/messages/resumed"} <= sent


def test_the_notices_parameter_is_documented_as_the_server_reads_it(asyncapi: dict[str, Any]) -> None:
    query = asyncapi["channels"]["room"]["bindings"]["ws"]["query"]["properties"]
    assert query[NOTICES_PARAMETER]["enum"] == [NOTICES_SLOWED]


def test_the_subprotocols_are_documented_as_the_server_reads_them(asyncapi: dict[str, Any]) -> None:
    offered = asyncapi["channels"]["room"]["bindings"]["ws"]["headers"]["properties"][
        "Sec-WebSocket-Protocol"
    ]
    assert f"`{SUBPROTOCOL}`" in offered["description"]
    assert f"`{BEARER_PREFIX}<the token in base64url, no padding>`" in offered["description"]


def test_the_channel_is_the_chat_endpoint(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["channels"]["room"]["address"] == "/chat/{chat_name}"


def test_the_openapi_contract_links_the_asyncapi_document() -> None:
    contract = yaml.safe_load((PROJECT_ROOT / "openapi" / "openapi.yaml").read_text())
    assert "openapi/asyncapi.yaml" in contract["info"]["description"]
