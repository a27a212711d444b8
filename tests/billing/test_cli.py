"""`flask --app app billing …`: adjust, set-limit, set-price, check and reconcile from scripts."""
from flashcall.billing import admin
from flashcall.db import db
from flashcall.models import Account, AuditEntry, Service


def run(runner, *args):
    return runner.invoke(args=["billing", *args])


def test_adjust_set_limit_set_price_and_check(runner, make):
    service = make.service()
    result = run(runner, "adjust", "--service", str(service.id), "--amount", "-25000", "--reason", "opening debt")
    assert result.exit_code == 0 and result.output.strip() == "-25000"
    assert run(runner, "set-limit", "--account", str(service.account_id), "--limit", "-100000").exit_code == 0
    assert run(runner, "set-price", "--service", str(service.id), "--price", "1500").exit_code == 0
    db.session.expire_all()
    assert db.session.get(Account, service.account_id).credit_limit == -100_000
    assert db.session.get(Service, service.id).price_per_call == 1_500
    checked = run(runner, "check")
    assert checked.exit_code == 0 and "ok" in checked.output
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.startswith("billing."))
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["billing.credit_adjusted", "billing.limit_changed", "billing.price_changed"]
    assert {(e.account_id, e.actor_id) for e in entries} == {(service.account_id, None)}
    assert all('"by": "cli"' in e.detail for e in entries)
    assert '"amount": -25000' in entries[0].detail and '"new": 1500' in entries[2].detail


def test_bad_values_exit_1_with_a_message(runner, make):
    service = make.service()
    for args, words in [(("set-limit", "--account", str(service.account_id), "--limit", "500"), "limit positive"),
                        (("set-price", "--service", str(service.id), "--price", "-1"), "price negative"),
                        (("adjust", "--service", str(service.id), "--amount", "10", "--reason", " "), "reason required"),
                        (("adjust", "--service", "999", "--amount", "10", "--reason", "x"), "no service with id 999")]:
        result = run(runner, *args)
        assert result.exit_code == 1 and words in result.output, (args, result.output)


def test_check_lists_what_is_wrong_and_exits_1(runner, make):
    service = make.service()
    db.session.execute(db.update(Service).where(Service.id == service.id).values(credit=7))
    db.session.commit()
    result = run(runner, "check")
    assert result.exit_code == 1 and f"service {service.id}: credit 7 but its ledger sums to 0" in result.output
    db.session.execute(db.update(Service).where(Service.id == service.id).values(credit=0))
    db.session.commit()


def test_service_create_takes_the_default_price(runner, make):
    owner = make.account()
    admin.set_default_price(2_000)
    db.session.commit()
    result = runner.invoke(args=["service", "create", "--account-email", owner.email, "--name", "Priced"])
    assert db.session.get(Service, int(result.output.strip())).price_per_call == 2_000


def test_reconcile_prints_how_many_became_paid(runner):
    result = run(runner, "reconcile")
    assert result.exit_code == 0 and result.output.strip() == "0"
