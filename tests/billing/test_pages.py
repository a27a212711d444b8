"""«شارژ و اعتبار» in the dashboard: balances, online top-up through the local gateway, receipts,
manual requests approved by an operator in another session, the ledger and its CSV, the banner."""
import csv
import io
import json
import re

import pytest

from flashcall.billing import admin, credit
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import AuditEntry, LedgerEntry, Payment
from tests.fakes.payment_gateway import MERCHANT

PASSWORD = "correct-horse-42"


@pytest.fixture
def app_config(gateway):
    return {"ZARINPAL_MERCHANT_ID": MERCHANT, "ZARINPAL_BASE_URL": gateway.url, "PAYMENT_TIMEOUT_SECONDS": 2,
            "MONEY_UNIT": "toman"}


@pytest.fixture
def owner(make, login):
    user = make.account()
    login(user)
    return user


@pytest.fixture
def service(make, owner):
    return make.service(owner.account, name="Shop login", price_per_call=1_000)


def _text(response):
    return response.get_data(as_text=True)


def _audited(action):
    """The audit entries of one action, oldest first, each as (account, actor, address, detail)."""
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    return [(e.account_id, e.actor_id, e.ip, json.loads(e.detail or "{}")) for e in entries]


def test_the_page_shows_credit_in_toman_with_persian_digits(client, service):
    credit(service, 1_234_560, "topup", utcnow())
    admin.set_limit(service.account, -500_000)
    db.session.commit()
    page = _text(client.get("/billing/"))
    assert "شارژ و اعتبار" in page and "Shop login" in page
    assert "۱۲۳٬۴۵۶ تومان" in page  # 1,234,560 Rial shown in Toman
    assert "-۵۰٬۰۰۰ تومان" in page  # the limit


def test_online_top_up_from_the_form_to_the_receipt(client, service, gateway):
    response = client.post("/billing/pay", data={"online-service_id": service.id, "online-amount": "۵۰٬۰۰۰"})
    assert response.status_code == 303
    payment = db.session.scalar(db.select(Payment))
    assert payment.amount == 500_000  # 50,000 Toman
    assert response.headers["Location"] == f"{gateway.url}/pg/StartPay/{payment.reference}"
    gateway.pay(payment.reference)
    back = client.get(f"/billing/payments/{payment.id}/return?Authority={payment.reference}&Status=OK")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/billing/payments/{payment.id}")
    receipt = _text(client.get(back.headers["Location"]))
    assert "۵۰٬۰۰۰ تومان" in receipt and "۲۰۱" in receipt and "502229******5995" in receipt.replace("۵", "5").replace("۰", "0").replace("۲", "2").replace("۹", "9")
    again = client.get(f"/billing/payments/{payment.id}/return?Authority={payment.reference}&Status=OK")
    assert again.status_code == 302
    assert db.session.query(LedgerEntry).count() == 1
    [(account_id, actor_id, ip, detail)] = _audited("billing.topup_paid")  # once, however many returns
    assert (account_id, actor_id, ip) == (service.account_id, payment.user_id, "127.0.0.1")
    assert (detail["amount"], detail["payment_id"], detail["ref_id"]) == (500_000, payment.id, "201")


def test_a_canceled_payment_says_so_and_adds_nothing(client, service, gateway):
    client.post("/billing/pay", data={"online-service_id": service.id, "online-amount": "20000"})
    payment = db.session.scalar(db.select(Payment))
    back = client.get(f"/billing/payments/{payment.id}/return?Authority={payment.reference}&Status=NOK", follow_redirects=True)
    assert "پرداخت لغو شد" in _text(back) or "لغو" in _text(back)
    assert db.session.query(LedgerEntry).count() == 0
    [(account_id, _actor, _ip, detail)] = _audited("billing.topup_failed")
    assert account_id == service.account_id and (detail["amount"], detail["code"]) == (200_000, "NOK")
    assert _audited("billing.topup_paid") == []


def test_a_foreign_authority_answers_a_persian_404(client, service):
    client.post("/billing/pay", data={"online-service_id": service.id, "online-amount": "20000"})
    payment = db.session.scalar(db.select(Payment))
    response = client.get(f"/billing/payments/{payment.id}/return?Authority=A-forged&Status=OK")
    assert response.status_code == 404 and "پرداخت" in _text(response)


@pytest.mark.parametrize("amount, message", [
    ("", "مبلغ را وارد کنید"), ("0", "بیشتر از صفر"), ("-5000", "بیشتر از صفر"), ("12.5", "عدد صحیح"),
    ("abc", "عدد صحیح"), ("۵۰۰", "دست‌کم"),
])
def test_bad_amounts_are_refused_in_persian_before_anything_is_sent(client, service, gateway, amount, message):
    response = client.post("/billing/pay", data={"online-service_id": service.id, "online-amount": amount})
    assert response.status_code == 400 and message in _text(response)
    assert gateway.payments == {} and db.session.query(Payment).count() == 0


def test_without_a_merchant_id_there_is_no_online_button(app, client, service):
    app.config["ZARINPAL_MERCHANT_ID"] = ""
    page = _text(client.get("/billing/"))
    assert "online-amount" not in page and "درخواست شارژ دستی" in page


def test_manual_request_approved_by_an_operator_in_another_session(app, client, make, service, owner):
    response = client.post("/billing/manual", data={
        "manual-service_id": service.id, "manual-amount": "۳۰۰٬۰۰۰", "manual-bank_reference": "TR-778899",
        "manual-transfer_date": "۱۴۰۵/۰۹/۰۸", "manual-note": "واریز از ملت"})
    assert response.status_code == 302
    request_ = db.session.scalar(db.select(Payment))
    assert (request_.status, request_.amount, request_.transfer_date.isoformat()) == ("pending", 3_000_000, "2026-11-29")

    operator = make.account(operator=True)
    desk = app.test_client()
    assert desk.post("/auth/login", data={"email": operator.email, "password": PASSWORD}).status_code == 302
    assert "TR-778899" in _text(desk.get("/billing/operator/"))
    assert desk.post(f"/billing/operator/payments/{request_.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(type(service), service.id).credit == 3_000_000
    page = _text(client.get("/billing/"))
    assert "۳۰۰٬۰۰۰ تومان" in page and "پرداخت‌شده" in page
    [(account_id, actor_id, _ip, detail)] = _audited("billing.topup_approved")
    assert (account_id, actor_id, detail["amount"], detail["bank_reference"]) == (
        service.account_id, operator.id, 3_000_000, "TR-778899")
    # The owner reads it in their own log, in Persian.
    assert "درخواست شارژ تأیید شد" in _text(client.get("/audit/"))


def test_a_rejected_request_shows_the_reason_to_the_owner(app, client, make, service):
    client.post("/billing/manual", data={"manual-service_id": service.id, "manual-amount": "1000",
                                         "manual-bank_reference": "TR-1"})
    request_ = db.session.scalar(db.select(Payment))
    operator = make.account(operator=True)
    desk = app.test_client()
    desk.post("/auth/login", data={"email": operator.email, "password": PASSWORD})
    desk.post(f"/billing/operator/payments/{request_.id}/reject", data={"reason": "واریزی با این شماره پیدا نشد."})
    assert "واریزی با این شماره پیدا نشد." in _text(client.get("/billing/"))
    assert db.session.get(type(service), service.id).credit == 0
    [(account_id, actor_id, _ip, detail)] = _audited("billing.topup_rejected")
    assert (account_id, actor_id) == (service.account_id, operator.id)
    assert detail["reason"] == "واریزی با این شماره پیدا نشد."


def test_manual_request_bad_date_keeps_what_was_typed(client, service):
    response = client.post("/billing/manual", data={"manual-service_id": service.id, "manual-amount": "1000",
                                                    "manual-bank_reference": "TR-1", "manual-transfer_date": "فردا"})
    assert response.status_code == 400 and "TR-1" in _text(response) and "۱۴۰۵/۰۹/۱۰" in _text(response)
    assert db.session.query(Payment).count() == 0


def test_viewers_see_credit_but_cannot_charge(client, make, login, service):
    viewer = make.user(service.account, role="viewer")
    client.post("/auth/logout")
    login(viewer)
    page = _text(client.get("/billing/"))
    assert "Shop login" in page and "online-amount" not in page
    assert client.post("/billing/pay", data={"online-service_id": service.id, "online-amount": "1000"}).status_code == 403


@pytest.mark.parametrize("path", ["/billing/operator/", "/billing/operator/adjust"])
def test_operator_money_pages_are_not_for_customers(client, owner, path):
    method = client.post if path.endswith("adjust") else client.get
    assert method(path).status_code == 404


def test_operator_sets_limit_price_and_adjusts_with_a_reason(app, make, service):
    operator = make.account(operator=True)
    desk = app.test_client()
    desk.post("/auth/login", data={"email": operator.email, "password": PASSWORD})
    desk.post(f"/billing/operator/accounts/{service.account_id}/limit", data={"limit": "۵۰٬۰۰۰"})
    desk.post(f"/billing/operator/services/{service.id}/price", data={"price": "۲۰۰"})
    refused = desk.post("/billing/operator/adjust", data={"adjust-service_id": service.id, "adjust-amount": "-100",
                                                          "adjust-reason": ""})
    assert refused.status_code == 400 and "دلیل" in _text(refused)
    desk.post("/billing/operator/adjust", data={"adjust-service_id": service.id, "adjust-amount": "-100",
                                                "adjust-reason": "هزینه پیامک‌های آزمایشی"})
    db.session.expire_all()
    service = db.session.get(type(service), service.id)
    assert (service.account.credit_limit, service.price_per_call, service.credit) == (-500_000, 2_000, -1_000)
    entry = db.session.scalar(db.select(LedgerEntry))
    assert (entry.kind, entry.user_id, entry.note) == ("adjustment", operator.id, "هزینه پیامک‌های آزمایشی")
    by_operator = (service.account_id, operator.id, "127.0.0.1")
    [limit] = _audited("billing.limit_changed")
    assert limit[:3] == by_operator and (limit[3]["old"], limit[3]["new"]) == (0, -500_000)
    [price] = _audited("billing.price_changed")
    assert price[:3] == by_operator and (price[3]["old"], price[3]["new"]) == (1_000, 2_000)
    [adjusted] = _audited("billing.credit_adjusted")  # the refused one changed nothing and is not there
    assert adjusted[:3] == by_operator
    assert (adjusted[3]["amount"], adjusted[3]["reason"], adjusted[3]["credit_after"]) == (
        -1_000, "هزینه پیامک‌های آزمایشی", -1_000)
    page = _text(desk.get("/audit/"))
    assert "سقف اعتبار تغییر کرد" in page and "قیمت هر تماس تغییر کرد" in page and "اعتبار اصلاح شد" in page


def test_ledger_filters_and_csv(client, make, service):
    other = make.service(service.account, name="Other")
    credit(service, 100_000, "topup", utcnow())
    credit(other, 50_000, "topup", utcnow())
    admin.adjust(service, -20_000, "correction")
    db.session.commit()
    page = _text(client.get(f"/billing/ledger?service_id={service.id}&kind=adjustment"))
    assert "correction" in page and "۱۰٬۰۰۰ تومان" not in page
    response = client.get(f"/billing/ledger?service_id={service.id}&format=csv")
    body = response.get_data()
    assert response.mimetype == "text/csv" and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ردیف", "زمان (تهران)", "زمان (UTC، ISO 8601)"]
    assert [row[5] for row in rows[1:]] == ["-20000", "100000"]
    assert rows[1][3] == "Shop login" and rows[1][4] == "اصلاح دستی"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", rows[1][1])


@pytest.mark.parametrize("query", ["from=1405/13/01", "from=1405/09/10&to=1405/09/01", "kind=bonus"])
def test_ledger_bad_filters_are_explained(client, service, query):
    response = client.get(f"/billing/ledger?{query}")
    assert response.status_code == 400 and "alert-danger" in _text(response)


def test_ledger_of_another_accounts_service_answers_404(client, make, service):
    foreign = make.service()
    assert client.get(f"/billing/ledger?service_id={foreign.id}").status_code == 404


def test_the_banner_warns_near_the_limit_and_when_calls_are_refused(client, service):
    admin.set_limit(service.account, -100_000)
    credit(service, -95_000, "adjustment", utcnow(), note="test")
    db.session.commit()
    assert "نزدیک" in _text(client.get("/services/"))
    credit(service, -5_500, "adjustment", utcnow(), note="test")
    db.session.commit()
    assert "رد می‌شوند" in _text(client.get("/services/"))
