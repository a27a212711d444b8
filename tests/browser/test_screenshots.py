"""Screenshots of the main pages (test page, service page, users page) on a desktop and a phone,
with the data a busy account has, saved into FLASHCALL_ARTIFACTS for people to look at."""
import pytest
from sqlalchemy import select

from flashcall import accounts
from flashcall.billing import admin as billing_admin
from flashcall.db import db
from flashcall.models import User

from .conftest import ADMIN, DESKTOP, PHONE, sign_in


def seed_account(app):
    """A service with a price, four keys and a webhook, and a team of four; returns the service id."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN[0]))
        service = accounts.create_service(admin.account, "ورود فروشگاه آنلاین", min_interval_seconds=0,
                                          secrets_key=app.config["SECRETS_KEY"],
                                          webhook_url="http://127.0.0.1:9/hooks/flashcall")  # loopback: never the internet
        billing_admin.set_price(service, 1500)
        billing_admin.adjust(service, 2_500_000, "شارژ آزمایشی")  # 250,000 Toman of credit
        for label in ("سرور اصلی", "اپ اندروید", "اپ iOS", "پنل پشتیبانی"):
            accounts.create_key(service, label)
        for email, role in (("sara.ahmadi@example.com", "developer"), ("reza@example.com", "viewer"),
                            ("support-team@shop.example.com", "owner")):
            accounts.create_user(admin.account, email, "browser-pass-42", role)
        db.session.commit()
        return service.id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages(live_server, new_page, screenshot, viewport):
    service_id = seed_account(live_server.app)
    page = new_page(viewport)
    sign_in(page, live_server)
    page.goto(live_server(f"/services/{service_id}"))
    page.wait_for_selector("[id^=webhooks-]")  # the webhook panel arrives by htmx
    screenshot("service", page)
    page.goto(live_server("/users/"))
    screenshot("users", page)
    page.goto(live_server(f"/test/?service_id={service_id}"))
    page.fill("#phone", "۰۹۱۲۱۲۳۴۵۶۷")
    page.press("#phone", "Enter")
    page.wait_for_selector("#call-card[data-status=delivered]")
    page.wait_for_selector("#virtual-phone .sim-call")
    screenshot("test-page", page)
