"""Account scoping: every URL that takes an id answers 404 for another account's object.

The walk covers every registered rule, so a route added later without scoping fails here.
"""
from datetime import timedelta

import pytest

from flashcall.factory import create_app
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, Gateway, LedgerEntry, NumberBlock, Payment, WebhookDelivery

# Rules that are not account-scoped dashboard pages: key-authenticated APIs are tested with keys.
SKIPPED_PREFIXES = ("/api/", "/telphin")
SKIPPED_ARGUMENTS = {"filename", "code", "token"}  # static files; /language/<code>; /auth/reset/<token>
# The payment provider's callback needs no session: it is bound to the payment by the provider's
# authority, not by the account (tests/billing covers foreign and unknown authorities).
SKIPPED_ENDPOINTS = {"billing.returned"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "walk", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.arguments or rule.rule.startswith(SKIPPED_PREFIXES) or rule.arguments & SKIPPED_ARGUMENTS \
                or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods & set(METHODS)):
            yield pytest.param(rule.endpoint, method, id=f"{method} {rule.rule}")


RULES = list(_rules())


def _other_accounts_objects(make):
    """Account B's objects, one of each kind a URL can name, keyed by the argument name."""
    owner = make.account(operator=True)
    service = make.service(owner.account)
    key, _token = make.key(service)
    colleague = make.user(owner.account, role="viewer")
    call = Call(service=service, key=key, phone="+989121234567", caller_number="+982191012345",
                code_length=4, status="delivered", expires_at=utcnow() + timedelta(minutes=2))
    db.session.add(call)
    db.session.flush()
    delivery = WebhookDelivery(service_id=service.id, call_id=call.id, event="call.delivered", payload="{}")
    payment = Payment(account_id=owner.account_id, service_id=service.id, method="manual", amount=100_000)
    db.session.add_all([delivery, payment])
    db.session.flush()
    entry = LedgerEntry(account_id=owner.account_id, service_id=service.id, kind="topup", amount=100_000,
                        balance_after=100_000, payment_id=payment.id, user_id=owner.id)
    db.session.add(entry)
    db.session.commit()
    gateway = db.session.scalar(db.select(Gateway))
    block = db.session.scalar(db.select(NumberBlock))
    values = {
        "service_id": service.id, "key_id": key.id, "account_id": owner.account_id, "call_id": call.id, "user_id": colleague.id,
        "delivery_id": delivery.id, "payment_id": payment.id, "entry_id": entry.id,
        # Operator-only objects: a plain owner must get 404 from @operator_required.
        "gateway_id": gateway.id, "block_id": block.id,
    }
    return owner, values


def _url(app, endpoint, method, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    unknown = rule.arguments - set(values)
    assert not unknown, (
        f"{rule.rule} takes {sorted(unknown)}, which the scoping walk does not know. Add an object of "
        f"account B for it to _other_accounts_objects() in tests/test_scoping.py.")
    with app.test_request_context():
        return app.url_map.bind("localhost").build(endpoint, {a: values[a] for a in rule.arguments}, method=method)


@pytest.mark.parametrize("endpoint, method", RULES)
def test_another_accounts_object_answers_404(app, client, make, login, endpoint, method):
    _owner_b, values = _other_accounts_objects(make)
    login(make.account())  # account A: a plain owner, not an operator
    response = client.open(_url(app, endpoint, method, values), method=method)
    assert response.status_code == 404, f"{method} {endpoint} answered {response.status_code} to account A"


@pytest.mark.parametrize("endpoint, method", [p for p in RULES if p.values[1] == "GET"])
def test_the_owning_account_reaches_the_same_urls(app, client, make, login, endpoint, method):
    """The control: the ids used above are real, so the 404s come from scoping."""
    owner_b, values = _other_accounts_objects(make)
    login(owner_b)
    response = client.get(_url(app, endpoint, method, values))
    assert response.status_code != 404, f"GET {endpoint} answered 404 to the owning account"


def test_walk_covers_the_dashboard_routes():
    endpoints = {p.values[0] for p in RULES}
    assert {"services.detail", "services.edit", "keys.new", "keys.revoke", "users.role"} <= endpoints
