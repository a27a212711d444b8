"""What the operator's money actions leave in the audit log: the service by name and id, the reason as
kept (200 characters), who did it through what; and a price of zero is a price (free calls)."""
import json

import pytest

from flashcall.billing import BillingError, admin, balance
from flashcall.db import db
from flashcall.models import AuditEntry, LedgerEntry

IP = "198.51.100.4"


def _audit(action):
    entry = db.session.query(AuditEntry).filter_by(action=action).one()
    return entry.target, entry.ip, json.loads(entry.detail)


def test_an_adjustment_names_the_service_and_keeps_200_characters_of_its_reason(ctx, make):
    service = make.service(name="Shop login")
    operator = make.account(operator=True)
    admin.adjust(service, 70_000, "g" * 250, user_id=operator.id, ip=IP, via="cli")
    db.session.commit()
    target, ip, detail = _audit("billing.credit_adjusted")
    assert (target, ip) == ("Shop login", IP)
    assert (detail["service_id"], detail["amount"], detail["reason"], detail["by"], detail["credit_after"]) == (
        service.id, 70_000, "g" * 200, "cli", 70_000)
    assert db.session.query(LedgerEntry).one().note == "g" * 200
    assert balance(service)["service_balance"] == 70_000


def test_a_price_change_names_the_service_and_zero_means_free(ctx, make):
    service = make.service(name="Free tier", price_per_call=500)
    admin.set_price(service, 0, ip=IP, via="cli")
    db.session.commit()
    assert service.price_per_call == 0
    target, ip, detail = _audit("billing.price_changed")
    assert (target, ip, detail["service_id"], detail["old"], detail["new"], detail["by"]) == (
        "Free tier", IP, service.id, 500, 0, "cli")
    with pytest.raises(BillingError) as negative:
        admin.set_price(service, -1)
    assert negative.value.code == "price_negative"


def test_a_default_price_change_says_through_what(ctx):
    old = admin.default_price()
    admin.set_default_price(old + 250, ip=IP, via="cli")
    db.session.commit()
    _target, ip, detail = _audit("billing.default_price_changed")
    assert (ip, detail["old"], detail["new"], detail["by"]) == (IP, old, old + 250, "cli")


def test_a_credit_limit_change_is_seen_at_once_and_names_the_account(ctx, make):
    owner = make.account(name="Acme Ltd")
    account = owner.account
    admin.set_limit(account, -5_000, ip=IP, via="cli")
    assert account.credit_limit == -5_000  # the loaded account shows it without a reload
    db.session.commit()
    target, ip, detail = _audit("billing.limit_changed")
    assert (target, ip, detail["new"], detail["by"]) == ("Acme Ltd", IP, -5_000, "cli")
