"""openapi/asyncapi.yaml documents every close code the chat sends, with the reason it sends."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from server.chat.limits import REASONS, CloseCode
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


def test_the_channel_is_the_chat_endpoint(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["channels"]["room"]["address"] == "/chat/{chat_name}"


def test_the_openapi_contract_links_the_asyncapi_document() -> None:
    contract = yaml.safe_load((PROJECT_ROOT / "openapi" / "openapi.yaml").read_text())
    assert "openapi/asyncapi.yaml" in contract["info"]["description"]
