"""In Chromium: an owner charges a service online — the form, the gateway's page, back to a receipt."""
from flashcall import accounts
from flashcall.db import db
from flashcall.models import Service, User
from tests.fakes.payment_gateway import MERCHANT, PaymentGateway

from .conftest import ADMIN
from .test_testpage_flow import sign_in


def test_online_top_up_from_the_button_to_the_receipt(page, live_server, screenshot):
    with PaymentGateway() as gateway:
        live_server.app.config.update(ZARINPAL_MERCHANT_ID=MERCHANT, ZARINPAL_BASE_URL=gateway.url)
        with live_server.app.app_context():
            owner = db.session.scalar(db.select(User).where(User.email == ADMIN[0]))
            accounts.create_service(owner.account, "Shop login", price_per_call=1_000,
                                    secrets_key=live_server.app.config["SECRETS_KEY"])
            db.session.commit()
        sign_in(page, live_server)
        page.goto(live_server("/billing/"))
        page.fill("input[name=online-amount]", "۲۵٬۰۰۰")
        screenshot("form")
        page.click("#online-topup button")
        page.wait_for_url(lambda url: url.startswith(gateway.url + "/pg/StartPay/"))
        page.click("#pay")
        page.wait_for_url(lambda url: "/billing/payments/" in url and "/return" not in url)
        receipt = page.inner_text("#receipt")
        screenshot("receipt")
        assert "۲۵٬۰۰۰ تومان" in receipt and "زرین‌پال" in receipt and "۲۰۱" in receipt
        page.goto(live_server("/billing/"))
        assert "۲۵٬۰۰۰ تومان" in page.inner_text("#account-money")
        with live_server.app.app_context():
            assert db.session.scalar(db.select(Service.credit)) == 250_000
