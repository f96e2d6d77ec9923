"""Consumers' claims: a deleted record is not claimed again while a stale GET /10 may list it; a record
whose delete failed is, at once, so that deletes resume as soon as the server is back."""

from __future__ import annotations

import uuid

from records_shop_client.models import Record

from loadclient.records import Claims


def _record() -> Record:
    return Record(uuid=uuid.uuid4(), text="x")


async def test_a_deleted_record_is_not_claimed_again_while_a_stale_listing_may_show_it() -> None:
    claims, record = Claims(), _record()
    assert claims.claim_unclaimed([record]) == [record]
    claims.release(record, gone=True)
    assert claims.claim_unclaimed([record]) == []


async def test_a_record_whose_delete_failed_is_claimable_again_at_once() -> None:
    claims, record = Claims(), _record()
    assert claims.claim_unclaimed([record]) == [record]
    claims.release(record, gone=False)
    assert claims.claim_unclaimed([record]) == [record]


async def test_a_deleted_record_is_forgotten_after_the_memory_span() -> None:
    claims, record = Claims(remember_s=0.0), _record()
    claims.claim_unclaimed([record])
    claims.release(record, gone=True)
    assert claims.claim_unclaimed([record]) == [record]
