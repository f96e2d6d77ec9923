"""The generated client and a server given tokens: `AuthenticatedClient` carries one, `Client` gets 401."""

from __future__ import annotations

import pytest
from records_shop_client import AuthenticatedClient, Client
from records_shop_client.api.records import create_batch, list_all
from records_shop_client.models import NewRecord, Problem, Record

from devtools.server import ServerProcess
from tests.utils.tokens import API_TOKEN

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def test_an_authenticated_client_stores_and_lists_records(secured_server: ServerProcess) -> None:
    with AuthenticatedClient(base_url=secured_server.base_url, token=API_TOKEN) as client:
        stored = create_batch.sync_detailed(client=client, body=[NewRecord(text="signed")])
        listed = list_all.sync(client=client)
    assert stored.status_code == 201
    assert isinstance(listed, list)
    assert [record.text for record in listed if isinstance(record, Record)] == ["signed"]


def test_a_client_without_a_token_gets_the_401_problem_the_contract_documents(
    secured_server: ServerProcess,
) -> None:
    with Client(base_url=secured_server.base_url) as client:
        answer = list_all.sync_detailed(client=client)
    assert answer.status_code == 401
    assert isinstance(answer.parsed, Problem)
    assert answer.parsed.status == 401
    assert answer.headers["www-authenticate"] == 'Bearer realm="records-shop"'
