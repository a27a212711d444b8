"""The ledger download (ledger.stream): every entry of the period, newest first, however many pages it
takes, the period's bounds applied on every page."""
from datetime import datetime, timedelta

from flashcall.billing import balances, ledger
from flashcall.db import db

START = datetime(2024, 5, 1, 0, 0, 0)
HOUR = timedelta(hours=1)


def _entries(service, count, first=START):
    for n in range(count):
        balances.credit(service, 1_000 + n, "adjustment", first + n * HOUR, note=f"entry {n}")
    db.session.commit()


def test_a_download_longer_than_a_screen_page_has_every_entry_newest_first(ctx, make):
    service = make.service()
    _entries(service, 60)  # more than one page of the screen (50)
    amounts = [e.amount for e in ledger.stream(service.account_id)]
    assert amounts == [1_000 + n for n in reversed(range(60))]


def test_every_page_keeps_the_periods_bounds(ctx, make):
    service = make.service()
    _entries(service, 10)  # 00:00 … 09:00
    got = [e.note for e in ledger.stream(service.account_id, start=START + 2 * HOUR, end=START + 7 * HOUR, batch=2)]
    assert got == ["entry 6", "entry 5", "entry 4", "entry 3", "entry 2"]  # from 02:00, before 07:00
