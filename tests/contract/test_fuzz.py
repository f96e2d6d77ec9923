"""Schemathesis fuzzes every operation of the contract against a real server process, on both databases.

Runs are bounded and derandomized so that CI sees the same cases each time; all checks are on. The contract
is fuzzed as each server serves it: open (no API_TOKENS, the default), and with its bearer requirement
against a server given tokens, where the ignored_auth check also sends every case without the token.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import use_after_free

from devtools.server import ServerProcess
from server.config.paths import SPEC_PATH
from server.contract.spec import load_contract, open_contract
from tests.utils.database import empty_tables
from tests.utils.tokens import API_TOKEN

# Each test starts server or client processes.
pytestmark = pytest.mark.slow

MAX_EXAMPLES = 60

# Fewer: the secured run adds what the token changes (the 401s), the rest the open run already covers.
SECURED_MAX_EXAMPLES = 15


def _schema(contract: dict[str, Any], max_examples: int) -> BaseSchema:
    loaded = schemathesis.openapi.from_dict(contract)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=max_examples,
        deterministic=True,
        # The contract's Text pattern refuses NUL, but Schemathesis's generator does not honour that
        # pattern for NUL (hypothesis's from_regex does): a NUL it calls "valid" would be a false failure.
        allow_x00=False,
    )
    return loaded


_CONTRACT = load_contract(SPEC_PATH)
schema = _schema(open_contract(_CONTRACT), MAX_EXAMPLES)
secured_schema = _schema(dict(_CONTRACT), SECURED_MAX_EXAMPLES)

_session = requests.Session()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_honours_the_contract(case: schemathesis.Case[Any], live_server: ServerProcess) -> None:
    case.call_and_validate(base_url=live_server.base_url, session=_session)


@secured_schema.parametrize()
@settings(
    max_examples=SECURED_MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_honours_the_secured_contract_with_a_token(
    case: schemathesis.Case[Any], secured_server: ServerProcess
) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    case.call_and_validate(base_url=secured_server.base_url, session=_session, headers=headers)


def test_stateful_sequences_follow_the_contract_links(live_server: ServerProcess, database_url: str) -> None:
    """Create an item and a cart, then get, change, add and delete through the links the contract declares."""

    # GET /metrics links nowhere, so it adds nothing to the sequences (the stateless test fuzzes it); with it
    # among the rules, the derandomized draws reached a FlakyStrategyDefinition: link parameters are drawn
    # from live responses, which differ between Hypothesis's runs as the server's data grows.
    class ShopSequences(schema.exclude(path="/metrics").as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every scenario starts from one state, ids included: link parameters come from live answers,
            # and Hypothesis replays a scenario expecting the same draws (FlakyStrategyDefinition if not).
            empty_tables(database_url, restart_ids=True)

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, object]:
            return {"base_url": live_server.base_url, "session": _session}

        def validate_response(
            self,
            response: Response,
            case: schemathesis.Case[Any],
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: object,
        ) -> None:
            # Items are soft-deleted and the contract answers PATCH of a deleted item with 304, which
            # use_after_free reads as "still available". tests/records and tests/shop check what
            # deleted records and items answer instead.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[use_after_free],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    ShopSequences.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=8,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
