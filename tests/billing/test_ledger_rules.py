"""The ledger's reads: a page of entries or payments comes with their services and users in one query; downloads read in batches."""
from datetime import datetime, timedelta

from sqlalchemy import event, insert

from flashcall.billing import balances, ledger, payments
from flashcall.db import db
from flashcall.models import LedgerEntry

START = datetime(2024, 5, 1, 0, 0, 0)
MINUTE = timedelta(minutes=1)


def _statements_of(work):
    """The SQL statements `work()` sends to the database, and what it returned."""
    statements = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(" ".join(args[2].split())))
    event.listen(*listen)
    try:
        result = work()
    finally:
        event.remove(*listen)
    return statements, result


def _two_services_two_users(make, owner_email, other_email):
    """An account (its owner), its services "store" and "sms", and a second user of it."""
    owner = make.account(email=owner_email)
    first = make.service(owner.account, name="store")
    second = make.service(owner.account, name="sms")
    return owner, first, second, make.user(owner.account, email=other_email)


def test_a_page_of_entries_reads_their_services_and_users_in_the_same_query(ctx, make):
    """Two services, each credited by a different user: with nothing of them in the session, reading the
    page and then every entry's service name and user e-mail sends exactly one statement."""
    owner, first, second, other_user = _two_services_two_users(make, "owner-a@example.com", "dev-b@example.com")
    balances.credit(first, 1_000, "adjustment", START, user_id=owner.id)
    balances.credit(second, 2_000, "adjustment", START + MINUTE, user_id=other_user.id)
    db.session.commit()
    account_id = owner.account_id
    db.session.expunge_all()  # no service or user already loaded to answer from

    def read():
        page = ledger.entries(account_id)
        return [(e.amount, e.service.name, e.user.email) for e in page]
    statements, seen = _statements_of(read)
    assert seen == [(2_000, "sms", "dev-b@example.com"), (1_000, "store", "owner-a@example.com")]
    assert len(statements) == 1, statements


def test_a_download_reads_in_batches_of_the_size_asked(ctx, make):
    """Five entries downloaded in batches of 2: three reads (2, 2 and 1 entries), newest first."""
    service = make.service()
    for n in range(5):
        balances.credit(service, 100 + n, "adjustment", START + n * MINUTE)
    db.session.commit()
    statements, amounts = _statements_of(
        lambda: [e.amount for e in ledger.stream(service.account_id, batch=2)])
    assert amounts == [104, 103, 102, 101, 100]
    assert len([s for s in statements if "FROM ledger_entry" in s]) == 3, statements


def test_a_download_reads_a_thousand_entries_at_a_time_unless_told(ctx, make):
    """2,001 entries downloaded with the default batch: three reads (1,000, 1,000 and 1), every entry
    once, newest first."""
    service = make.service()
    rows = [{"account_id": service.account_id, "service_id": service.id, "kind": "adjustment", "amount": 1,
             "balance_after": n + 1, "created_at": START + n * MINUTE} for n in range(2_001)]
    db.session.execute(insert(LedgerEntry), rows)
    service.credit += 2_001  # the books checked after the test: the credit is the entries' sum
    service.account.balance += 2_001
    db.session.commit()
    statements, after = _statements_of(
        lambda: [e.balance_after for e in ledger.stream(service.account_id)])
    assert after == list(range(2_001, 0, -1))
    assert len([s for s in statements if "FROM ledger_entry" in s]) == 3, statements


def test_a_list_of_payments_reads_their_services_and_users_in_the_same_query(ctx, make):
    """Two manual requests of two services by two users: with nothing of them in the session, listing the
    payments and then every payment's service name and user e-mail sends exactly one statement."""
    owner, first, second, other_user = _two_services_two_users(make, "owner-c@example.com", "dev-d@example.com")
    payments.request_manual(first, 5_000, "BANK-1", None, "", owner.id, now=START)
    payments.request_manual(second, 6_000, "BANK-2", None, "", other_user.id, now=START)
    db.session.commit()
    account_id = owner.account_id
    db.session.expunge_all()

    def read():
        return [(p.amount, p.service.name, p.user.email) for p in ledger.payments(account_id, status="pending")]
    statements, seen = _statements_of(read)
    assert seen == [(6_000, "sms", "dev-d@example.com"), (5_000, "store", "owner-c@example.com")]
    assert len(statements) == 1, statements
